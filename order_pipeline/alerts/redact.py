"""Keep webhook secrets out of logs and error texts.

A robot's webhook URL *is* its credential: DingTalk's `access_token`, WeCom's `key`, the Feishu hook id and
the last segment of a Slack URL each let anyone post into the group. So a URL is only ever shown masked, and
httpx's own INFO line ("HTTP Request: POST <url> ...") is rewritten for the URLs of alert channels, which
otherwise prints the full URL, token and signature included, whenever INFO logging is on.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, urlsplit

import httpx

# Path segments shown as they are: the fixed parts of the documented webhook URLs, and short lowercase words.
# Anything else (a hook id, a Slack token, a key in the path of a generic webhook) is masked.
_KNOWN = {"robot", "send", "cgi-bin", "webhook", "open-apis", "bot", "v1", "v2", "hook", "services", "hooks"}
_WORD = re.compile(r"^[a-z][a-z_-]{0,11}$")
_registered: set[tuple[str, str]] = set()  # (host:port, path) of every alert channel URL
_lock = threading.Lock()
_installed = False


def mask_url(url: str) -> str:
    """Scheme, host and word-like path segments kept; every other path segment and every query value masked.

    `https://oapi.dingtalk.com/robot/send?access_token=abc` -> `https://oapi.dingtalk.com/robot/send?access_token=***`
    `https://hooks.slack.com/services/T0/B0/XyZ` -> `https://hooks.slack.com/services/***/***/***`"""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "***"
    if not parts.scheme or not parts.hostname:
        return "***"
    segments = [s if (not s or s in _KNOWN or _WORD.match(s)) else "***" for s in parts.path.split("/")]
    masked = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{'/'.join(segments)}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if query:
        masked += "?" + "&".join(f"{name}=***" for name, _ in query)
    return masked


def redact(text: str, *secrets: str | None) -> str:
    """`text` with each secret (and each URL's query string) replaced: for exception texts that may quote them."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, mask_url(secret) if "://" in secret else "***")
    return text


class _MaskAlertUrls(logging.Filter):
    """Masks the URL arguments of httpx's request log lines when they point at an alert channel."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                mask_url(str(a)) if isinstance(a, httpx.URL) and _key(a) in _registered else a
                for a in record.args
            )
        return True


def _key(url: httpx.URL) -> tuple[str, str]:
    return (f"{url.host}:{url.port}", url.path)


def protect(url: str) -> None:
    """Register a channel URL so httpx's log line for it is masked (installs the filter once per process)."""
    global _installed
    with _lock:
        _registered.add(_key(httpx.URL(url)))
        if not _installed:
            logging.getLogger("httpx").addFilter(_MaskAlertUrls())
            _installed = True
