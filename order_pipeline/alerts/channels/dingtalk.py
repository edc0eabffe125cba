"""DingTalk (钉钉) custom group robot (自定义机器人).

Contract (open.dingtalk.com/document/robots/custom-robot-access and .../customize-robot-security-settings):
- POST the webhook URL `https://oapi.dingtalk.com/robot/send?access_token=...` with a JSON body
  `{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}`; `title` is what the chat list shows.
- With the "加签" security setting, add the query parameters `timestamp` (Unix milliseconds, at most an hour
  off the server's clock) and `sign` = urlEncode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret))),
  exactly the official Python sample: `urllib.parse.quote_plus(base64.b64encode(hmac_code))`.
- Reply: HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`; any other errcode is a failure. 310000 covers a bad
  sign, a missing keyword and an IP not on the whitelist (configuration: not retried); 130101 / 410100 mean
  "sending too fast" (20 messages a minute per robot) and -1 "system busy": retried with back-off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

import httpx

from order_pipeline.alerts.channels.base import Channel, envelope, fit, json_request, read_json
from order_pipeline.alerts.messages import AlertMessage

MAX_TEXT_BYTES = 18_000  # the robot refuses a message over 20,000 bytes; leave room for the title and JSON
RETRYABLE_ERRCODES = {-1: "system busy", 130101: "send too fast", 410100: "send too fast (rate limited)"}


def sign(secret: str, timestamp_ms: int | str) -> str:
    """The `sign` query value, already URL-encoded as the documentation prescribes."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def render(message: AlertMessage) -> dict[str, object]:
    """The markdown message. DingTalk's markdown needs a blank line to break a paragraph."""
    text = "\n\n".join((f"### {message.title}", *message.lines))
    return {"msgtype": "markdown", "markdown": {"title": message.title[:64], "text": fit(text, MAX_TEXT_BYTES)}}


class DingTalkChannel(Channel):
    kind = "dingtalk"

    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        url = self.url
        if self.secret:
            timestamp_ms = int(now * 1000)
            # Appended by hand so the wire carries exactly quote_plus(base64(...)), as DingTalk's sample does.
            url += f"{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign(self.secret, timestamp_ms)}"
        return json_request(url, render(message))

    def check_body(self, response: httpx.Response) -> str:
        body = read_json(response)
        return envelope("errcode", body.get("errcode"), body.get("errmsg"), RETRYABLE_ERRCODES)
