"""Shopee v2 signing and error envelopes, pinned without HTTP.

Published example: Shopee Open Platform developer guide, "API calls" -> "Signature calculation"
(open.shopee.com/developer-guide/16). For a Shop API it gives partner_id 2001887, path
/api/v2/shop/get_shop_info, timestamp 1655714431, access_token 59777174636562737266615546704c6d, shop_id
14701711 and the base string below. The guide prints a resulting sign (56f31d01...) but not the partner key
behind it, so the HMAC step is pinned instead by RFC 4231 test case 2 (a published HMAC-SHA256 vector, fed
through `sign` by splitting its message across the base-string parts) and by a hand-computed digest of the
guide's base string (`openssl dgst -sha256 -hmac demo-partner-key`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from order_pipeline.platforms import shopee_signing as wire
from order_pipeline.platforms.errors import ErrorAction, PlatformError

DOC = {"partner_id": "2001887", "path": "/api/v2/shop/get_shop_info", "timestamp": 1655714431,
       "access_token": "59777174636562737266615546704c6d", "shop_id": "14701711"}
DOC_BASE_STRING = "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"


def test_base_string_matches_the_developer_guide_example():
    assert wire.base_string(**DOC) == DOC_BASE_STRING


def test_hmac_step_matches_rfc4231_test_case_2():
    # key "Jefe", data "what do ya want for nothing?" -> 5bdcc146... (RFC 4231 section 4.3)
    sign = wire.sign("Jefe", "what do ya want", " for nothing?", "", "", "")
    assert sign == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_sign_of_the_guide_example_with_a_known_key():
    assert wire.sign("demo-partner-key", **DOC) == "7858d7df052af52debe2201d093fb926332b99ae01b6d01e4b937389916deeaa"


@pytest.mark.parametrize(
    ("api", "path"),
    [("order.get_order_list", "/api/v2/order/get_order_list"),
     ("order.get_order_detail", "/api/v2/order/get_order_detail"),
     ("returns.get_return_list", "/api/v2/returns/get_return_list"),
     ("product.get_item_list", "/api/v2/product/get_item_list"),
     ("product.get_model_list", "/api/v2/product/get_model_list")],
)
def test_signed_path_comes_from_the_api_name(api, path):
    assert wire.api_path(api) == path


def test_success_envelope_returns_response_and_request_id():
    reply = wire.read_envelope({"error": "", "message": "", "request_id": "R1", "warning": "",
                                "response": {"more": False}})
    assert reply.response == {"more": False} and reply.request_id == "R1"


NOW = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)  # 18:00 in UTC+8: six hours to the quota reset


def _error(error, message="it failed"):
    with pytest.raises(PlatformError) as caught:
        wire.read_envelope({"error": error, "message": message, "request_id": "R9", "response": None},
                           "order.get_order_list", NOW)
    return caught.value


@pytest.mark.parametrize(
    ("error", "action"),
    [
        ("error_rate_limit", ErrorAction.BACK_OFF),
        ("error_limit", ErrorAction.BACK_OFF),
        ("error_server", ErrorAction.RETRY),
        ("error_busy", ErrorAction.RETRY),
        ("error_auth", ErrorAction.REAUTHORISE),
        ("invalid_access_token", ErrorAction.REAUTHORISE),
        ("invalid_acceess_token", ErrorAction.REAUTHORISE),
        ("error_sign", ErrorAction.STOP),
        ("error_param", ErrorAction.STOP),
        ("error_permission", ErrorAction.STOP),
        ("error_something_new", ErrorAction.STOP),
    ],
)
def test_errors_are_classified(error, action):
    exc = _error(error)
    assert exc.action is action
    assert exc.code == error and exc.message == "it failed" and exc.request_id == "R9"


def test_rate_limit_backs_off_as_told_or_a_few_seconds():
    assert _error("error_rate_limit", "Too many requests, retry after 3 seconds.").retry_after == 3.0
    assert 0 < _error("error_rate_limit", "api calls over limit").retry_after <= 10


def test_daily_quota_backs_off_until_midnight_utc_plus_8():
    assert _error("error_limit").retry_after == 6 * 3600
    just_after_reset = datetime(2025, 3, 1, 16, 0, 1, tzinfo=UTC)  # 00:00:01 UTC+8
    assert wire.seconds_until_quota_reset(just_after_reset) == 24 * 3600 - 1


def test_window_error_message_is_kept():
    exc = _error("error_param", "order.order_list_invalid_time")
    assert exc.action is ErrorAction.STOP and "order_list_invalid_time" in str(exc)


def test_body_without_envelope_is_retryable():
    with pytest.raises(PlatformError) as caught:
        wire.read_envelope("<html>gateway</html>")
    assert caught.value.action is ErrorAction.RETRY
