"""Stock alerts (MISSION F9): safety-stock breaches, oversell risks, expiring and expired batches, recorded once
and delivered as one digest per kind and channel to the `inventory` topic's channels (warehouse leads).

`inventory.alerts` has one row per (SKU, kind, business day in Asia/Shanghai) ever alerted: its primary key is
what makes "alerted once a day" hold across reruns and retries, so a SKU short all day is not re-announced
every run, and is announced again the next day if still short. A SKU at oversell risk is alerted as that only,
not also as a safety-stock breach: one problem, one message. `inventory.alert_deliveries` has one row per
alert and channel, pending until the channel accepted it, so a failed delivery is retried by the next run and
never lost (as `order_pipeline.operations` does for order alerts). `main.fct_inventory_alerts` joins the two.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime

import duckdb

from order_pipeline.alerts import AlertConfig, AlertMessage, DeliverySettings, deliver
from order_pipeline.alerts.delivery import DELIVERED, FAILED

TOPIC = "inventory"
KINDS = {  # kind -> (message level, what the digest title says)
    "oversell_risk": (3, "oversell risk 超卖风险: open demand above available stock"),
    "safety_stock_breach": (2, "below safety stock 低于安全库存"),
    "batch_expired": (2, "expired batches on hand 批次已过期"),
    "batch_expiring": (1, "batches expiring soon 批次临期"),
}

DDL = (
    "create schema if not exists inventory",
    """create table if not exists inventory.alerts (
        sku_code VARCHAR NOT NULL, kind VARCHAR NOT NULL, business_date_cn DATE NOT NULL,
        detected_at TIMESTAMPTZ NOT NULL, details VARCHAR, severity DOUBLE,
        PRIMARY KEY (sku_code, kind, business_date_cn))""",
    """create table if not exists inventory.alert_deliveries (
        sku_code VARCHAR NOT NULL, kind VARCHAR NOT NULL, business_date_cn DATE NOT NULL, channel VARCHAR NOT NULL,
        status VARCHAR NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, message_id VARCHAR,
        delivered_at TIMESTAMPTZ, last_attempt_at TIMESTAMPTZ, last_error VARCHAR,
        PRIMARY KEY (sku_code, kind, business_date_cn, channel))""",
)

# Today's problems from this run's tables; `severity` ranks a digest's examples (larger = worse).
_RECORD = """
insert into inventory.alerts
select sku_code, kind, cast($today as date), $detected_at, details, severity from (
    select sku_code, 'oversell_risk' as kind, -atp as severity,
           'ATP ' || atp || ' (' || source_system || ' available ' || available || ', unpaid held '
               || unpaid_held_units || ')' as details
    from main.rpt_available_to_promise where oversell_risk
    union all
    select sku_code, 'safety_stock_breach', safety_stock - atp,
           'ATP ' || atp || ' below safety stock ' || safety_stock || ' (' || source_system
               || coalesce(', incoming ' || incoming, '') || ')'
    from main.rpt_available_to_promise where safety_stock_breach and not oversell_risk
    union all
    select sku_code, 'batch_expired', sum(quantity),
           sum(quantity) || ' units expired: '
               || string_agg(batch_no || '@' || warehouse || ' ' || expiration_date || ' x' || quantity, ', '
                             order by expiration_date, batch_no)
    from main.rpt_expired_batches group by sku_code
    union all
    select sku_code, 'batch_expiring', -date_diff('day', $today, min(expiration_date)),
           sum(quantity) || ' units expiring by ' || max(expiration_date) || ': '
               || string_agg(batch_no || '@' || warehouse || ' ' || expiration_date || ' x' || quantity, ', '
                             order by expiration_date, batch_no)
    from inventory_batches_at_as_of
    where expiration_date >= $today and expiration_date <= cast($today as date) + cast($warning_days as integer)
    group by sku_code
)
on conflict do nothing
returning kind
"""

FCT_INVENTORY_ALERTS = """
create or replace table main.fct_inventory_alerts as
select a.sku_code, a.kind, a.business_date_cn, a.detected_at, a.details, a.severity, d.channel,
       coalesce(d.status, 'not_configured') as delivery_status, d.delivered_at, coalesce(d.attempts, 0) as attempts,
       d.last_error
from inventory.alerts as a
left join inventory.alert_deliveries as d using (sku_code, kind, business_date_cn)
order by a.business_date_cn, a.kind, a.sku_code, d.channel
"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def record_alerts(con: duckdb.DuckDBPyConnection, detected_at: datetime, today: date,
                  expiry_warning_days: int) -> dict[str, int]:
    """Insert today's alerts not yet recorded (needs this run's ATP, expired batches and the temp table of
    batches at as_of); returns how many were new per kind."""
    inserted = con.execute(_RECORD, {"today": today, "detected_at": detected_at,
                                     "warning_days": expiry_warning_days}).fetchall()
    return dict(Counter(kind for (kind,) in inserted))


def open_deliveries(con: duckdb.DuckDBPyConnection, channels: list[str], detected_at: datetime) -> None:
    """A pending delivery for every alert detected now and every channel of the topic (a channel added later
    does not receive old alerts)."""
    con.execute("""insert into inventory.alert_deliveries (sku_code, kind, business_date_cn, channel, status)
                   select a.sku_code, a.kind, a.business_date_cn, c.channel, 'pending'
                   from inventory.alerts as a cross join (select unnest(?::varchar[]) as channel) as c
                   where a.detected_at = ?
                   on conflict do nothing""", [channels, detected_at])


def digest_message(kind: str, alerts: list[tuple[str, date, str]], max_examples: int) -> AlertMessage:
    """ONE message for a kind's pending alerts (sku, day, details), worst first as given."""
    level, what = KINDS[kind]
    days = sorted({str(day) for _, day, _ in alerts})
    shown = [f"{sku}: {details}" for sku, _, details in alerts[:max_examples]]
    more = len(alerts) - len(shown)
    return AlertMessage(
        title=f"[inventory] {len(alerts)} SKU{'s' if len(alerts) > 1 else ''} {what}",
        level=level,
        lines=(f"Business day (Asia/Shanghai): {', '.join(days)}", *shown,
               *([f"... and {more} more SKUs (fct_inventory_alerts)"] if more else [])),
        order_keys=tuple(f"{kind}:{sku}:{day}" for sku, day, _ in alerts),  # the alerts' keys: a stable message id
    )


def dispatch_pending(con: duckdb.DuckDBPyConnection, config: AlertConfig, attempted_at: datetime, *,
                     settings: DeliverySettings | None = None, max_examples: int = 10) -> Counter:
    """Send every pending delivery, one digest per channel and kind; returns alert counts per outcome."""
    rows = con.execute(
        """select d.channel, a.kind, a.sku_code, a.business_date_cn, a.details
           from inventory.alert_deliveries as d join inventory.alerts as a using (sku_code, kind, business_date_cn)
           where d.status = 'pending'
           order by d.channel, a.kind, a.severity desc, a.sku_code, a.business_date_cn""").fetchall()
    batches: dict[tuple[str, str], list[tuple[str, date, str]]] = defaultdict(list)
    for channel, kind, sku_code, day, details in rows:
        batches[(channel, kind)].append((sku_code, day, details or ""))
    targets = {target.name: target for target in config.channels_for_topic(TOPIC)}
    outcomes: Counter = Counter()
    for (channel, kind), alerts in batches.items():
        target = targets.get(channel)
        if target is None:  # removed from the config, or no longer serving the topic, since it was recorded
            _record(con, channel, kind, alerts, FAILED, 0, None, "channel no longer serves the inventory topic",
                    attempted_at)
            outcomes[FAILED] += len(alerts)
            continue
        message = digest_message(kind, alerts, max_examples)
        result = deliver(target, message, settings=settings)
        _record(con, channel, kind, alerts, result.status, result.attempts, message.message_id, result.error,
                attempted_at)
        outcomes[result.status] += len(alerts)
    return outcomes


def _record(con: duckdb.DuckDBPyConnection, channel: str, kind: str, alerts: list[tuple[str, date, str]],
            status: str, attempts: int, message_id: str | None, error: str | None, attempted_at: datetime) -> None:
    con.execute(
        """update inventory.alert_deliveries
           set status = ?, attempts = attempts + ?, message_id = coalesce(?, message_id),
               delivered_at = case when ? then ?::timestamptz end, last_attempt_at = ?, last_error = ?
           where channel = ? and kind = ?
             and sku_code || '|' || business_date_cn in (select unnest(?::varchar[]))""",
        [status, attempts, message_id, status == DELIVERED, attempted_at, attempted_at if attempts else None, error,
         channel, kind, [f"{sku}|{day}" for sku, day, _ in alerts]])


def publish_alerts_table(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(FCT_INVENTORY_ALERTS)
    return con.execute("select count(*) from main.fct_inventory_alerts").fetchall()[0][0]
