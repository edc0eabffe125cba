"""Alert delivery (F8): messages and digests, one channel per chat robot or webhook, routing by level and role,
and a delivery that retries and reports instead of raising.

The alert job calls: `load_alert_config()`, `config.channels_for(level)`, `digest(alerts)` or `single(alert)`,
and `deliver(target, message)`, then records each `DeliveryResult` (a `pending` one is retried next run).
"""

from __future__ import annotations

from order_pipeline.alerts.config import AlertConfig, AlertConfigError, ChannelTarget, load_alert_config
from order_pipeline.alerts.delivery import (
    DELIVERED,
    FAILED,
    NOT_CONFIGURED,
    PENDING,
    DeliveryResult,
    DeliverySettings,
    deliver,
)
from order_pipeline.alerts.messages import AlertItem, AlertMessage, DigestCounts, digest, single

__all__ = [
    "DELIVERED", "FAILED", "NOT_CONFIGURED", "PENDING", "AlertConfig", "AlertConfigError", "AlertItem",
    "AlertMessage", "ChannelTarget", "DeliveryResult", "DeliverySettings", "DigestCounts", "deliver", "digest",
    "load_alert_config", "single",
]
