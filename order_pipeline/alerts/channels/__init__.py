"""One module per alert channel, each speaking its service's documented payload and signing."""

from __future__ import annotations

from order_pipeline.alerts.channels.base import Channel, DeliveryError
from order_pipeline.alerts.channels.dingtalk import DingTalkChannel
from order_pipeline.alerts.channels.feishu import FeishuChannel
from order_pipeline.alerts.channels.slack import SlackChannel
from order_pipeline.alerts.channels.webhook import WebhookChannel, verify_webhook_signature
from order_pipeline.alerts.channels.wecom import WeComChannel

CHANNEL_KINDS: dict[str, type[Channel]] = {
    cls.kind: cls for cls in (DingTalkChannel, WeComChannel, FeishuChannel, SlackChannel, WebhookChannel)
}


def make_channel(kind: str, name: str, url: str, secret: str | None = None) -> Channel:
    """The channel of `kind` (one of CHANNEL_KINDS) for a webhook URL and optional signing secret."""
    try:
        cls = CHANNEL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown channel kind {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}") from None
    return cls(name, url, secret)


__all__ = [
    "CHANNEL_KINDS", "Channel", "DeliveryError", "DingTalkChannel", "FeishuChannel", "SlackChannel",
    "WeComChannel", "WebhookChannel", "make_channel", "verify_webhook_signature",
]
