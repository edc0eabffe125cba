"""Returns-attribution benchmark: 1,000,000 refunds through the whole build (MISSION F11).

    .venv/bin/python bench/returns_attribution.py [--refunds 1000000] [--extra-lines 3000000] [--runs 3]
                                                   [--threads 2] [--memory-limit 3GB]

A child process generates, with SQL inside a temporary DuckDB file (deterministic: hash-based, no RNG), the
marts the build reads: `fct_refunds` (the six demo shops, every refund type and status in a plausible mix,
stage times over 90 days, Douyin/JD without SKU codes and Shopee without line ids as the platforms send
them), `fct_order_lines` (each refund's line plus --extra-lines lines never refunded, ~250 demo SKUs and 1%
with an unknown prefix) and the `currency_rates` seed; reason (platform, code, text) triples, a few thousand,
are rendered by the simulator's reason generator with buyers' tails and typos. This process then times
`build_returns_attribution` (classification of the distinct triples, emptied caches, and the three tables)
over --runs runs, and, over the same rows in the same process, a baseline: a plain `group by` of the refunds
and one of the order lines written to temp tables. Prints medians, the ratio and peak RSS (getrusage of this
process, which only reads the generated file). Target: under 30 s per build on the 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from order_pipeline.returns.attribution import build_returns_attribution  # noqa: E402
from order_pipeline.returns.config import load_returns_settings  # noqa: E402
from order_pipeline.returns.reasons import clear_cache  # noqa: E402
from order_pipeline.simulator import reasons as sim_reasons  # noqa: E402
from order_pipeline.simulator.catalog import build_catalog  # noqa: E402

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SHOPS = [(0, "taobao", "tmall_flagship", "CN", "CNY", 1.0), (1, "jd", "jd_pop", "CN", "CNY", 1.0),
         (2, "douyin", "douyin_main", "CN", "CNY", 1.0), (3, "shopee", "shopee_sg", "SG", "SGD", 0.19),
         (4, "shopee", "shopee_id", "ID", "IDR", 2200.0), (5, "shopee", "shopee_br", "BR", "BRL", 0.78)]
NOISE = ["", "", "", " ", "！", "!!", "。。", "，谢谢亲", " pls", "😭", "～～", "？", "，差评", " asap", "  "]

GENERATE_SQL = """
create table lines_raw as
    select i, i // 2 as order_no, hash(i // 2, 'shop') % 6 as shop_no, hash(i, 'sku') % $skus as sku_no,
           hash(i // 2, 'state') % 100 as state
    from range($lines) r(i);
create table main.fct_order_lines as
    select s.platform || ':' || s.shop_key || ':' || l.order_no as order_key, s.platform, s.shop_key,
           l.order_no::varchar as order_id, (l.i % 2)::varchar as line_id, k.sku_id, k.sku_code,
           'P' || k.product_code as product_id, k.title, (1 + l.i % 3 // 2)::integer as quantity,
           round(k.price_cny * s.rate, 2)::decimal(18,2) as unit_price,
           round(k.price_cny * s.rate * (1 + l.i % 3 // 2), 2)::decimal(18,2) as line_amount, s.currency,
           case when l.state < 70 then 'completed' when l.state < 82 then 'shipped' when l.state < 90 then 'paid'
                when l.state < 97 then 'cancelled' when l.state < 99 then 'refunded' else 'unpaid' end as status
    from lines_raw l join shops s using (shop_no) join skus k using (sku_no);
drop table lines_raw;
create table main.fct_refunds as
with picked as (  -- refund r is on order line r, the lines after the first $refunds are never refunded
    select r, lines.order_key, lines.platform, lines.shop_key, lines.order_id, lines.line_id, lines.sku_id,
           lines.sku_code, lines.line_amount, lines.currency, lines.quantity, hash(r, 'type') % 100 as t,
           hash(r, 'status') % 100 as u, hash(r, 'h') as h,
           timestamptz '2026-08-22 00:00:00+00' + to_seconds(hash(r, 'created') % 7776000) as created_at
    from range($refunds) x(r)
    positional join (select * from main.fct_order_lines limit $refunds) as lines
),
typed as (
    select *,
           case when t < 25 then 'refund_before_shipping' when t < 50 then 'refund_after_shipping'
                when t < 85 then 'return_and_refund' when t < 93 then 'exchange' else 'price_protection' end
               as refund_type,
           t between 50 and 92 as with_goods,
           case when u < 65 then 'refunded' when u < 73 then 'rejected' when u < 80 then 'closed'
                when u < 85 then 'requested' when u < 93 then 'waiting_buyer_return'
                when t between 50 and 92 then 'waiting_seller_receipt' else 'waiting_buyer_return' end as status
    from picked
),
stages as (
    select typed.*, h % counts.n as reason_idx,
           case when status in ('waiting_buyer_return', 'waiting_seller_receipt', 'refunded') then created_at
                + to_seconds(case when with_goods then 1800 + h % 86400 else 600 + h % 28800 end) end as approved_at
    from typed join (select distinct reason_platform, n from reasons) as counts
      on counts.reason_platform = typed.platform
),
returned as (
    select *, case when with_goods and status in ('waiting_seller_receipt', 'refunded')
                   then approved_at + to_seconds(14400 + h // 7 % 244800) end as goods_returned_at
    from stages
),
refunded as (
    select *, case when status = 'refunded' then coalesce(goods_returned_at + to_seconds(86400 + h // 11 % 345600),
                                                          approved_at + to_seconds(h // 11 % 7200)) end as refunded_at
    from returned
)
select platform || ':' || shop_key || ':R' || r as refund_key, order_key, platform, shop_key, 'R' || r as refund_id,
       order_id, case when platform = 'shopee' then null else line_id end as line_id,
       case when platform in ('taobao', 'shopee') then sku_id end as sku_id,
       case when platform in ('taobao', 'shopee') then sku_code end as sku_code,
       refund_type, status, status as status_raw, reasons.reason_code, reasons.reason_text,
       case when refund_type = 'exchange' then 0
            when refund_type = 'price_protection' then line_amount * (5 + h % 11) / 100
            when h % 5 = 0 then line_amount * (30 + h % 61) / 100 else line_amount end::decimal(18,2) as amount,
       currency, quantity, created_at, approved_at, goods_returned_at, refunded_at,
       case when status in ('rejected', 'closed') then created_at + to_seconds(3600 + h // 13 % 172800)
            else coalesce(refunded_at, goods_returned_at, approved_at, created_at) end as modified_at,
       created_at::date as business_date, 1::bigint as version_count
from refunded join reasons on reasons.reason_platform = refunded.platform and reasons.idx = refunded.reason_idx;
create table main.currency_rates as
    select * from read_csv($seed, columns = {'currency': 'varchar', 'cny_per_unit': 'decimal(18,6)',
                                             'minor_unit': 'decimal(18,2)', 'as_of': 'date'}, header = true);
"""


def reason_triples(n_per_platform: int, seed: int = 11) -> list[tuple[str, int, str, str]]:
    """(platform, idx, code, text): the simulator's renderings with tails and noise, distinct per platform."""
    rng = random.Random(seed)
    causes = list(sim_reasons.CODES)
    out: list[tuple[str, int, str, str]] = []
    for platform, region in (("taobao", "CN"), ("jd", "CN"), ("douyin", "CN"), ("shopee", "SG"),
                             ("shopee", "ID"), ("shopee", "BR")):
        seen: set[tuple[str, str]] = set()
        for _ in range(n_per_platform * 20):
            if len(seen) >= n_per_platform:
                break
            code, text = sim_reasons.render(rng, rng.choice(causes), platform, region)
            seen.add((code, text + rng.choice(NOISE) + (str(rng.randrange(30)) if rng.random() < 0.5 else "")))
        out += [(platform, 0, code, text) for code, text in sorted(seen)]
    by_platform: dict[str, int] = {}
    numbered = []
    for platform, _, code, text in out:
        numbered.append((platform, by_platform.setdefault(platform, 0), code, text))
        by_platform[platform] += 1
    return numbered


def generate(path: Path, refunds: int, extra_lines: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create table shops as select * from (values " + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(SHOPS))
                + ") t(shop_no, platform, shop_key, region, currency, rate)", [v for s in SHOPS for v in s])
    skus = [(f"{p.code}-{v.code}", p.code, p.zh + " " + v.zh, v.price_cny) for p in build_catalog(7)
            for v in p.variants]
    skus += [(f"ZZ{n:03d}-X", f"ZZ{n:03d}", "未建档商品", 19.0) for n in range(max(1, len(skus) // 100))]
    con.execute("create table skus as select unnest(?::varchar[]) as sku_code, unnest(?::varchar[]) as product_code, "
                "unnest(?::varchar[]) as title, unnest(?::double[]) as price_cny", [list(c) for c in zip(*skus, strict=True)])
    con.execute("create or replace table skus as select row_number() over (order by sku_code) - 1 as sku_no, "
                "'S' || hash(sku_code) % 1000000000 as sku_id, * from skus")
    triples = reason_triples(700)
    con.execute("create table reasons_raw as select unnest(?::varchar[]) as reason_platform, unnest(?::bigint[]) as idx, "
                "unnest(?::varchar[]) as reason_code, unnest(?::varchar[]) as reason_text",
                [[t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples], [t[3] for t in triples]])
    con.execute("create table reasons as select *, count(*) over (partition by reason_platform) as n from reasons_raw")
    params = {"skus": len(skus), "lines": refunds + extra_lines, "refunds": refunds,
              "seed": str(ROOT / "dbt_models" / "seeds" / "currency_rates.csv")}
    for statement in filter(str.strip, GENERATE_SQL.split(";")):
        con.execute(statement, {name: value for name, value in params.items() if f"${name}" in statement})
    con.execute("drop table shops; drop table skus; drop table reasons; drop table reasons_raw; checkpoint")
    con.close()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refunds", type=int, default=1_000_000)
    parser.add_argument("--extra-lines", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.refunds, args.extra_lines)
        return
    with tempfile.TemporaryDirectory(prefix="returns-bench-") as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(path), "--refunds", str(args.refunds),
                        "--extra-lines", str(args.extra_lines)], check=True)
        print(f"generated in {time.perf_counter() - started:.1f} s")
        con = duckdb.connect(str(path))
        con.execute("set TimeZone = 'UTC'")
        con.execute("set threads = ?", [args.threads])
        con.execute("set memory_limit = ?", [args.memory_limit])
        counts = con.execute("""select (select count(*) from main.fct_refunds), (select count(*) from main.fct_order_lines),
                                       (select count(*) from (select distinct platform, reason_code, reason_text
                                                              from main.fct_refunds))""").fetchall()[0]
        print(f"{counts[0]:,} refunds, {counts[1]:,} order lines, {counts[2]:,} distinct (platform, code, text)")
        settings = load_returns_settings()

        def build() -> None:
            clear_cache()
            build_returns_attribution(con, AS_OF, settings)

        def baseline() -> None:
            con.execute("""create or replace temp table baseline_refunds as
                           select platform, shop_key, reason_code, status, count(*) as n, sum(amount) as amount,
                                  sum(quantity) as units
                           from main.fct_refunds group by all""")
            con.execute("""create or replace temp table baseline_lines as
                           select sku_code, status, sum(quantity) as units from main.fct_order_lines group by all""")

        builds = [timed(build) for _ in range(args.runs)]
        baselines = [timed(baseline) for _ in range(args.runs)]
        sizes = dict(con.execute("""select 'reasons', count(*) from main.fct_refund_reasons union all
                                    select 'attribution', count(*) from main.fct_refund_attribution union all
                                    select 'report', count(*) from main.rpt_returns_attribution""").fetchall())
        other = con.execute("select avg((reason_category = 'other')::int) from main.fct_refund_reasons").fetchall()[0][0]
        con.close()
    build_median, baseline_median = statistics.median(builds), statistics.median(baselines)
    print(f"tables: {sizes}; reason other: {other:.1%}")
    print(f"build (classify + 3 tables): median {build_median:.2f} s of {args.runs} "
          f"(runs: {', '.join(f'{t:.2f}' for t in builds)})")
    print(f"baseline (plain group by of refunds and of lines): median {baseline_median:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in baselines)})")
    print(f"ratio build / baseline: {build_median / baseline_median:.1f}x; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; target < 30 s: "
          f"{'met' if build_median < 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
