"""Each signing algorithm pinned by a known answer, without HTTP.

The expected values are computed two ways, neither through the code under test: (1) literals computed outside
Python with `openssl dgst -sha256 -hmac KEY -binary | base64` (hex for the generic webhook) over the bytes the
documentation prescribes, and (2) in the test with hmac/hashlib/base64 following the documented recipe:
- DingTalk (open.dingtalk.com/document/robots/customize-robot-security-settings):
  urlEncode(base64(HmacSHA256(key=secret, msg=timestamp_ms + "\\n" + secret)));
- Feishu (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, 签名校验):
  base64(HmacSHA256(key=timestamp_s + "\\n" + secret, msg=""));
- generic webhook (our own contract, `order_pipeline/alerts/channels/webhook.py`):
  "sha256=" + hex(HmacSHA256(key=secret, msg=timestamp + "." + body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote_plus

from order_pipeline.alerts.channels import dingtalk, feishu, slack, webhook
from order_pipeline.alerts.channels.dingtalk import DingTalkChannel
from order_pipeline.alerts.channels.feishu import FeishuChannel
from order_pipeline.alerts.channels.webhook import WebhookChannel, verify_webhook_signature
from order_pipeline.alerts.messages import AlertItem, single

MESSAGE = single(AlertItem("TB-1001", "taobao", "tmall_flagship", 2, "normal SLA 2 h breached", 35))


def test_dingtalk_sign_known_answer():
    secret, ts = "SECtest-secret-for-alerts", 1700000000000
    by_hand = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert by_hand.decode() == "bWbjvpfgm2Y4OlchhWdw2oPCb5+p2qvj4u3cVSulgf4="  # openssl, see module docstring
    assert dingtalk.sign(secret, ts) == "bWbjvpfgm2Y4OlchhWdw2oPCb5%2Bp2qvj4u3cVSulgf4%3D"
    assert dingtalk.sign(secret, ts) == quote_plus(by_hand)


def test_dingtalk_request_carries_timestamp_ms_and_encoded_sign_next_to_the_token():
    channel = DingTalkChannel("ops", "https://oapi.dingtalk.com/robot/send?access_token=tok123", "SECabc")
    request = channel.build_request(MESSAGE, now=1700000000.123)
    assert request.method == "POST"
    raw_query = request.url.query.decode()
    assert raw_query.startswith("access_token=tok123&timestamp=1700000000123&sign=")
    assert raw_query.endswith(quote_plus(base64.b64encode(
        hmac.new(b"SECabc", b"1700000000123\nSECabc", hashlib.sha256).digest())))
    body = json.loads(request.content)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == MESSAGE.title
    assert "TB-1001" in body["markdown"]["text"]


def test_dingtalk_without_secret_sends_the_url_unchanged():
    channel = DingTalkChannel("ops", "https://oapi.dingtalk.com/robot/send?access_token=tok123")
    assert str(channel.build_request(MESSAGE, now=1.0).url) == "https://oapi.dingtalk.com/robot/send?access_token=tok123"


def test_feishu_sign_known_answer_uses_the_string_to_sign_as_key():
    secret, ts = "feishu-secret-demo", 1599360473
    by_hand = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert by_hand == "9C7hnFG804+opz533YfHovvQNnewQyV7z+o2O9aNo94="  # openssl, see module docstring
    assert feishu.sign(secret, ts) == by_hand
    assert feishu.sign(secret, str(ts)) == by_hand


def test_feishu_body_carries_timestamp_seconds_as_string_and_sign():
    request = FeishuChannel("wh", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "feishu-secret-demo") \
        .build_request(MESSAGE, now=1599360473.9)
    body = json.loads(request.content)
    assert body["timestamp"] == "1599360473"
    assert body["sign"] == "9C7hnFG804+opz533YfHovvQNnewQyV7z+o2O9aNo94="
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == MESSAGE.title
    assert post["content"][0][0] == {"tag": "text", "text": MESSAGE.lines[0]}


def test_webhook_signature_known_answer():
    by_hand = hmac.new(b"whsec-demo", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert by_hand == "81cd083dd94ec50aee6a1f21d9ad7dff08949a09510019175bfa6afebe822469"  # openssl
    assert webhook.signature("whsec-demo", "1700000000", b'{"a":1}') == f"sha256={by_hand}"


def test_webhook_request_signs_the_exact_body_bytes():
    request = WebhookChannel("local", "http://127.0.0.1:9/alerts", "whsec-demo").build_request(MESSAGE, 1700000000.5)
    ts = request.headers["X-OrderPipeline-Timestamp"]
    assert ts == "1700000000"
    expected = hmac.new(b"whsec-demo", ts.encode() + b"." + request.content, hashlib.sha256).hexdigest()
    assert request.headers["X-OrderPipeline-Signature"] == f"sha256={expected}"
    assert request.headers["X-OrderPipeline-Message-Id"] == MESSAGE.message_id
    document = json.loads(request.content)
    assert document["event"] == "order_alert" and document["order_keys"] == ["TB-1001"]


def test_verify_webhook_signature_accepts_ours_and_rejects_the_rest():
    body = b'{"a":1}'
    good = "sha256=81cd083dd94ec50aee6a1f21d9ad7dff08949a09510019175bfa6afebe822469"
    assert verify_webhook_signature("whsec-demo", "1700000000", body, good, now=1700000100)
    assert not verify_webhook_signature("whsec-demo", "1700000000", b'{"a":2}', good, now=1700000100)
    assert not verify_webhook_signature("other-secret", "1700000000", body, good, now=1700000100)
    assert not verify_webhook_signature("whsec-demo", "1700000000", body, good, now=1700000301)  # stale
    assert not verify_webhook_signature("whsec-demo", "1700000000", body, good, now=1699999600)  # future
    assert not verify_webhook_signature("whsec-demo", "1700000001", body, good, now=1700000100)  # ts changed
    assert not verify_webhook_signature("whsec-demo", None, body, good, now=1700000100)
    assert not verify_webhook_signature("whsec-demo", "soon", body, good, now=1700000100)
    assert not verify_webhook_signature("whsec-demo", "1700000000", body, "sha256=00", now=1700000100)
    assert not verify_webhook_signature("whsec-demo", "1700000000", body, "sha256=é", now=1700000100)


def test_slack_escapes_its_control_characters():
    assert slack.escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
