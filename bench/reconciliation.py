"""Reconciliation benchmark (MISSION F10, F11): the nightly stock reconciliation over 100,000 SKUs across the
WMS, the central pool and four platform shops, and returns attribution over 1,000,000 refunds.

    .venv/bin/python bench/reconciliation.py [--skus 100000] [--nights 3] [--runs 5] [--refunds 1000000]

Stock: generates `fct_inventory_snapshots` with SQL inside DuckDB (deterministic, hash-based): --nights
snapshots of every system (2 WMS warehouses per SKU, a pool allocation and a platform listing for each of 4
shops), with 5% of SKUs drifted in one system. Times `reconcile_day` (the latest snapshot per record up to the
cutoff, both pairs, the consecutive-days join, the write) as the median of --runs, and, in the same process
over the same table, a baseline: one plain `group by sku_code` sum over all snapshot rows (the floor any pass
over the history pays). Then runs bench/returns_attribution.py (its own process, its own figures) unless
--skip-returns. Prints JSON lines; targets: reconciliation under 10 s, returns attribution under 30 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from order_pipeline.reconciliation.inventory import reconcile_day  # noqa: E402

CN = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 6)
SHOPS = ("tmall_flagship", "jd_pop", "douyin_main", "shopee_sg")

GENERATE_SQL = """
create table fct_inventory_snapshots (system varchar, source varchar, system_key varchar, shop_key varchar,
    location varchar, stock_ref varchar, sku_code varchar, on_hand bigint, available bigint, reserved bigint,
    snapshot_at timestamptz);
create temp table skus as
    select i, ['AP', 'FF', 'EL', 'BE', 'HO', 'MB'][1 + i % 6] || lpad(i::varchar, 6, '0') || '-X' as sku_code,
           hash(i, 'drift') % 100 < 5 as drifted, hash(i, 'which') % 2 = 0 as in_wms, 1 + hash(i, 'd') % 40 as delta
    from range($skus) r(i);
create temp table channels as
    select c, ['tmall_flagship', 'jd_pop', 'douyin_main', 'shopee_sg'][c + 1] as shop_key,
           ['taobao', 'jd', 'douyin', 'shopee'][c + 1] as platform from range(4) r(c);
create temp table alloc as
    select s.i, s.sku_code, s.drifted, s.in_wms, s.delta, c.shop_key, c.platform, n.night,
           (hash(s.i, c.c, n.night) % 200)::bigint as allocated, (hash(s.i, c.c, 'h') % 3)::bigint as held
    from skus s cross join channels c cross join range($nights) n(night);
insert into fct_inventory_snapshots
    select 'pool', 'pool', 'central_pool', shop_key, shop_key, shop_key || ':' || sku_code, sku_code,
           allocated + case when drifted and not in_wms and shop_key = 'jd_pop' then delta else 0 end,
           allocated - held + case when drifted and not in_wms and shop_key = 'jd_pop' then delta else 0 end, held,
           $day_end + to_hours(2 + 24 * (night - $nights + 1)) from alloc;
insert into fct_inventory_snapshots
    select 'platform', platform, shop_key, shop_key, shop_key, 'id-' || i || '-' || shop_key, sku_code, null,
           allocated - held, null, $day_end + to_hours(2 + 24 * (night - $nights + 1)) + interval 1 minute
    from alloc;
-- the WMS splits each SKU's total over two warehouses, and a drifted SKU's first warehouse counts `delta` more
insert into fct_inventory_snapshots
    select 'wms', 'wms', 'main_wms', null, w.wh, w.wh || ':' || sku_code, sku_code, units + 3, units, 3,
           $day_end + to_hours(2 + 24 * (night - $nights + 1)) + interval 2 minute
    from (select i, sku_code, night, drifted, in_wms, delta, sum(allocated) as total from alloc group by all) t,
         lateral (select '10001' as wh, total // 2 + case when drifted and in_wms then delta else 0 end as units
                  union all select '10002', total - total // 2) w;
"""


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refunds", type=int, default=1_000_000)
    parser.add_argument("--skip-returns", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        con.execute("set TimeZone = 'UTC'")
        day_end = datetime(DAY.year, DAY.month, DAY.day, tzinfo=CN) + timedelta(days=1)
        started = time.perf_counter()
        for statement in GENERATE_SQL.split(";"):
            if statement.strip():
                con.execute(statement, {k: v for k, v in {"skus": args.skus, "nights": args.nights,
                                                          "day_end": day_end}.items() if f"${k}" in statement})
        rows = con.execute("select count(*) from fct_inventory_snapshots").fetchall()[0][0]
        print(json.dumps({"generated_rows": rows, "skus": args.skus, "seconds": round(time.perf_counter() - started, 1)}))

        def baseline() -> None:
            con.execute("select sku_code, sum(available) from fct_inventory_snapshots group by sku_code").fetchall()

        as_of = day_end + timedelta(hours=3)
        timings, base, summary = [], [], None
        for _ in range(args.runs):
            started = time.perf_counter()
            baseline()
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            summary = reconcile_day(con, DAY, as_of)
            timings.append(time.perf_counter() - started)
        expected_drifted = con.execute("select count(*) filter (drifted) from skus").fetchall()[0][0]
        print(json.dumps({
            "bench": "reconciliation", "skus": args.skus, "snapshot_rows": rows, "runs": args.runs,
            "median_seconds": round(statistics.median(timings), 3), "all_seconds": [round(t, 3) for t in timings],
            "baseline_group_by_median_seconds": round(statistics.median(base), 3),
            "ratio_to_baseline": round(statistics.median(timings) / statistics.median(base), 1),
            "compared_rows": summary.compared, "deviating": summary.deviating, "flagged": summary.flagged,
            "drifted_skus_injected": expected_drifted, "peak_rss_mb": round(peak_rss_mb()),
            "target_seconds": 10,
        }))
        con.close()
    if not args.skip_returns:
        script = ROOT / "bench" / "returns_attribution.py"
        subprocess.run([sys.executable, str(script), "--refunds", str(args.refunds)], check=True)


if __name__ == "__main__":
    threading.stack_size(0)
    main()
