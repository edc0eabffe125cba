"""Timeout-evaluation benchmark: 1,000,000 open orders judged against the SLA policies (MISSION F7).

    .venv/bin/python bench/timeouts.py [--orders 1000000] [--runs 5] [--threads 2] [--memory-limit 600MB]

Generates, with SQL inside DuckDB (deterministic: hash-based, no RNG), open orders over the six demo shops
(~1.6 lines per order, 20,000 SKUs of the demo's category codes, 2% of SKUs without a stock row), then
times `evaluate` (median of --runs, result materialized as a pyarrow table) and `stuck_orders`, and, in the
same process over the same table, a baseline: a plain count of orders paid more than 2 h ago, the floor any
scan of the open orders pays. Peak RSS is polled from /proc/self/status (VmRSS) in a thread. Prints JSON
lines; targets: under 2 s per evaluation and under 1 GB peak RSS.
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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from order_pipeline.operations import evaluate, load_policies, stuck_orders  # noqa: E402
from order_pipeline.operations.sensors import judge_serving  # noqa: E402
from order_pipeline.shops import load_shops  # noqa: E402

NOW = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)  # 00:00 on 12 Nov in Shanghai: the midnight of the incident

GENERATE_SQL = """
create table shops as select * from (values
    (0, 'taobao', 'tmall_flagship', 'Asia/Shanghai', 'CNY', 1.0), (1, 'jd', 'jd_pop', 'Asia/Shanghai', 'CNY', 1.0),
    (2, 'douyin', 'douyin_main', 'Asia/Shanghai', 'CNY', 1.0),
    (3, 'shopee', 'shopee_sg', 'Asia/Singapore', 'SGD', 0.19), (4, 'shopee', 'shopee_id', 'Asia/Jakarta', 'IDR', 2200.0),
    (5, 'shopee', 'shopee_br', 'America/Sao_Paulo', 'BRL', 0.75)
) t(shop_no, platform, shop_key, shop_timezone, currency, rate);
create table skus as
    select i, ['AP', 'FF', 'EL', 'BE', 'HM', 'MB', 'GC'][1 + i % 7] || lpad((100 + i // 7 % 1000)::varchar, 3, '0')
               || '-' || (i // 7000)::varchar as sku_code
    from range(20000) r(i);
-- 2% of SKUs have no stock row (unknown), a few percent are nearly out of stock, the rest cover demand
create table available_stock as
    select sku_code,
           (case when hash(i, 'short') % 100 < $short_pct then hash(i, 'stock') % 60
                 else 1000 + hash(i, 'stock') % 2000 end)::integer as available
    from skus where hash(i, 'known') % 50 <> 0;
create table base as
    select i, hash(i, 'o') as h, hash(i, 'p') as h2,
           s.platform || ':' || s.shop_key || ':' || lpad(i::varchar, 9, '0') as order_key
    from range($orders) r(i) join shops s on s.shop_no = i % 6;
-- 15% unpaid, 10% partly shipped, 75% paid within the last 4 h, 10% with a platform ship-by of 1 h
create table open_orders as
    select b.order_key, s.platform, s.shop_key, s.shop_timezone,
           case when b.h % 100 < 15 then 'unpaid' when b.h % 100 < 25 then 'partly_shipped' else 'paid' end
               as status,
           $now::timestamptz - to_minutes((b.h2 % 240 + 5)::bigint) as created_at,
           case when b.h % 100 >= 15 then $now::timestamptz - to_minutes((b.h2 % 240)::bigint) end as paid_at,
           case when b.h % 100 between 15 and 24 then $now::timestamptz - to_minutes((b.h2 % 60)::bigint)
           end as shipped_at,
           case when b.h % 100 >= 15 then $now::timestamptz - to_minutes((b.h2 % 240)::bigint)
                + to_hours((case when b.h % 10 = 0 then 1 else 48 end)::bigint) end as ship_by,
           ((30 + b.h2 % 1000 + case when b.h // 3 % 200 = 0 then 6000 else 0 end) * s.rate)::decimal(18, 2)
               as paid_amount,
           s.currency, (1 + b.h // 100 % 4)::integer as units,
           b.h // 1000 % 50 <> 0 as address_valid, b.h // 1000 % 97 = 0 as risk_flag,
           case when b.h % 100 < 15 then (case when b.h // 100 % 20 = 0 then 'pending' end)
                when b.h // 10 % 500 = 0 then 'failed' else 'paid' end as payment_state
    from base b join shops s on s.shop_no = b.i % 6;
create table open_order_lines as
    select o.order_key, k.sku_code, (1 + hash(b.i, n) % 3)::integer as quantity,
           case when o.status = 'unpaid' then 'unpaid' when o.status = 'partly_shipped' and n = 1 then 'shipped'
                else 'paid' end as line_status
    from base b
    join open_orders o on o.order_key = b.order_key
    cross join range(1, 4) l(n)
    join skus k on k.i = hash(b.i, n, 'sku') % 20000
    where n = 1 or (n = 2 and b.h // 7 % 10 < 4) or (n = 3 and b.h // 7 % 10 < 2);
drop table base;
"""

# A published serving.duckdb as the sensor reads it: the marts the inputs come from, and alerts already
# recorded for every other order at a level (so the tick's comparison with fct_order_alerts has work to do).
SERVING_SQL = """
attach $path as serving;
create table serving.fct_orders as
    select order_key, platform, shop_key, status,
           case when payment_state = 'pending' then 'PAY_PENDING' end as status_raw, created_at, paid_at,
           shipped_at, ship_by, paid_amount, currency, units, address_valid, risk_flag
    from open_orders;
create table serving.fct_order_lines as
    select order_key, sku_code, quantity, line_status as status from open_order_lines;
create table serving.fct_inventory_snapshots as
    select 'wms' as system, 'wms' as source, 'main_wms' as system_key, null::varchar as shop_key, sku_code,
           '10001' as location, '10001:' || sku_code as stock_ref, $now::timestamptz as snapshot_at, available
    from available_stock;
create table serving.fct_order_alerts as
    select order_key, level, 'local_webhook' as channel, 'delivered' as delivery_status,
           $now::timestamptz as notify_at
    from evaluated_once where level > 0 and hash(order_key) % 2 = 0;
detach serving
"""

BASELINE_SQL = "select count(*) from open_orders where paid_at < $now::timestamptz - interval 2 hours"


class PeakRss:
    """Poll VmRSS of this process every 50 ms; `peak_mb` is the highest value seen."""

    def __enter__(self) -> PeakRss:
        self.peak_kb, self._done = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._done.wait(0.05):
            with open("/proc/self/status") as status:
                rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            self.peak_kb = max(self.peak_kb, rss)

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def reset(self) -> None:
        """Start a new phase: the next peak_mb covers only what happens from now on."""
        self.peak_kb = 0

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def generate(con: duckdb.DuckDBPyConnection, orders: int, short_pct: int = 5) -> None:
    """Run GENERATE_SQL statement by statement (DuckDB binds parameters only in a single statement)."""
    values = {"orders": orders, "now": NOW, "short_pct": short_pct}
    for statement in filter(str.strip, GENERATE_SQL.split(";")):
        con.execute(statement, {name: value for name, value in values.items() if f"${name}" in statement})


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def timed(action: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        result = None  # the previous run's table is not part of this run's memory
        started = time.perf_counter()
        result = action()
        seconds.append(round(time.perf_counter() - started, 3))
    return seconds, result


def tick_main(serving: Path, runs: int) -> None:
    """`--tick`: time the sensor's read of a serving file in this fresh process; print runs and VmHWM."""
    policies, shops = load_policies(), load_shops()
    seconds, judged = timed(lambda: judge_serving(serving, NOW, shops, policies), runs)
    with open("/proc/self/status") as status:
        hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"runs": seconds, "peak_rss_mb": round(hwm_kb / 1024, 1), "open_orders": judged.open_orders,
                      "new_alerts_by_level": judged.new_by_level}))


def main() -> None:
    if "--tick" in sys.argv:
        tick_main(Path(sys.argv[sys.argv.index("--tick") + 1]), int(sys.argv[sys.argv.index("--runs") + 1]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="600MB")
    parser.add_argument("--short-pct", type=int, default=5, help="%% of SKUs nearly out of stock")
    args = parser.parse_args()
    policies = load_policies()
    with PeakRss() as rss:
        con = duckdb.connect(config={"threads": args.threads, "memory_limit": args.memory_limit})
        started = time.perf_counter()
        generate(con, args.orders, args.short_pct)
        counts = {name: con.execute(f"select count(*) from {name}").fetchall()[0][0]
                  for name in ("open_orders", "open_order_lines", "available_stock")}
        emit(step="generate", seconds=round(time.perf_counter() - started, 2), rss_mb=rss.peak_mb, **counts)

        baseline, _ = timed(lambda: con.execute(BASELINE_SQL, {"now": NOW}).fetchall(), args.runs)
        emit(step="baseline_count_paid_over_2h", median_seconds=statistics.median(baseline), runs=baseline)

        generated_rss_mb = rss.peak_mb
        rss.reset()
        runs, table = timed(lambda: evaluate(con, NOW, policies), args.runs)
        evaluate_rss_mb = rss.peak_mb
        levels = {str(row["level"]): row["level_count"] for row in sorted(
            table.group_by("level").aggregate([("level", "count")]).to_pylist(), key=lambda row: row["level"])}
        queues = {row["queue"]: row["queue_count"]
                  for row in table.group_by("queue").aggregate([("queue", "count")]).to_pylist()}
        emit(step="evaluate", median_seconds=statistics.median(runs), runs=runs, rows=table.num_rows,
             levels=levels, queues=queues, peak_rss_mb=evaluate_rss_mb,
             vs_baseline=round(statistics.median(runs) / max(statistics.median(baseline), 0.001), 1))
        del table

        stuck_runs, stuck = timed(lambda: stuck_orders(con, NOW, policies), args.runs)
        emit(step="stuck_orders", median_seconds=statistics.median(stuck_runs), runs=stuck_runs,
             rows=stuck.num_rows)

        # The sensor's whole tick: open the published file read-only, build the inputs, judge, compare
        with tempfile.TemporaryDirectory() as folder:
            serving = Path(folder) / "serving.duckdb"
            con.register("evaluated_once", evaluate(con, NOW, policies))
            for statement in filter(str.strip, SERVING_SQL.split(";")):
                con.execute(statement, {k: v for k, v in {"path": str(serving), "now": NOW}.items()
                                        if f"${k}" in statement})
            con.close()
            # in a process of its own, as the code server runs it: its peak RSS (VmHWM) is the tick's alone
            tick = subprocess.run([sys.executable, __file__, "--tick", str(serving), "--runs", str(args.runs)],
                                  capture_output=True, text=True, check=True)
            judged = json.loads(tick.stdout.strip().splitlines()[-1])
        tick_runs, tick_rss_mb = judged.pop("runs"), judged.pop("peak_rss_mb")
        emit(step="sensor_tick", median_seconds=statistics.median(tick_runs), runs=tick_runs,
             peak_rss_mb=tick_rss_mb, **judged)
    peak = max(generated_rss_mb, evaluate_rss_mb, rss.peak_mb)
    emit(step="summary", peak_rss_mb=peak, threads=args.threads, memory_limit=args.memory_limit,
         short_pct=args.short_pct, target_seconds=2.0, target_rss_mb=1024,
         evaluate_median_seconds=statistics.median(runs), sensor_tick_median_seconds=statistics.median(tick_runs),
         sensor_tick_peak_rss_mb=tick_rss_mb,
         within_targets=statistics.median(tick_runs) < 2.0 and max(evaluate_rss_mb, tick_rss_mb) < 1024)


if __name__ == "__main__":
    main()
