"""The night's findings in one message (F10): stock flagged for audit and orders the pulls missed.

One message per business day and channel of the `reconciliation` topic (config/alerts.yaml), sent after the
day's reports are written. Each (day, channel) is delivered once: a rerun of the day does not send it again,
and a failed delivery stays pending and is retried by the next run of that day (the schedule's retry or a
re-run from the UI). Deliveries are recorded in `main.fct_reconciliation_summaries`.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from order_pipeline.alerts import DELIVERED, AlertConfig, AlertMessage, DeliverySettings, deliver
from order_pipeline.warehouse.schema import has_table

TOPIC = "reconciliation"
CREATE = """
create table if not exists main.fct_reconciliation_summaries (
    business_date date not null, channel varchar not null, status varchar not null, attempts integer not null,
    message_id varchar, title varchar, delivered_at timestamptz, last_attempt_at timestamptz, last_error varchar,
    primary key (business_date, channel))
"""


def summary_message(con: duckdb.DuckDBPyConnection, day: date, max_examples: int = 8) -> AlertMessage:
    """Counts per system pair, the worst flagged SKUs, and missed orders per shop, from the day's reports."""
    pairs = _rows(con, "rpt_inventory_reconciliation",
                  "select system_a || '/' || system_b, count(*), count(*) filter (deviating),"
                  " count(*) filter (flagged_for_audit), max(consecutive_days_deviating)"
                  " from main.rpt_inventory_reconciliation where business_date = ? group by all order by 1", day)
    worst = _rows(con, "rpt_inventory_reconciliation",
                  "select sku_code, system_a || '/' || system_b, scope, quantity_a, quantity_b, deviation_pct,"
                  " consecutive_days_deviating from main.rpt_inventory_reconciliation"
                  " where business_date = ? and flagged_for_audit"
                  " order by consecutive_days_deviating desc, deviation_pct desc, sku_code, scope limit ?",
                  day, max_examples)
    missing = _rows(con, "rpt_order_completeness",
                    "select platform, shop_key, missing, backfilled from main.rpt_order_completeness"
                    " where business_date = ? and missing > 0 order by missing desc, shop_key", day)
    flagged = sum(p[3] for p in pairs)
    missed = sum(m[2] for m in missing)
    lines = [f"{pair}: {compared} compared, {deviating} deviating, {flags} flagged > 5%"
             f"{f', longest {days} days in a row' if days else ''}"
             for pair, compared, deviating, flags, days in pairs] or ["stock: no system pair to compare"]
    lines += [f"audit {sku} ({pair}{'' if scope == '*' else ' ' + scope}): {a} vs {b}, {pct}%, {days} day(s)"
              for sku, pair, scope, a, b, pct, days in worst]
    lines += [f"missed orders {platform}/{shop}: {n} found, {back} backfilled" for platform, shop, n, back in missing]
    return AlertMessage(
        title=f"[reconciliation {day}] {flagged} stock deviation(s) flagged, {missed} missed order(s) backfilled",
        level=2 if flagged or missed else 1,
        lines=tuple(lines),
        order_keys=(f"reconciliation:{day}",),  # one stable message id per day and content title
    )


def send_summary(con: duckdb.DuckDBPyConnection, day: date, config: AlertConfig, now: datetime, *,
                 settings: DeliverySettings | None = None) -> dict[str, str]:
    """Deliver the day's summary to every channel of the topic not yet delivered; channel -> status."""
    con.execute(CREATE)
    delivered = {row[0] for row in con.execute(
        "select channel from main.fct_reconciliation_summaries where business_date = ? and status = ?",
        [day, DELIVERED]).fetchall()}
    message, outcomes = summary_message(con, day), {}
    for target in config.channels_for_topic(TOPIC):
        if target.name in delivered:
            outcomes[target.name] = "already_delivered"
            continue
        result = deliver(target, message, settings=settings)
        con.execute(
            """insert into main.fct_reconciliation_summaries values (?, ?, ?, ?, ?, ?, ?, ?, ?)
               on conflict (business_date, channel) do update set status = excluded.status,
                   attempts = attempts + excluded.attempts,
                   message_id = excluded.message_id, title = excluded.title, delivered_at = excluded.delivered_at,
                   last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error""",
            [day, target.name, result.status, result.attempts, message.message_id, message.title,
             now if result.status == DELIVERED else None, now if result.attempts else None, result.error])
        outcomes[target.name] = result.status
    return outcomes


def _rows(con: duckdb.DuckDBPyConnection, table: str, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall() if has_table(con, table) else []
