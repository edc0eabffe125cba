"""Generic JSON webhook: the alert as a signed JSON document, for receivers we do not know (ticketing, a
pager, a team's own service).

Request: `POST <url>` with `Content-Type: application/json` and the body `AlertMessage.to_document()` plus
`"event": "order_alert"` and `"version": 1` (UTF-8 JSON: message_id, title, level, level_name, lines,
order_keys, digest counts, examples). Headers:

    X-OrderPipeline-Timestamp:  Unix seconds when this attempt was signed
    X-OrderPipeline-Message-Id: the message's stable id; the same for a retried delivery, so dedupe on it
    X-OrderPipeline-Signature:  sha256=<lowercase hex HMAC-SHA256(key=secret, msg=f"{timestamp}.{raw body}")>
                                (only when the channel has a secret)

To verify, a receiver recomputes the HMAC over the timestamp header, a dot and the *raw* body bytes (before
any JSON parsing), compares in constant time, and refuses timestamps more than a few minutes off its clock
(a replayed request keeps its old timestamp, and changing it breaks the signature). `verify_webhook_signature`
does exactly that. The scheme is the one Stripe and GitHub-style webhooks use.

Reply: any 2xx is delivered; 408, 425, 429 (honouring Retry-After) and 5xx are retried; other 4xx are not.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from order_pipeline.alerts.channels.base import Channel, encode_json, json_request
from order_pipeline.alerts.messages import AlertMessage

TIMESTAMP_HEADER = "X-OrderPipeline-Timestamp"
SIGNATURE_HEADER = "X-OrderPipeline-Signature"
MESSAGE_ID_HEADER = "X-OrderPipeline-Message-Id"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 over `timestamp.body`."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_webhook_signature(secret: str, timestamp: str | None, body: bytes, signature_header: str | None, *,
                             tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
                             now: float | None = None) -> bool:
    """True when the request is ours and fresh. For receivers: pass the raw body and the two headers."""
    if not timestamp or not signature_header:
        return False
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - signed_at) > tolerance_seconds:
        return False
    expected = signature(secret, str(signed_at), body)
    return hmac.compare_digest(expected.encode("ascii"), signature_header.strip().encode("utf-8", "replace"))


class WebhookChannel(Channel):
    kind = "webhook"

    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        body = encode_json({"event": "order_alert", "version": 1, **message.to_document()})
        timestamp = str(int(now))
        headers = {TIMESTAMP_HEADER: timestamp, MESSAGE_ID_HEADER: message.message_id}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, timestamp, body)
        return json_request(self.url, {}, headers=headers, body=body)

    def check_body(self, response: httpx.Response) -> str:
        return "ok"
