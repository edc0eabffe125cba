"""The timeout sensor decides, the alert job writes (MISSION: sensors read, runs write).

`order_timeout_sensor` judges every open order of the published serving.duckdb (opened read-only, the file
analysts read, never the one a run writes) at the tick's instant, and asks for an `order_alert_job` run when
an (order, level) has no alert yet or a delivery is due for a retry. It changes nothing itself: the run
records, delivers and republishes. Each (order, level) is alerted once because the run inserts alerts under a
primary key and delivers only pending deliveries in the writer pool; the run key only spares duplicate runs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import dagster as dg
import duckdb

from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.operations.evaluate import evaluate
from order_pipeline.operations.inputs import create_inputs
from order_pipeline.operations.resources import OperationsResource
from order_pipeline.warehouse.resources import WarehouseResource

# A run key holds for this long: a run that failed before republishing is asked for again after it.
RUN_KEY_BUCKET_SECONDS = 600


def pending_work(con: duckdb.DuckDBPyConnection, now: datetime) -> tuple[list[tuple[str, int]], int]:
    """(order, level) pairs at a level with no alert yet, and how many deliveries are due for a retry."""
    has_alerts = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                             "and table_name = 'fct_order_alerts'").fetchall()[0][0]
    if not has_alerts:
        return con.execute("select order_key, level from evaluated where level > 0 order by all").fetchall(), 0
    new = con.execute("""select order_key, level from evaluated where level > 0
                         except select order_key, level from fct_order_alerts order by all""").fetchall()
    due = con.execute("""select count(*) from fct_order_alerts where delivery_status = 'pending'
                         and (notify_at is null or notify_at <= ?)""", [now]).fetchall()[0][0]
    return new, due


def run_key(new: list[tuple[str, int]], due: int, now: datetime) -> str:
    digest = hashlib.sha256()
    for order_key, level in new:
        digest.update(f"{order_key}\x1f{level}\x1e".encode())
    bucket = int(now.timestamp()) // RUN_KEY_BUCKET_SECONDS
    return f"order_alerts:{digest.hexdigest()[:16]}:{due}:{bucket}"


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
    con = duckdb.connect(str(serving), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        create_inputs(con, con.execute("select current_database()").fetchall()[0][0], operations.shops())
        con.register("evaluated", evaluate(con, now, operations.policies()))
        new, due = pending_work(con, now)
        open_orders = con.execute("select count(*) from evaluated").fetchall()[0][0]
    finally:
        con.close()
    if not new and not due:
        return dg.SkipReason(f"{open_orders} open orders at {now.isoformat()}: none newly at a level")
    levels = {level: sum(1 for _, lv in new if lv == level) for level in (1, 2, 3)}
    context.log.info("new alerts by level %s, deliveries due %d", levels, due)
    return dg.RunRequest(
        run_key=run_key(new, due, now),
        run_config={"ops": {"order_alerts": {"config": {"as_of": now.isoformat()}}}},
        tags={"order_pipeline/new_alerts": str(len(new)), "order_pipeline/deliveries_due": str(due)},
    )


@dg.schedule(name="stuck_order_scan_schedule", job_name="stuck_order_scan_job", cron_schedule="0 * * * *",
             execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Hourly: open orders stuck more than 2 h in any stage.")
def stuck_order_scan_schedule(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest(run_config={"ops": {"rpt_stuck_orders": {"config": {
        "as_of": context.scheduled_execution_time.isoformat()}}}})
