"""The inventory positions run (MISSION F9): available-to-promise, FEFO picks, expired batches and stock alerts,
written into the warehouse from the stock and order marts dbt built.

One multi-asset, because the four tables describe one instant (`as_of`) and the alerts are judged from the
other three: materialised apart, an alert could name a position that is no longer the published one. It writes
the warehouse file, so it runs in the writer pool; the tables reach serving.duckdb with the publication.
"""


from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from order_pipeline.alerts import load_alert_config
from order_pipeline.clock import parse_instant
from order_pipeline.inventory import inventory_alerts
from order_pipeline.inventory.atp import ATP_COLUMNS, build_available_to_promise
from order_pipeline.inventory.config import load_inventory_config
from order_pipeline.inventory.fefo import EXPIRED_COLUMNS, FEFO_COLUMNS, build_fefo
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource
from order_pipeline.warehouse.schema import has_table

OWNERS = ["team:data-platform"]
KINDS = {"python", "duckdb"}
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")  # the warehouse's calendar: expiry days and the alerts' business day
MARTS = ("fct_inventory_snapshots", "fct_inventory_batches", "fct_orders", "fct_order_lines")
ALERT_COLUMNS: dict[str, tuple[str, str]] = {
    "sku_code": ("VARCHAR", "Merchant SKU code."),
    "kind": ("VARCHAR", "oversell_risk, safety_stock_breach, batch_expired or batch_expiring."),
    "business_date_cn": ("DATE", "Day in Asia/Shanghai: each (SKU, kind, day) is alerted once."),
    "detected_at": ("TIMESTAMPTZ", "The as_of of the run that first saw it (UTC)."),
    "details": ("VARCHAR", "The numbers behind the alert."),
    "severity": ("DOUBLE", "Ranks a digest's examples: units short, units expired, days to expiry."),
    "channel": ("VARCHAR", "Channel of the inventory topic (null: none configured)."),
    "delivery_status": ("VARCHAR", "delivered, pending (retried next run), failed or not_configured."),
    "delivered_at": ("TIMESTAMPTZ", "When the channel accepted it (UTC)."),
    "attempts": ("INTEGER", "Delivery attempts so far."),
    "last_error": ("VARCHAR", "The last failure, secrets removed."),
}


def _spec(key: str, description: str, columns: dict[str, tuple[str, str]]) -> dg.AssetSpec:
    schema = dg.TableSchema(columns=[dg.TableColumn(name, type_, description=text)
                                     for name, (type_, text) in columns.items()])
    return dg.AssetSpec(key, group_name="inventory", owners=OWNERS, kinds=KINDS, description=description,
                        deps=[dg.AssetKey(mart) for mart in MARTS], metadata={"dagster/column_schema": schema})


SPECS = [
    _spec("rpt_available_to_promise",
          "What each SKU can still promise without overselling (超卖): stock of the most trusted system "
          "(WMS > pool > platforms), minus the units unpaid orders hold for 15-30 min; safety-stock breach and "
          "oversell risk flags. Replaced each run with the position at as_of.", ATP_COLUMNS),
    _spec("rpt_fefo_pick_suggestions",
          "Which batch to pick for every open paid order line, first expired first out and first paid first "
          "served, so fresh goods ship before they spoil; batch_no null marks units no batch covers.",
          FEFO_COLUMNS),
    _spec("rpt_expired_batches",
          "Batches past their expiry (Asia/Shanghai day) still on hand: never suggested for picking, to be "
          "taken off the shelf.", EXPIRED_COLUMNS),
    _spec("fct_inventory_alerts",
          "Every stock alert (oversell risk, safety-stock breach, expired and expiring batches), once per SKU, "
          "kind and day, with each delivery to the warehouse leads' channels; a failed delivery stays pending "
          "and the next run retries it.", ALERT_COLUMNS),
]


@dg.multi_asset(specs=SPECS, pool=WRITER_POOL)
def inventory_positions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    now = parse_instant(warehouse.as_of) if warehouse.as_of else datetime.now(UTC)
    today = now.astimezone(BUSINESS_ZONE).date()
    config = load_inventory_config()
    alert_config = load_alert_config()
    topic_channels = [target.name for target in alert_config.channels_for_topic(inventory_alerts.TOPIC)]
    with warehouse.connect() as con:
        missing = [mart for mart in MARTS if not has_table(con, mart)]
        if missing:
            raise dg.Failure(f"the warehouse has no {', '.join(missing)} yet: build the marts (dbt) first",
                             allow_retries=False)
        inventory_alerts.ensure(con)
        con.execute("begin transaction")
        atp = build_available_to_promise(con, now, config)
        fefo = build_fefo(con, now, today)
        new_alerts = inventory_alerts.record_alerts(con, now, today, config.expiry_warning_days)
        inventory_alerts.open_deliveries(con, topic_channels, now)
        con.execute("commit")
        outcomes = inventory_alerts.dispatch_pending(con, alert_config, datetime.now(UTC),
                                                     settings=config.delivery_settings(),
                                                     max_examples=config.alerts.max_examples)
        alert_rows = inventory_alerts.publish_alerts_table(con)
    context.log.info("inventory alert channels: %s", "; ".join(
        target.describe() for target in alert_config.channels_for_topic(inventory_alerts.TOPIC)) or "none")
    common = {"as_of": now.isoformat(), "business_date_cn": str(today)}
    yield dg.MaterializeResult(asset_key="rpt_available_to_promise", metadata={
        **common, "skus": atp.skus, "safety_stock_breaches": atp.safety_stock_breaches,
        "oversell_risks": atp.oversell_risks, "unpaid_hold_minutes": config.unpaid_hold_minutes})
    yield dg.MaterializeResult(asset_key="rpt_fefo_pick_suggestions", metadata={
        **common, "rows": fefo.pick_rows, "open_lines": fefo.open_lines, "uncovered_lines": fefo.uncovered_lines,
        "uncovered_units": fefo.uncovered_units})
    yield dg.MaterializeResult(asset_key="rpt_expired_batches", metadata={
        **common, "expired_batches": fefo.expired_batches})
    yield dg.MaterializeResult(asset_key="fct_inventory_alerts", metadata={
        **common, "rows": alert_rows, "new_alerts": new_alerts, "deliveries": dict(outcomes),
        "channels": topic_channels})
