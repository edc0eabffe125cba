"""order_pipeline: one trustworthy Dagster pipeline for multi-marketplace orders, refunds and stock."""

import os as _os

# Telemetry must be off before dagster, dbt or GX are imported: they would try to reach the internet.
for _name, _value in (
    ("DO_NOT_TRACK", "1"),
    ("GX_ANALYTICS_ENABLED", "false"),
    ("DBT_SEND_ANONYMOUS_USAGE_STATS", "False"),
    ("DAGSTER_DISABLE_TELEMETRY", "1"),
):
    _os.environ.setdefault(_name, _value)
