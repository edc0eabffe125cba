"""Douyin (抖店) signing and error envelopes, pinned without HTTP.

No published Doudian test vector (key, inputs and resulting sign together) could be found: the official
"签名算法" page and SDKs describe the algorithm but print no digest for known inputs. So the algorithm is
pinned twice over: (1) the sign string is compared, character for character, with the layout of the
published PHP sample in blog.csdn.net/ddliyoutang/article/details/128469556 (`Douyinsign`: 'app_key' .
$appKey . 'method' . $method . 'param_json' . $paramJson . 'timestamp' . $timestamp . 'v2', wrapped in the
secret) and of the PyPI `doudian` SDK (github.com/minibear2021/doudian, doudian/core.py, `DouDian._sign`);
(2) the digests are hand-computed examples of that algorithm, computed outside Python with coreutils
`md5sum` and `openssl dgst -sha256 -hmac` over the same bytes.
"""

from __future__ import annotations

import pytest

from order_pipeline.platforms import douyin_signing as wire
from order_pipeline.platforms.errors import ErrorAction, PlatformError

APP_KEY = "7000000000000000001"
SECRET = "demo-secret-5a8e"
TIMESTAMP = "1700000000"


def test_param_json_sorts_keys_recursively_compact_and_unescaped():
    # The PHP sample's marshal(): rec_ksort + JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE.
    params = {"b": "http://x/y", "a": {"y": [{"n": True, "m": "商品/规格"}], "x": 1}}
    assert wire.param_json(params) == '{"a":{"x":1,"y":[{"m":"商品/规格","n":true}]},"b":"http://x/y"}'
    assert wire.param_json({}) == "{}"


def test_sign_string_layout_matches_the_published_samples():
    param_json = wire.param_json({"shop_order_id": "4781320682406083640"})
    expected = (
        "demo-secret-5a8e" "app_key7000000000000000001" "methodorder.orderDetail"
        'param_json{"shop_order_id":"4781320682406083640"}' "timestamp1700000000" "v2" "demo-secret-5a8e"
    )
    assert wire.sign_string(APP_KEY, SECRET, "order.orderDetail", param_json, TIMESTAMP) == expected


def test_md5_sign_hand_computed_example():
    # printf '%s' '<sign string above>' | md5sum
    param_json = '{"shop_order_id":"4781320682406083640"}'
    assert wire.sign(APP_KEY, SECRET, "order.orderDetail", param_json, TIMESTAMP) == (
        "02f63da2b3d14bdcec4278142a5a5ecb"
    )


def test_hmac_sha256_sign_hand_computed_example():
    # printf '%s' '<sign string above>' | openssl dgst -sha256 -hmac 'demo-secret-5a8e'
    param_json = '{"shop_order_id":"4781320682406083640"}'
    assert wire.sign(APP_KEY, SECRET, "order.orderDetail", param_json, TIMESTAMP, "hmac-sha256") == (
        "e99931a366f3465392ff70e473716228f835977cfe874a73c61fe427d359f40b"
    )


def test_md5_sign_over_nested_unicode_params():
    # The nested example of test_param_json_..., signed; md5sum over the UTF-8 bytes.
    param_json = wire.param_json({"b": "http://x/y", "a": {"y": [{"n": True, "m": "商品/规格"}], "x": 1}})
    assert wire.sign(APP_KEY, SECRET, "product.listV2", param_json, TIMESTAMP) == "66d014ced1c6ef47be31222c8d7a15d5"


def test_unknown_sign_method_is_refused():
    with pytest.raises(ValueError, match="sign_method"):
        wire.sign(APP_KEY, SECRET, "order.searchList", "{}", TIMESTAMP, "sha1")


@pytest.mark.parametrize(
    ("method", "path"),
    [("order.searchList", "/order/searchList"), ("order.orderDetail", "/order/orderDetail"),
     ("afterSale.List", "/afterSale/List"), ("product.listV2", "/product/listV2"), ("sku.list", "/sku/list")],
)
def test_api_path_is_the_method_with_slashes(method, path):
    assert wire.api_path(method) == path


def test_success_envelope_returns_data_and_log_id():
    reply = wire.read_envelope({"code": 10000, "msg": "success", "log_id": "L1", "data": {"total": 0}})
    assert reply.data == {"total": 0} and reply.request_id == "L1"


def _error(code, sub_code="", sub_msg="", msg="failed"):
    body = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg, "log_id": "L9", "data": None}
    with pytest.raises(PlatformError) as caught:
        wire.read_envelope(body, "order.searchList")
    return caught.value


@pytest.mark.parametrize(
    ("code", "sub_code", "action"),
    [
        (30009, "isv.app-call-limited", ErrorAction.BACK_OFF),
        (20000, "isp.service-error", ErrorAction.RETRY),
        (20001, "isp.timeout", ErrorAction.RETRY),  # any isp.* is the platform's own failure
        (30002, "isv.access-token-expired", ErrorAction.REAUTHORISE),
        (40004, "isv.sign-invalid", ErrorAction.STOP),
        (40001, "isv.parameter-invalid", ErrorAction.STOP),
        (50002, "isv.business-failed", ErrorAction.STOP),
        (99999, "", ErrorAction.STOP),  # unknown: stop, with the platform's words
        ("10000x", "", ErrorAction.STOP),
    ],
)
def test_error_codes_are_classified(code, sub_code, action):
    error = _error(code, sub_code)
    assert error.action is action
    assert error.code == str(code) and error.request_id == "L9" and error.api == "order.searchList"
    assert "failed" in error.message


def test_throttle_wait_is_read_from_sub_msg():
    assert _error(30009, "isv.app-call-limited", "请求过于频繁，请7秒后重试").retry_after == 7.0
    assert _error(30009, "isv.app-call-limited", "").retry_after == wire.DEFAULT_THROTTLE_WAIT


def test_body_without_envelope_is_retryable():
    with pytest.raises(PlatformError) as caught:
        wire.read_envelope(["not", "an", "envelope"])
    assert caught.value.action is ErrorAction.RETRY
