"""Deliver the pending alert deliveries recorded in the warehouse, and record each outcome.

Per channel and level: up to `digest_threshold` alerts go out one message each; more become ONE digest (counts
and the worst examples), because a breach of hundreds of orders at once must not flood a group. A delivery
stays `pending` until its channel accepted it (later runs retry it, with the channel's own back-off inside a
run), turns `failed` when the channel refused it for good (bad signature, bad payload), and
`not_configured` when the channel's environment variable is unset. A level-1 reminder whose `notify_at` lies
outside the shop's working hours waits until then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime

import duckdb

from order_pipeline.alerts import AlertConfig, AlertItem, AlertMessage, deliver, digest, single
from order_pipeline.alerts.delivery import DELIVERED, DeliveryResult, DeliverySettings

Deliver = Callable[..., DeliveryResult]


def channels_by_level(config: AlertConfig) -> dict[int, list[str]]:
    return {level: [target.name for target in config.channels_for(level)] for level in (1, 2, 3)}


def dispatch_pending(con: duckdb.DuckDBPyConnection, config: AlertConfig, now: datetime, *,
                     digest_threshold: int = 10, settings: DeliverySettings | None = None,
                     send: Deliver = deliver) -> Counter:
    """Send every due pending delivery; returns outcome counts (delivered, pending, failed, not_configured)."""
    rows = con.execute(
        """select d.channel, a.level, a.order_key, a.platform, a.shop_key, a.reason,
                  coalesce(a.overdue_minutes, 0)
           from operations.alert_deliveries as d join operations.order_alerts as a using (order_key, level)
           where d.status = 'pending' and (a.notify_at is null or a.notify_at <= ?)
           order by d.channel, a.level, a.order_key""", [now]).fetchall()
    batches: dict[tuple[str, int], list[AlertItem]] = defaultdict(list)
    for channel, level, order_key, platform, shop_key, reason, overdue in rows:
        batches[(channel, level)].append(AlertItem(order_key, platform, shop_key, level, reason or "", overdue))
    targets = {level: {t.name: t for t in config.channels_for(level)} for level in (1, 2, 3)}
    outcomes: Counter = Counter()
    for (channel, level), alerts in batches.items():
        target = targets[level].get(channel)
        if target is None:  # removed from the config (or no longer routed this level) since it was recorded
            _record(con, channel, level, alerts, "failed", 0, None, "channel no longer routes this level", now)
            outcomes["failed"] += len(alerts)
            continue
        messages: list[tuple[AlertMessage, list[AlertItem]]] = (
            [(digest(alerts), alerts)] if len(alerts) > digest_threshold
            else [(single(alert), [alert]) for alert in alerts])
        for message, covered in messages:
            result = send(target, message, settings=settings)
            _record(con, channel, level, covered, result.status, result.attempts, message.message_id,
                    result.error, now)
            outcomes[result.status] += len(covered)
    return outcomes


def _record(con: duckdb.DuckDBPyConnection, channel: str, level: int, alerts: list[AlertItem], status: str,
            attempts: int, message_id: str | None, error: str | None, now: datetime) -> None:
    con.execute(
        """update operations.alert_deliveries
           set status = ?, attempts = attempts + ?, message_id = coalesce(?, message_id),
               delivered_at = case when ? then ?::timestamptz end, last_attempt_at = ?, last_error = ?
           where channel = ? and level = ? and order_key in (select unnest(?::varchar[]))""",
        [status, attempts, message_id, status == DELIVERED, now,
         now if attempts else None, error, channel, level, [a.order_key for a in alerts]])
