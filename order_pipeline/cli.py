"""`order-pipeline`: the simulator, pulls outside Dagster, the demo and the dev environment."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from order_pipeline.clock import FrozenClock, SystemClock, parse_instant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="order-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sim = commands.add_parser("simulator", help="the platform simulator").add_subparsers(dest="action", required=True)
    serve = sim.add_parser("serve", help="serve Taobao, JD, Douyin and Shopee APIs over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--start", default="", help="ISO instant the clock starts at (default: now)")
    serve.add_argument("--frozen", action="store_true", help="the clock moves only via /_sim/clock")
    serve.add_argument("--orders-per-day", type=int, default=150, help="orders per shop per day")
    serve.add_argument("--history-days", type=int, default=14)
    serve.add_argument("--nasty-share", type=float, default=0.05)
    serve.add_argument("--env-file", default="", help="credentials of the demo merchant (default config/demo.env)")

    pull = commands.add_parser("pull", help="pull shops into the landing zone without Dagster")
    pull.add_argument("--shops", default="", help="comma-separated shop keys (default: all)")
    pull.add_argument("--streams", default="orders,refunds,stock")
    pull.add_argument("--window-start", default="")
    pull.add_argument("--window-end", default="")
    pull.add_argument("--fixed-now", default="", help="ISO instant to use as now (replays, tests)")
    pull.add_argument("--detail-concurrency", type=int, default=4)
    pull.add_argument("--processes", type=int, default=1, help="worker processes (shops of one app together)")
    pull.add_argument("--shop-concurrency", type=int, default=3, help="shops pulled at once, all processes together")
    pull.add_argument("--requests-per-second", type=float, default=None, help="client-side limit per app")
    pull.add_argument("--safety-lag-minutes", type=float, default=3.0)
    pull.add_argument("--lookback-days", type=float, default=14.0, help="first pull of a shop reaches back this far")

    commands.add_parser("demo", help="start the simulator and run the main job on the embedded default")
    dev = commands.add_parser("dev", help="Dagster UI + daemon with the simulator running")
    dev.add_argument("--port", type=int, default=3000)
    commands.add_parser("new-pii-key", help="print a fresh ORDER_PIPELINE_PII_KEY value")
    customer = commands.add_parser("customer", help="customer data for authorised users (needs the PII key)")
    reveal = customer.add_subparsers(dest="action", required=True).add_parser(
        "reveal", help="print a customer's name, phone and address as the platforms sent them")
    reveal.add_argument("customer_id", help="cus_... from dim_customers / fct_orders")

    args = parser.parse_args(argv)
    if args.command == "simulator":
        return _serve(args)
    if args.command == "pull":
        return _pull(args)
    if args.command == "demo":
        from order_pipeline.demo import run_demo

        return run_demo()
    if args.command == "dev":
        from order_pipeline.demo import run_dev

        return run_dev(args.port)
    if args.command == "customer":
        from order_pipeline.warehouse.reveal import reveal_command

        return reveal_command(args.customer_id)
    from order_pipeline.landing.pii import new_key

    print(new_key())
    return 0


def _serve(args: argparse.Namespace) -> int:
    from order_pipeline.shops import PROJECT_ROOT, load_env_file
    from order_pipeline.simulator.config import WorldConfig, sim_shops_from_config
    from order_pipeline.simulator.server import serve

    load_env_file(Path(args.env_file) if args.env_file else PROJECT_ROOT / "config" / "demo.env")
    start = parse_instant(args.start) if args.start else datetime.now(UTC).replace(microsecond=0)
    config = WorldConfig(seed=args.seed, start=start, history_days=args.history_days,
                         orders_per_shop_per_day=args.orders_per_day, nasty_share=args.nasty_share,
                         frozen=args.frozen, shops=sim_shops_from_config())
    serve(args.host, args.port, config)
    return 0


def _pull(args: argparse.Namespace) -> int:
    from order_pipeline.ingestion.pull import PullPolicy
    from order_pipeline.ingestion.runner import PullFailed, PullJob, pull_shops
    from order_pipeline.platforms import TransportSettings, Window
    from order_pipeline.settings import data_dir
    from order_pipeline.shops import load_shops

    shops = load_shops()
    if args.shops:
        wanted = set(args.shops.split(","))
        shops = [shop for shop in shops if shop.key in wanted]
    window = (Window(parse_instant(args.window_start), parse_instant(args.window_end))
              if args.window_start else None)
    policy = PullPolicy(safety_lag=timedelta(minutes=args.safety_lag_minutes),
                        initial_lookback=timedelta(days=args.lookback_days))
    job = PullJob(streams=tuple(args.streams.split(",")), window=window, policy=policy,
                  transport=TransportSettings(requests_per_second=args.requests_per_second, burst=1),
                  detail_concurrency=args.detail_concurrency, processes=args.processes,
                  shop_concurrency=args.shop_concurrency)
    clock = FrozenClock(parse_instant(args.fixed_now)) if args.fixed_now else SystemClock()
    try:
        results = pull_shops(shops, job, data_dir=data_dir(), clock=clock)
    except PullFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for r in results:
        print(json.dumps({"shop": r.shop_key, "stream": r.stream, "records": r.records, "windows": r.windows,
                          "new_files": r.files_created, "requests": r.requests}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
