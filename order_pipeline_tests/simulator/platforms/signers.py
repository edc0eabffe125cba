"""Tiny request signers written in the tests from docs/platform-api.md, independent of both the simulator's
verification code and the adapters' signing code; each is pinned to a published example where one exists
(see the test modules)."""

from __future__ import annotations

import hashlib
import hmac
import json


def taobao(params: dict[str, str], secret: str) -> dict[str, str]:
    """TOP: sorted key+value of every parameter but sign; md5 wraps the secret, hmac variants key with it."""
    method = params.get("sign_method", "md5")
    text = "".join(k + v for k, v in sorted(params.items()) if k != "sign" and v != "")
    if method == "md5":
        digest = hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest()
    else:
        algo = hashlib.md5 if method == "hmac" else hashlib.sha256
        digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), algo).hexdigest()
    return {**params, "sign": digest.upper()}


def jd(params: dict[str, str], secret: str) -> dict[str, str]:
    """JOS: only 360buy_param_json, access_token, app_key, method, timestamp, v take part."""
    signed = ("360buy_param_json", "access_token", "app_key", "method", "timestamp", "v")
    text = "".join(k + params[k] for k in sorted(signed) if k in params)
    return {**params, "sign": hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest().upper()}


def douyin_param_json(business: dict) -> str:
    return json.dumps(business, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def douyin(
    secret: str, app_key: str, method: str, param_json: str, timestamp: str, sign_method: str = "md5"
) -> str:
    text = secret + "app_key" + app_key + "method" + method + "param_json" + param_json
    text += "timestamp" + timestamp + "v" + "2" + secret
    if sign_method == "hmac-sha256":
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return hashlib.md5(text.encode()).hexdigest()


def shopee(partner_key: str, partner_id: str, path: str, timestamp: int, token: str, shop_id: str) -> str:
    base = str(partner_id) + path + str(timestamp) + token + str(shop_id)
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()
