"""WeCom (企业微信) group robot (群机器人).

Contract (developer.work.weixin.qq.com/document/path/91770, "群机器人配置说明"):
- POST `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...` with
  `{"msgtype": "markdown", "markdown": {"content": ...}}`; the content is at most 4096 bytes of UTF-8 and may
  use `<font color="info|comment|warning">`. There is no signature: the `key` in the URL is the credential.
- Reply: `{"errcode": 0, "errmsg": "ok"}`; any other errcode is a failure. 45009 ("api freq out of limit":
  20 messages a minute per robot) and -1 ("system busy") are retried; the others (93000 invalid webhook URL,
  40008 invalid message type, 40058 bad parameter, ...) are configuration errors and are not.
"""

from __future__ import annotations

import httpx

from order_pipeline.alerts.channels.base import Channel, envelope, fit, json_request, read_json
from order_pipeline.alerts.messages import AlertMessage

MAX_CONTENT_BYTES = 4096
RETRYABLE_ERRCODES = {-1: "system busy", 45009: "api freq out of limit"}
_COLOUR = {1: "comment", 2: "warning", 3: "warning"}


def render(message: AlertMessage) -> dict[str, object]:
    """The markdown message, the title coloured by level."""
    title = f'**<font color="{_COLOUR[message.level]}">{message.title}</font>**'
    content = "\n".join((title, *(f"> {line}" for line in message.lines)))
    return {"msgtype": "markdown", "markdown": {"content": fit(content, MAX_CONTENT_BYTES)}}


class WeComChannel(Channel):
    kind = "wecom"

    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        return json_request(self.url, render(message))

    def check_body(self, response: httpx.Response) -> str:
        body = read_json(response)
        return envelope("errcode", body.get("errcode"), body.get("errmsg"), RETRYABLE_ERRCODES)
