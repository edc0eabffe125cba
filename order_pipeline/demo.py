"""`make demo` and `make dev`: the embedded default (simulator + local files + SQLite Dagster instance).

The demo loads the simulator-only credentials of `config/demo.env`, makes sure a PII key exists (creating a
local one, and saying so, when the environment has none), starts the simulator on a free loopback port, runs
the main job in a persistent local Dagster instance, then the nightly reconciliation (for today so far) and the
alert job, and prints what landed next to the simulator's truth and what each run found.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from order_pipeline.demo_report import print_alert_summary, print_nightly_summary, print_warehouse_summary
from order_pipeline.landing.pii import KEY_ENV, new_key
from order_pipeline.settings import data_dir
from order_pipeline.shops import PROJECT_ROOT, load_env_file

DEMO_ENV = PROJECT_ROOT / "config" / "demo.env"
MAIN_JOB = "order_pipeline_job"
ALERT_JOB = "order_alert_job"
NIGHTLY_JOB = "nightly_reconciliation_job"
# A little of what real marketplaces do: their incremental indexes miss an order now and then, which the
# nightly run's re-listing by created time finds and backfills (the simulator's stock systems drift too)
DEMO_MISSED_BY_INCREMENTAL = 0.01


def prepare_environment() -> None:
    """Demo credentials, a project-local DAGSTER_HOME and a PII key (created once, kept under data/)."""
    load_env_file(DEMO_ENV)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    if os.environ.get(KEY_ENV):
        return
    key_file = data_dir() / ".demo-pii-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(new_key() + "\n", encoding="utf-8")
        key_file.chmod(0o600)
        print(f"demo: {KEY_ENV} was not set, so a local demo key was created at {key_file} "
              "(production sets its own key from a secret manager)")
    else:
        print(f"demo: using the local demo PII key at {key_file}")
    os.environ[KEY_ENV] = key_file.read_text(encoding="utf-8").strip()


def run_demo() -> int:
    import dagster as dg

    from order_pipeline.definitions import defs
    from order_pipeline.reconciliation.partitions import ZONE as RECONCILIATION_ZONE
    from order_pipeline.simulator.config import WorldConfig, sim_shops_from_config
    from order_pipeline.simulator.server import RunningSimulator

    prepare_environment()
    start = datetime.now(UTC).replace(microsecond=0)
    config = WorldConfig(seed=7, start=start, frozen=False, shops=sim_shops_from_config(),
                         missed_by_incremental_rate=DEMO_MISSED_BY_INCREMENTAL)
    with RunningSimulator(config) as simulator:
        os.environ["ORDER_PIPELINE_SIM_URL"] = simulator.url
        print(f"demo: platform simulator serving Taobao, JD, Douyin and Shopee at {simulator.url}")
        instance = dg.DagsterInstance.get()
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        result = defs.resolve_job_def(MAIN_JOB).execute_in_process(run_config=quiet, instance=instance,
                                                                   raise_on_error=False)
        truth = {kind: Counter(row["shop_key"] for row in simulator.world.ground_truth(kind))
                 for kind in ("orders", "refunds", "stock")}
        # What nightly_reconciliation_schedule does at 02:00: re-list, backfill, reconcile (here: today so far)
        day = datetime.now(RECONCILIATION_ZONE).date().isoformat()
        nightly = None
        if result.success:
            nightly = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
                run_config=quiet, instance=instance, partition_key=day, raise_on_error=False)
    # What order_timeout_sensor does every 30 s under `make dev`: judge the open orders, record and deliver
    alerts = None
    if result.success:
        alerts = defs.resolve_job_def(ALERT_JOB).execute_in_process(
            run_config={**quiet, "ops": {"order_alerts": {"config": {"as_of": datetime.now(UTC).isoformat()}}}},
            instance=instance, raise_on_error=False)
    _print_summary(result, truth)
    print_warehouse_summary(data_dir() / "serving.duckdb", _check_results(result))
    print_alert_summary(data_dir() / "serving.duckdb", alerts.success if alerts else None)
    if nightly is not None and not nightly.success:
        print("\nnightly reconciliation: the run failed (see its log in the Dagster UI)")
    print_nightly_summary(data_dir() / "serving.duckdb", day)
    return 0 if all(run is None or run.success for run in (result, nightly, alerts)) else 1


def _check_results(result) -> list[tuple[str, bool, str]]:
    """(check, passed, severity) of every asset check the run evaluated."""
    outcomes = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            outcomes.append((f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                             evaluation.passed, evaluation.severity.value))
    return sorted(outcomes)


def _print_summary(result, truth: dict[str, Counter]) -> None:
    from order_pipeline.ingestion.state import IngestionState
    from order_pipeline.settings import state_dir

    landed: Counter = Counter()
    for entry in IngestionState(state_dir() / "ingestion.sqlite").pull_log(result.run_id):
        landed[(entry.stream, entry.shop_key)] += entry.records
    print(f"\nrun {result.run_id}: {'SUCCESS' if result.success else 'FAILED'}")
    print("landed by this run, next to the simulator's truth at the end of it (the live clock kept ticking:")
    print("orders changed in the last 3 minutes, the safety lag, wait for the next pull)")
    print(f"{'shop':<16}{'stream':<9}{'landed':>8}{'simulator truth':>17}")
    for stream, per_shop in truth.items():
        for shop in sorted(per_shop):
            print(f"{shop:<16}{stream:<9}{landed[(stream, shop)]:>8}{per_shop[shop]:>17}")
    print(f"\nlanding zone: {data_dir() / 'landing'} (Parquet, personal fields encrypted)")


def run_dev(port: int) -> int:
    """The simulator on ORDER_PIPELINE_SIM_URL's port, then `dagster dev` (UI + daemon) in the foreground."""
    prepare_environment()
    sim_port = os.environ["ORDER_PIPELINE_SIM_URL"].rsplit(":", 1)[-1].split("/")[0]
    simulator = subprocess.Popen([sys.executable, "-m", "order_pipeline.cli", "simulator", "serve",
                                  "--port", sim_port])
    try:
        return subprocess.call([str(Path(sys.executable).with_name("dagster")), "dev", "-w",
                                str(PROJECT_ROOT / "workspace.yaml"), "-p", str(port)], cwd=PROJECT_ROOT)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
