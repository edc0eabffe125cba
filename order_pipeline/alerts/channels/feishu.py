"""Feishu / Lark custom bot (自定义机器人).

Contract (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, "签名校验" and "支持发送的消息类型"):
- POST `https://open.feishu.cn/open-apis/bot/v2/hook/<hook id>` (Lark: open.larksuite.com) with
  `{"msg_type": "post", "content": {"post": {"zh_cn": {"title": ..., "content": [[{"tag": "text", ...}]]}}}}`.
- With signature verification on, the body also carries `"timestamp"` (Unix seconds, as a string, within an
  hour of the server's clock) and `"sign"` = base64(HmacSHA256(key=timestamp + "\n" + secret, msg="")).
  Unusual but documented: the string-to-sign is the HMAC *key* and the message is empty (the official Python
  sample: `hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256)`).
- Reply: HTTP 200 with `{"code": 0, "msg": "success", "data": {}}` (older bots: `"StatusCode": 0`). A non-zero
  code is a failure: 19021 bad sign or stale timestamp, 19022 IP not allowed, 19024 keyword missing (not
  retried); 9499 "too many request" and 11232 "trigger rate limit" (100 a minute, 5 a second) are retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx

from order_pipeline.alerts.channels.base import Channel, envelope, fit, json_request, read_json
from order_pipeline.alerts.messages import AlertMessage

MAX_TEXT_BYTES = 16_000  # the request body may not exceed 20 KB; leave room for the JSON around the text
RETRYABLE_CODES = {9499: "too many request", 11232: "trigger rate limit"}


def sign(secret: str, timestamp_s: int | str) -> str:
    """base64(HMAC-SHA256) keyed with "timestamp\\nsecret" over an empty message."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode("ascii")


def render(message: AlertMessage) -> dict[str, object]:
    """A rich-text ("post") message: the title on top, one paragraph per line, cut to fit the body limit."""
    lines = fit("\n".join(message.lines), MAX_TEXT_BYTES).split("\n")
    return {"msg_type": "post", "content": {"post": {"zh_cn": {
        "title": message.title,
        "content": [[{"tag": "text", "text": line}] for line in lines],
    }}}}


class FeishuChannel(Channel):
    kind = "feishu"

    def build_request(self, message: AlertMessage, now: float) -> httpx.Request:
        payload: dict[str, object] = {}
        if self.secret:
            timestamp_s = str(int(now))
            payload = {"timestamp": timestamp_s, "sign": sign(self.secret, timestamp_s)}
        return json_request(self.url, {**payload, **render(message)})

    def check_body(self, response: httpx.Response) -> str:
        body = read_json(response)
        code = body["code"] if "code" in body else body.get("StatusCode")
        return envelope("code", code, body.get("msg") or body.get("StatusMessage"), RETRYABLE_CODES)
