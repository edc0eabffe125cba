"""The timeout sensor decides, the alert job writes (MISSION: sensors read, runs write).

`order_timeout_sensor` judges every open order of the published serving.duckdb (opened read-only, the file
analysts read, never the one a run writes) at the tick's instant, and asks for an `order_alert_job` run when
an (order, level) has no alert yet or a delivery is due for a retry. It changes nothing itself: the run
records, delivers and republishes. Each (order, level) is alerted once because the run inserts alerts under a
primary key and delivers only pending deliveries in the writer pool; the run key only spares duplicate runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.operations.evaluate import evaluation_params
from order_pipeline.operations.evaluate_sql import EVALUATE_SQL
from order_pipeline.operations.inputs import create_inputs
from order_pipeline.operations.policies import SlaPolicies
from order_pipeline.operations.resources import OperationsResource
from order_pipeline.shops import Shop
from order_pipeline.warehouse.resources import WarehouseResource
from order_pipeline.warehouse.schema import has_table

# A run key holds for this long: a run that failed before republishing is asked for again after it.
RUN_KEY_BUCKET_SECONDS = 600
SENSOR_MEMORY_LIMIT = "700MB"  # DuckDB spills past it: 1M open orders tick in ~1.7 s, ~0.9 GB peak RSS


@dataclass(frozen=True)
class Judgement:
    """What one tick found: new (order, level) pairs per level, a fingerprint of them, deliveries due."""

    open_orders: int
    new_by_level: dict[int, int]
    new_fingerprint: int
    deliveries_due: int

    @property
    def new(self) -> int:
        return sum(self.new_by_level.values())

    def run_key(self, now: datetime) -> str:
        bucket = int(now.timestamp()) // RUN_KEY_BUCKET_SECONDS
        return f"order_alerts:{self.new_fingerprint:016x}:{self.new}:{self.deliveries_due}:{bucket}"


def pending_work(con: duckdb.DuckDBPyConnection, now: datetime, policies: SlaPolicies) -> Judgement:
    """Judge every open order and compare with the published alerts, all in DuckDB: a million (order, level)
    pairs never become Python objects, and only the two columns needed are kept."""
    con.execute(f"create or replace temp table evaluated as select order_key, level from ({EVALUATE_SQL})",
                evaluation_params(now, policies))
    has_alerts = has_table(con, "fct_order_alerts")
    alerted = "except select order_key, level from fct_order_alerts" if has_alerts else ""
    con.execute(f"create or replace temp table new_alerts as "
                f"select order_key, level from evaluated where level > 0 {alerted}")
    by_level = dict(con.execute("select level, count(*) from new_alerts group by all").fetchall())
    fingerprint = con.execute("select coalesce(bit_xor(hash(order_key, level)), 0) from new_alerts").fetchall()[0][0]
    due = con.execute("""select count(*) from fct_order_alerts where delivery_status = 'pending'
                         and (notify_at is null or notify_at <= ?)""", [now]).fetchall()[0][0] if has_alerts else 0
    opened = con.execute("select count(*) from evaluated").fetchall()[0][0]
    return Judgement(opened, {int(k): v for k, v in by_level.items()}, int(fingerprint), due)


def judge_serving(serving: Path, now: datetime, shops: Sequence[Shop], policies: SlaPolicies) -> Judgement:
    """The sensor's whole read of serving.duckdb (opened read-only) at `now`, in bounded memory: a sensor
    runs in the code server's process, beside everything else it serves."""
    con = duckdb.connect(str(serving), read_only=True, config={"memory_limit": SENSOR_MEMORY_LIMIT})
    try:
        con.execute("set TimeZone = 'UTC'")
        create_inputs(con, con.execute("select current_database()").fetchall()[0][0], shops)
        return pending_work(con, now, policies)
    finally:
        con.close()


@dg.sensor(name="order_timeout_sensor", job_name="order_alert_job", minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Every 30 s: judges every open order against the SLA policies on serving.duckdb and "
                       "requests an alert run for orders newly at a level or deliveries due for a retry.")
def order_timeout_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                         operations: OperationsResource, clock: ClockResource):
    serving = warehouse.serving_path()
    if not serving.exists():
        return dg.SkipReason(f"{serving} does not exist yet: run order_pipeline_job first")
    now = clock.get_clock().now()
    judged = judge_serving(serving, now, operations.shops(), operations.policies())
    if not judged.new and not judged.deliveries_due:
        return dg.SkipReason(f"{judged.open_orders} open orders at {now.isoformat()}: none newly at a level")
    context.log.info("new alerts by level %s, deliveries due %d", judged.new_by_level, judged.deliveries_due)
    return dg.RunRequest(
        run_key=judged.run_key(now),
        run_config={"ops": {"order_alerts": {"config": {"as_of": now.isoformat()}}}},
        tags={"order_pipeline/new_alerts": str(judged.new),
              "order_pipeline/deliveries_due": str(judged.deliveries_due)},
    )


@dg.schedule(name="stuck_order_scan_schedule", job_name="stuck_order_scan_job", cron_schedule="0 * * * *",
             execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Hourly: open orders stuck more than 2 h in any stage.")
def stuck_order_scan_schedule(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest(run_config={"ops": {"rpt_stuck_orders": {"config": {
        "as_of": context.scheduled_execution_time.isoformat()}}}})
