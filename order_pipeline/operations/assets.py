"""The alert job and the stuck scan: the runs that write what the timeout sensor decided (F7, F8).

Both read the published marts (serving.duckdb, attached read-only), judge every open order at the run's
`as_of` (the instant the sensor evaluated, so the run records what the sensor saw), write to the warehouse in
the writer pool, deliver, and republish only their own tables into serving.duckdb.
"""


# (no `from __future__ import annotations` here: Dagster reads the config class from the runtime annotation)
from datetime import datetime

import dagster as dg
import duckdb

from order_pipeline.alerts import AlertItem, deliver, digest
from order_pipeline.clock import parse_instant
from order_pipeline.ingestion.resources import ClockResource
from order_pipeline.operations import store
from order_pipeline.operations.dispatch import channels_by_level, dispatch_pending
from order_pipeline.operations.evaluate import evaluate
from order_pipeline.operations.inputs import create_inputs
from order_pipeline.operations.resources import OperationsResource
from order_pipeline.operations.stuck import stuck_orders
from order_pipeline.warehouse.publish import republish_tables
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource

OWNERS = ["team:order-operations"]
ALERT_TABLES = ("fct_order_alerts", "rpt_order_routing", "fct_order_todos")


class OperationsRunConfig(dg.Config):
    as_of: str = ""  # ISO instant the sensor judged at; empty = the clock's now


def _now(config: OperationsRunConfig, clock: ClockResource) -> datetime:
    return parse_instant(config.as_of) if config.as_of else clock.get_clock().now()


def _attach_serving(con: duckdb.DuckDBPyConnection, warehouse: WarehouseResource) -> None:
    serving = warehouse.serving_path()
    if not serving.exists():
        raise dg.Failure(f"{serving} does not exist yet: run order_pipeline_job first", allow_retries=False)
    con.execute("attach ? as serving (read_only)", [str(serving)])


@dg.multi_asset(
    specs=[
        dg.AssetSpec("fct_order_alerts", group_name="operations", owners=OWNERS, kinds={"duckdb"},
                     deps=["serving_database"],
                     description="Every (order, level) alerted, once, with each channel's delivery: level 1 "
                                 "reminder, 2 SLA breached (supervisor, to-do), 3 breached and stock short "
                                 "(on hold). Times UTC."),
        dg.AssetSpec("rpt_order_routing", group_name="operations", owners=OWNERS, kinds={"duckdb"},
                     deps=["serving_database"],
                     description="The queue of every open order now (standard, manual_review, frozen) with "
                                 "the reasons, its deadline and level."),
        dg.AssetSpec("fct_order_todos", group_name="operations", owners=OWNERS, kinds={"duckdb"},
                     deps=["serving_database"],
                     description="Supervisor to-dos opened by level-2 breaches; closed when the order ships "
                                 "or leaves the open states."),
    ],
    pool=WRITER_POOL,
)
def order_alerts(context: dg.AssetExecutionContext, config: OperationsRunConfig, warehouse: WarehouseResource,
                 operations: OperationsResource, clock: ClockResource):
    now = _now(config, clock)
    policies, alert_config = operations.policies(), operations.alert_config()
    with warehouse.connect() as con:
        store.ensure(con)
        _attach_serving(con, warehouse)
        create_inputs(con, "serving", operations.shops())
        con.register("evaluated_arrow", evaluate(con, now, policies))
        con.execute("create or replace temp table evaluated as select * from evaluated_arrow")
        con.unregister("evaluated_arrow")
        con.execute("begin transaction")
        routed = store.replace_routing(con)
        new_alerts = store.record_new_alerts(con, now)
        store.open_deliveries(con, channels_by_level(alert_config), now)
        todos = store.update_todos(con, now)
        con.execute("commit")
        outcomes = dispatch_pending(con, alert_config, now, digest_threshold=operations.digest_threshold,
                                   settings=operations.delivery_settings())
        for statement in (store.FCT_ORDER_ALERTS, store.RPT_ORDER_ROUTING, store.FCT_ORDER_TODOS):
            con.execute(statement)
        levels = dict(con.execute("select level, count(*) from evaluated where level > 0 group by all").fetchall())
        queues = dict(con.execute("select queue, count(*) from evaluated group by all").fetchall())
    published = republish_tables(warehouse.warehouse_path(), warehouse.serving_path(), ALERT_TABLES)
    context.log.info("alert channels: %s", "; ".join(alert_config.describe()))
    common = {"as_of": now.isoformat(), "published_rows": published.row_counts}
    yield dg.MaterializeResult(asset_key="fct_order_alerts", metadata={
        **common, "new_alerts": new_alerts, "open_orders_by_level": {str(k): v for k, v in levels.items()},
        "deliveries": dict(outcomes)})
    yield dg.MaterializeResult(asset_key="rpt_order_routing", metadata={
        **common, "open_orders": routed, "by_queue": queues})
    yield dg.MaterializeResult(asset_key="fct_order_todos", metadata={**common, **todos})


@dg.asset(group_name="operations", owners=OWNERS, kinds={"duckdb"}, pool=WRITER_POOL, deps=["serving_database"],
          description="Hourly: open orders stuck longer than `stuck_stage_after` (2 h) in their stage (unpaid, "
                      "paid not shipped, partly shipped); a digest goes to the supervisors' channels.")
def rpt_stuck_orders(context: dg.AssetExecutionContext, config: OperationsRunConfig,
                     warehouse: WarehouseResource, operations: OperationsResource,
                     clock: ClockResource) -> dg.MaterializeResult:
    now = _now(config, clock)
    with warehouse.connect() as con:
        _attach_serving(con, warehouse)
        create_inputs(con, "serving", operations.shops())
        stuck = stuck_orders(con, now, operations.policies())
        con.register("stuck_arrow", stuck)
        con.execute("create or replace table main.rpt_stuck_orders as select * from stuck_arrow")
        con.unregister("stuck_arrow")
        by_stage = dict(con.execute("select stage, count(*) from main.rpt_stuck_orders group by all").fetchall())
    republish_tables(warehouse.warehouse_path(), warehouse.serving_path(), ("rpt_stuck_orders",))
    delivered = []
    if stuck.num_rows:
        rows = stuck.select(["order_key", "platform", "shop_key", "stage", "stuck_minutes"]).to_pylist()
        message = digest([AlertItem(r["order_key"], r["platform"], r["shop_key"], 2, f"stuck in {r['stage']}",
                                    float(r["stuck_minutes"])) for r in rows])
        alert_config = operations.alert_config()
        delivered = [deliver(target, message, settings=operations.delivery_settings()).status
                     for target in alert_config.channels_for(2)]
    return dg.MaterializeResult(metadata={"as_of": now.isoformat(), "stuck_orders": stuck.num_rows,
                                          "by_stage": by_stage, "digest_deliveries": delivered})
