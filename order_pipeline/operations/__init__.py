"""Order operations (MISSION F7): SLA policies and the evaluation of open orders, without Dagster.

The Dagster side (a sensor that reads, a job that records and alerts) lives elsewhere and calls these pure
functions, so the rules can be tested with plain SQL fixtures and benchmarked on a million orders.
"""

from order_pipeline.operations.evaluate import EVALUATION_COLUMNS, QUEUE_REASONS, evaluate, evaluation
from order_pipeline.operations.policies import PolicyConfigError, SlaPolicies, SlaRule, load_policies
from order_pipeline.operations.stuck import STUCK_COLUMNS, stuck_orders, stuck_relation

__all__ = [
    "EVALUATION_COLUMNS",
    "QUEUE_REASONS",
    "STUCK_COLUMNS",
    "PolicyConfigError",
    "SlaPolicies",
    "SlaRule",
    "evaluate",
    "evaluation",
    "load_policies",
    "stuck_orders",
    "stuck_relation",
]


def definitions():  # noqa: ANN201 - dagster.Definitions; Dagster is imported only when asked for
    """The alert job (and its sensor) and the hourly stuck scan (and its schedule)."""
    import dagster as dg

    from order_pipeline.operations.assets import order_alerts, rpt_stuck_orders
    from order_pipeline.operations.resources import OperationsResource
    from order_pipeline.operations.sensors import order_timeout_sensor, stuck_order_scan_schedule

    order_alert_job = dg.define_asset_job(
        "order_alert_job", selection=dg.AssetSelection.assets(order_alerts),
        description="Judge every open order at the sensor's instant, record alerts once per (order, level), "
                    "route every open order, deliver (digest when many), republish the alert tables.")
    stuck_order_scan_job = dg.define_asset_job(
        "stuck_order_scan_job", selection=dg.AssetSelection.assets(rpt_stuck_orders),
        description="Open orders stuck more than 2 h in their stage, with a digest to the supervisors.")
    return dg.Definitions(assets=[order_alerts, rpt_stuck_orders], jobs=[order_alert_job, stuck_order_scan_job],
                          sensors=[order_timeout_sensor], schedules=[stuck_order_scan_schedule],
                          resources={"operations": OperationsResource()})
