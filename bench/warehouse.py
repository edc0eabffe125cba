"""Warehouse benchmark: landing -> published serving.duckdb for ~1M orders, then 10,000 changed orders.

    .venv/bin/python bench/warehouse.py --data-dir /tmp/bench_wh/data --runs 3

Needs a landing zone made by `bench/landing_gen.py` (same ORDER_PIPELINE_PII_KEY). Each full run deletes the
warehouse and serving files and runs `warehouse_job` (loader + contact cleaning, dbt staging, dbt marts, the
GX gates, publish) in-process on an ephemeral Dagster instance; each incremental run lands 10,000 changed
orders with `generate_changes` first (not timed) and runs the job again. Each run executes in a fresh
process, as a Dagster run worker does: one process running every run would report the memory the earlier
runs left behind. It prints, per run: wall time, the time per step (GX gates summed), and the peak RSS of that
run's process tree (dbt and the loader's cleaning workers run in subprocesses), polled from /proc. The baseline, in the same process: DuckDB alone reading the landing Parquet and
flattening orders to typed columns, the floor any warehouse build over this landing pays.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.landing_gen import generate_changes  # noqa: E402


def tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class PeakRss:
    def __enter__(self) -> PeakRss:
        self.peak_kb, self._done = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._done.wait(0.1):
            self.peak_kb = max(self.peak_kb, tree_rss_kb(os.getpid()))

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


def baseline_seconds(landing: Path) -> float:
    """DuckDB alone: read every landed order and flatten it to typed header columns, in memory."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(
        """create table flat as select platform, record_key, record_modified,
               json_extract_string(payload, ['$.status', '$.order_status', '$.orderState', '$.created',
                                            '$.create_time', '$.payment', '$.total_amount']) as f
           from read_parquet(?, hive_partitioning = false)""",
        [str(landing / "orders" / "**" / "*.parquet")],
    )
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def run_job(data_dir: Path, memory_limit: str) -> dict:
    import dagster as dg

    from order_pipeline.definitions import defs

    job = defs.resolve_job_def("warehouse_job")
    config = {"resources": {"warehouse": {"config": {"data_dir": str(data_dir), "memory_limit": memory_limit}},
                            "ingestion": {"config": {"data_dir": str(data_dir)}}},
              "loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    instance = dg.DagsterInstance.ephemeral()
    with PeakRss() as rss:
        started = time.perf_counter()
        result = job.execute_in_process(run_config=config, instance=instance, raise_on_error=False)
        wall = time.perf_counter() - started
    starts, steps = {}, {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            steps[event.step_key] = round(entry.timestamp - starts[event.step_key], 2)
    gx = sum(seconds for step, seconds in steps.items() if "_gx_" in step)
    raw = result.asset_materializations_for_node("warehouse_raw")
    serving = result.asset_materializations_for_node("serving_database")
    modes = serving[0].metadata["publish_modes"].value if serving else {}
    return {"success": result.success, "wall_s": round(wall, 1), "gx_s": round(gx, 1),
            "gx_share": round(gx / wall, 3), "peak_rss_mb": round(rss.peak_kb / 1024),
            "steps_s": {k: v for k, v in steps.items() if "_gx_" not in k},
            "rows_orders": raw[0].metadata["rows_orders"].value if raw else None,
            "fct_orders_published": modes.get("fct_orders")}


def run_in_fresh_process(data_dir: Path, memory_limit: str) -> dict:
    # not multiprocessing.Pool: its daemonic workers may not start the loader's cleaning processes
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(run_job, data_dir, memory_limit).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench_wh/data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB's cap in the loader, the gates and dbt")
    parser.add_argument("--full-only", action="store_true")
    parser.add_argument("--incremental-only", action="store_true",
                        help="keep the warehouse a previous run built and time only incremental runs")
    args = parser.parse_args()
    os.environ["ORDER_PIPELINE_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    os.environ["ORDER_PIPELINE_DATA_DIR"] = str(args.data_dir)
    if not os.environ.get("ORDER_PIPELINE_PII_KEY"):
        raise SystemExit("set ORDER_PIPELINE_PII_KEY to the key the landing was generated with")
    landing = args.data_dir / "landing"
    baseline = baseline_seconds(landing)
    print(json.dumps({"baseline_duckdb_flatten_s": round(baseline, 1)}), flush=True)
    full, incremental = [], []
    for _ in range(0 if args.incremental_only else args.runs):
        for name in ("warehouse.duckdb", "warehouse.duckdb.wal", "serving.duckdb"):
            (args.data_dir / name).unlink(missing_ok=True)
        full.append(run_in_fresh_process(args.data_dir, args.memory_limit))
        print(json.dumps({"full": full[-1]}), flush=True)
    for _ in range(0 if args.full_only else args.runs):
        landed = generate_changes(args.data_dir, args.changes)
        incremental.append({**run_in_fresh_process(args.data_dir, args.memory_limit),
                            "changed_orders": landed.get("orders")})
        print(json.dumps({"incremental": incremental[-1]}), flush=True)

    def med(runs: list[dict], key: str) -> float | None:
        return statistics.median(run[key] for run in runs) if runs else None

    print(json.dumps({"summary": {
        "full_wall_s_median": med(full, "wall_s"), "full_wall_s_all": [r["wall_s"] for r in full],
        "full_peak_rss_mb_median": med(full, "peak_rss_mb"), "full_gx_s_median": med(full, "gx_s"),
        "full_vs_baseline": round(med(full, "wall_s") / baseline, 1) if full else None,
        "memory_limit": args.memory_limit,
        "incremental_wall_s_median": med(incremental, "wall_s"),
        "incremental_wall_s_all": [r["wall_s"] for r in incremental],
        "incremental_peak_rss_mb_median": med(incremental, "peak_rss_mb"),
        "incremental_gx_s_median": med(incremental, "gx_s"),
    }}), flush=True)


if __name__ == "__main__":
    main()
