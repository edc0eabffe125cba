"""Slack incoming webhook.

Contract (api.slack.com/messaging/webhooks; error strings: api.slack.com/changelog/2016-05-17-changes-to-errors-
for-incoming-webhooks; limits: api.slack.com/reference/block-kit/blocks):
- POST the webhook URL `https://hooks.slack.com/services/T.../B.../...` with `{"text": ..., "blocks": [...]}`;
  `text` is the notification fallback, `blocks` the rendered message (a header block's text is plain text of
  at most 150 characters, a section's mrkdwn at most 3000, a message at most 50 blocks). In mrkdwn `&`, `<`
  and `>` must be escaped. No signature: the URL is the credential.
- Reply: HTTP 200 with the body `ok`. HTTP 429 carries `Retry-After` (about one message a second per
  webhook): retried after that wait. 400 `invalid_payload` / `no_text`, 403 `action_prohibited`,
  404 `channel_not_found` / `no_service`, 410 `channel_is_archived` are permanent; 5xx (`rollup_error`) retried.
"""

from __future__ import annotations

import httpx

from order_pipeline.alerts.channels.base import Channel, DeliveryError, json_request
from order_pipeline.alerts.messages import LEVEL_NAMES, AlertMessage

MAX_SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_TEXT_CHARS = 4000  # Slack truncates a longer fallback text
_EMOJI = {1: ":large_yellow_circle:", 2: ":red_circle:", 3: ":rotating_light:"}


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(lines: list[str]) -> list[str]:
    """Lines grouped into section texts of at most MAX_SECTION_CHARS each."""
    sections: list[str] = []
    current = ""
    for raw in lines:
        line = escape(raw)[: MAX_SECTION_CHARS - 1]
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(current)
    return sections


def render(message: AlertMessage) -> dict[str, object]:
    """Header + mrkdwn sections, with a plain `text` fallback for notifications."""
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": True}},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"{_EMOJI[message.level]} level {message.level}: "
                                       f"{escape(LEVEL_NAMES[message.level])}"}]},
    ]
    sections = _sections(list(message.lines))
    room = MAX_BLOCKS - len(blocks)
    if len(sections) > room:
        sections = sections[: room - 1] + ["… (truncated)"]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
    return {"text": escape(message.text())[:MAX_TEXT_CHARS], "blocks": blocks}


class SlackChannel(Channel):
    kind = "slack"

    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        return json_request(self.url, render(message))

    def check_body(self, response: httpx.Response) -> str:
        body = response.text.strip()
        if body == "ok":
            return "ok"
        # A 2xx that is not "ok" is no documented reply: we cannot tell whether it was posted, so try again.
        raise DeliveryError(f"HTTP {response.status_code}", body[:200] or "empty reply", retryable=True)
