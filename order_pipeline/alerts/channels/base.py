"""What every alert channel shares: a signed request built per attempt, and a reply read into ok / retry / stop.

A channel only knows its service's wire format. `build_request` is called again for every attempt because the
signatures carry a timestamp that the services check for freshness (DingTalk and Feishu refuse one older than
an hour); `check_response` turns the reply, including the errors these robots report inside HTTP 200, into
either a status string or a `DeliveryError` that says whether trying again can help. The retry loop itself
lives in `order_pipeline.alerts.delivery`.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

from order_pipeline.alerts.messages import AlertMessage
from order_pipeline.alerts.redact import mask_url, protect

_RETRYABLE_HTTP = {408, 425, 429}


class DeliveryError(Exception):
    """A failed attempt: `status` is short and loggable ("HTTP 500", "errcode 130101"), never a secret."""

    def __init__(self, status: str, detail: str = "", *, retryable: bool, retry_after: float | None = None):
        self.status = status
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(f"{status}: {detail}" if detail else status)


class Channel(ABC):
    """One configured robot or webhook: its URL and optional signing secret, both read from the environment."""

    kind: ClassVar[str]

    def __init__(self, name: str, url: str, secret: str | None = None):
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = httpx.URL()
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"channel {name}: the webhook URL must be an http(s) URL")  # never the URL itself
        self.name = name
        self.url = url
        self.secret = secret or None
        protect(url)

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    def __repr__(self) -> str:  # never the URL or the secret in a repr, a log line or a traceback
        return f"<{type(self).__name__} {self.name} {self.masked_url} signed={self.secret is not None}>"

    @abstractmethod
    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        """The service's documented request for `message`, signed for the instant `now` (Unix seconds)."""

    @abstractmethod
    def check_body(self, response: httpx.Response) -> str:
        """Read an HTTP 2xx reply: return a status, or raise DeliveryError for an error inside it."""

    def check_response(self, response: httpx.Response) -> str:
        """HTTP-level outcome first (5xx, 429 and timeouts retry; other 4xx do not), then the body."""
        code = response.status_code
        if code in _RETRYABLE_HTTP or code >= 500:
            raise DeliveryError(f"HTTP {code}", _snippet(response), retryable=True,
                                retry_after=retry_after_seconds(response))
        if code >= 400:
            raise DeliveryError(f"HTTP {code}", _snippet(response), retryable=False)
        return self.check_body(response)


def json_request(url: str, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None,
                 body: bytes | None = None) -> httpx.Request:
    """A JSON POST; `body` when the caller signed the exact bytes (the generic webhook signs the body)."""
    content = body if body is not None else encode_json(payload)
    return httpx.Request("POST", url, content=content,
                         headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON with Chinese left readable (the robots render what they receive)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_json(response: httpx.Response) -> dict[str, Any]:
    """The reply's JSON object. A body that is not JSON is retried: the message may not have arrived."""
    try:
        body = response.json()
    except ValueError as exc:
        raise DeliveryError("bad response", "reply is not JSON", retryable=True) from exc
    if not isinstance(body, dict):
        raise DeliveryError("bad response", "reply is not a JSON object", retryable=True)
    return body


def envelope(field: str, code: Any, message: Any, retryable_codes: Mapping[int, str]) -> str:
    """`ok` when the service's code is 0, else a DeliveryError retryable only for the listed codes."""
    try:
        number = int(code)
    except (TypeError, ValueError) as exc:
        raise DeliveryError("bad response", f"no {field} in the reply", retryable=True) from exc
    if number == 0:
        return "ok"
    raise DeliveryError(f"{field} {number}", str(message or retryable_codes.get(number, ""))[:200],
                        retryable=number in retryable_codes)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def fit(text: str, max_bytes: int) -> str:
    """`text` cut at a line boundary to at most `max_bytes` of UTF-8: the robots reject or truncate longer."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    marker = "\n… (truncated)"
    budget = max_bytes - len(marker.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    if not kept:  # a single very long line: cut inside it, on a character boundary
        return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore") + marker
    return "\n".join(kept) + marker


def _snippet(response: httpx.Response) -> str:
    try:
        return response.text[:200]
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return ""
