"""Benchmark: pull ~100,000 orders (with lines, refunds and stock) from a local simulator.

Prints, as medians over several runs on a fresh landing zone each time:
- orders/s of the whole pull (all shops, all streams), wall time, peak RSS of the pulling process;
- requests made vs the minimum the contracts allow for the same windows (list pages, +1 page-1 re-read for
  backward paging where a window spans several pages, detail calls in the largest batches allowed);
- baseline: the simulator's raw detail-call capacity measured in the same process (signed Taobao fullinfo
  calls through the same transport, no landing), and the pull's request rate as a ratio of it;
- with a simulator rate limit: the useful request rate reached as a share of the allowed rate.

Usage: .venv/bin/python bench/pull.py [--orders 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from order_pipeline.shops import load_env_file, load_shops  # noqa: E402

START = "2026-11-20T08:00:00+00:00"
HISTORY_DAYS = 14
SHOPS = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(orders: int, port: int) -> subprocess.Popen:
    per_shop_day = math.ceil(orders / (SHOPS * HISTORY_DAYS))
    proc = subprocess.Popen(
        [sys.executable, "-m", "order_pipeline.cli", "simulator", "serve", "--port", str(port), "--seed", "7",
         "--start", START, "--frozen", "--orders-per-day", str(per_shop_day), "--history-days", str(HISTORY_DAYS)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/_sim/clock", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("simulator did not start")


def run_pull(url: str, data: Path, processes: int, extra_env: dict[str, str] | None = None) -> dict:
    env = dict(os.environ, ORDER_PIPELINE_SIM_URL=url, ORDER_PIPELINE_DATA_DIR=str(data), **(extra_env or {}))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "order_pipeline.cli", "pull", "--fixed-now", START,
                             "--processes", str(processes), "--shop-concurrency", str(processes),
                             "--safety-lag-minutes", "0", "--lookback-days", str(HISTORY_DAYS + 1)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(data / "pull.log").open("w"))
    # The pulling process tree's resident memory (the pull and its worker processes, summed), polled while it
    # runs. Not ru_maxrss: a forked child counts its parent's resident pages until it execs, so ru_maxrss would
    # report this benchmark's own memory.
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, sum(_status_kb(pid, "VmRSS") for pid in _tree(proc.pid)),
                      _status_kb(proc.pid, "VmHWM"))
        time.sleep(0.1)
    status = proc.returncode
    wall = time.monotonic() - started
    if status != 0:
        raise RuntimeError(f"pull failed: {(data / 'pull.log').read_text()[-2000:]}")
    return {"wall": wall, "rss_mb": peak_kb / 1024, "log": read_pull_log(data)}


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def read_pull_log(data: Path) -> list[dict]:
    with sqlite3.connect(data / "state" / "ingestion.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM pull_log")]


def pages(n: int, size: int, backward: bool) -> int:
    """List calls for n records: at least one; backward paging re-reads the first page when n > size."""
    count = max(1, math.ceil(n / size))
    return count + (1 if backward and count > 1 else 0)


def minimum_requests(log: list[dict], platforms: dict[str, str], stock_products: dict[str, int]) -> int:
    """The fewest calls the contracts allow for the windows this pull read (docs/platform-api.md)."""
    total = 0
    for entry in log:
        n, platform, stream = entry["records"], platforms[entry["shop_key"]], entry["stream"]
        if stream == "orders":
            total += {"taobao": pages(n, 100, True) + n, "jd": pages(n, 100, True) + n,
                      "douyin": pages(n, 100, True) + n,
                      "shopee": pages(n, 100, False) + math.ceil(n / 50)}[platform]
        elif stream == "refunds":
            total += {"taobao": pages(n, 100, True), "jd": pages(n, 50, True), "douyin": pages(n, 100, True),
                      "shopee": pages(n, 100, False)}[platform]
        else:
            items = stock_products[entry["shop_key"]]
            total += {"taobao": pages(items, 200, False) + math.ceil(items / 40), "jd": pages(n, 100, False),
                      "douyin": pages(items, 100, False) + items, "shopee": pages(items, 100, False) + items}[platform]
    return total


def count_products(data: Path) -> dict[str, int]:
    import duckdb

    files = [str(p) for p in (data / "landing" / "stock").rglob("*.parquet")]
    rows = duckdb.sql("SELECT shop_key, payload FROM read_parquet($f)", params={"f": files}).fetchall()
    products: dict[str, set] = defaultdict(set)
    for shop, payload in rows:
        record = json.loads(payload)
        products[shop].add(str(record.get("num_iid") or record.get("product_id") or record.get("item_id")
                               or record.get("wareId")))
    return {shop: len(ids) for shop, ids in products.items()}


def baseline_detail_rate(url: str, calls: int = 3000) -> float:
    """Signed Taobao detail calls through the same transport, 8 threads, nothing landed: the ceiling."""
    os.environ["ORDER_PIPELINE_SIM_URL"] = url
    from order_pipeline.clock import FrozenClock, parse_instant
    from order_pipeline.platforms.taobao import TRADE_FIELDS, TaobaoAdapter

    shop = next(s for s in load_shops() if s.platform == "taobao")
    truth = httpx.get(f"{url}/_sim/ground_truth", params={"kind": "orders"}, timeout=300).text.splitlines()
    tids = [json.loads(line)["order_id"] for line in truth if '"tmall_flagship"' in line][:calls]
    with TaobaoAdapter(shop, clock=FrozenClock(parse_instant(START))) as adapter, ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        list(pool.map(lambda tid: adapter.call("taobao.trade.fullinfo.get", {"tid": tid, "fields": TRADE_FIELDS}),
                      tids))
        return len(tids) / (time.monotonic() - started)


def rate_limited_share(url: str, data: Path, rate: float, client_rate: float | None) -> float:
    """Useful requests/s reached against a simulator limit of `rate` per app (burst one second's worth), as a
    share of `rate`; `client_rate` is the client-side limit (None: only react to the platform's throttles)."""
    from order_pipeline.clock import FrozenClock, parse_instant
    from order_pipeline.ingestion.runner import PullJob, pull_shops
    from order_pipeline.platforms import TransportSettings, Window

    httpx.post(f"{url}/_sim/rate_limit", json={"requests_per_second": rate, "burst": rate}, timeout=5)
    os.environ["ORDER_PIPELINE_SIM_URL"] = url
    try:
        shops = [s for s in load_shops() if s.key == "tmall_flagship"]
        window = Window(parse_instant("2026-11-18T00:00:00+00:00"), parse_instant("2026-11-19T00:00:00+00:00"))
        job = PullJob(streams=("orders",), window=window,
                      transport=TransportSettings(requests_per_second=client_rate, burst=1))
        started = time.monotonic()
        results = pull_shops(shops, job, data_dir=data, clock=FrozenClock(parse_instant(START)))
        elapsed = time.monotonic() - started
        platforms = {s.key: s.platform for s in load_shops()}
        useful = minimum_requests(read_pull_log(data), platforms, {})
        assert sum(r.records for r in results) > 0
        return useful / elapsed / rate
    finally:
        httpx.post(f"{url}/_sim/rate_limit", json={"requests_per_second": None}, timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="pull worker processes (one per core)")
    args = parser.parse_args()
    load_env_file(ROOT / "config" / "demo.env")
    os.environ.setdefault("ORDER_PIPELINE_PII_KEY", "ZGVtby1vbmx5LWtleS1uZXZlci11c2UtaW4tcHJvZCE=")
    port = free_port()
    t0 = time.monotonic()
    sim = start_simulator(args.orders, port)
    url = f"http://127.0.0.1:{port}"
    print(f"simulator up in {time.monotonic() - t0:.1f}s (generation included)")
    platforms = {s.key: s.platform for s in load_shops()}
    try:
        baseline = baseline_detail_rate(url)
        results = []
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                r = run_pull(url, Path(tmp), args.processes)
                orders = sum(e["records"] for e in r["log"] if e["stream"] == "orders")
                made = sum(e["requests"] for e in r["log"])
                minimum = minimum_requests(r["log"], platforms, count_products(Path(tmp)))
                results.append({"orders": orders, "wall": r["wall"], "orders_per_s": orders / r["wall"],
                                "rss_mb": r["rss_mb"], "requests": made, "minimum": minimum,
                                "request_rate": made / r["wall"]})
                print(f"run {run + 1}: {json.dumps({k: round(v, 2) for k, v in results[-1].items()})}")
        with tempfile.TemporaryDirectory() as tmp:
            share_configured = rate_limited_share(url, Path(tmp), rate=40.0, client_rate=40.0)
        with tempfile.TemporaryDirectory() as tmp:
            share_reactive = rate_limited_share(url, Path(tmp), rate=40.0, client_rate=None)
    finally:
        sim.terminate()
        sim.wait()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"\n== bench/pull.py (medians of {len(results)} runs, 2 cores, 24 GB) ==")
    print(f"orders pulled            {med('orders'):,.0f}")
    print(f"wall time                {med('wall'):.1f} s")
    print(f"throughput               {med('orders_per_s'):,.0f} orders/s   (target >= 1,000)")
    print(f"peak RSS (pull processes, summed) {med('rss_mb'):.0f} MB   (target < 500; {args.processes} worker "
          "process(es))")
    print(f"requests / minimum       {med('requests'):,.0f} / {med('minimum'):,.0f} = "
          f"{med('requests') / med('minimum'):.3f}   (target <= 1.10)")
    print(f"baseline detail calls    {baseline:,.0f} req/s; pull request rate {med('request_rate'):,.0f} req/s "
          f"= {med('request_rate') / baseline:.2f} x baseline")
    print(f"rate-limited (40 req/s)  {share_configured:.0%} of the allowed rate with the client limit set to the "
          f"quota (target >= 90%); {share_reactive:.0%} reacting to throttle errors alone")


if __name__ == "__main__":
    main()
