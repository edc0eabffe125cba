"""The Douyin shop (抖店) wire protocol: how a request is signed and how a reply is read.

Kept apart from the adapter so the signature can be pinned by a worked example on its own and the envelope
rules tested without HTTP (`docs/platform-api.md`, "Douyin shop"). The platform verifies the signature over
the exact `param_json` string it receives as the body, so the string we sign is the string we send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from order_pipeline.platforms.errors import ErrorAction, PlatformError

PLATFORM = "douyin"
API_VERSION = "2"
SIGN_METHODS = ("md5", "hmac-sha256")
SUCCESS = 10000
DEFAULT_THROTTLE_WAIT = 3.0  # seconds, when the throttle message names no wait

_RETRY_CODES = {20000}
_REAUTH_CODES = {30002}
_THROTTLE_CODES = {30009}
_WAIT_IN_MESSAGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:秒|s\b|sec)", re.IGNORECASE)


def param_json(params: dict[str, Any]) -> str:
    """The business parameters as the platform re-serialises them to check a signature: keys sorted at every
    depth, no whitespace, `/` and non-ASCII left as they are (json.dumps escapes neither with ensure_ascii
    off)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_string(app_key: str, app_secret: str, method: str, param_json_text: str, timestamp: str) -> str:
    """secret + the five signed parameters in name order as key+value + secret (access_token is not signed)."""
    return (
        f"{app_secret}app_key{app_key}method{method}param_json{param_json_text}"
        f"timestamp{timestamp}v{API_VERSION}{app_secret}"
    )


def sign(
    app_key: str, app_secret: str, method: str, param_json_text: str, timestamp: str, sign_method: str = "md5"
) -> str:
    """Lowercase hex of md5(sign string) or hmac-sha256(key=secret, msg=sign string)."""
    text = sign_string(app_key, app_secret, method, param_json_text, timestamp).encode("utf-8")
    if sign_method == "md5":
        return hashlib.md5(text).hexdigest()
    if sign_method == "hmac-sha256":
        return hmac.new(app_secret.encode("utf-8"), text, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown Douyin sign_method {sign_method!r}; use one of {SIGN_METHODS}")


def api_path(method: str) -> str:
    """Each Douyin API has its own path, its method name with dots as slashes: order.searchList ->
    /order/searchList."""
    return "/" + method.replace(".", "/")


@dataclass(frozen=True)
class Reply:
    data: Any
    request_id: str | None


def read_envelope(body: Any, method: str | None = None) -> Reply:
    """The `data` of a successful reply, or the PlatformError its error code means (errors come in HTTP 200)."""
    if not isinstance(body, dict) or "code" not in body:
        raise PlatformError(PLATFORM, ErrorAction.RETRY, "malformed", f"no envelope in reply: {str(body)[:200]}",
                            api=method)
    log_id = body.get("log_id") or None
    try:
        code = int(body["code"])
    except (TypeError, ValueError):
        code = None
    if code == SUCCESS:
        return Reply(body.get("data"), log_id)
    raise classify(body, method)


def classify(body: dict[str, Any], method: str | None = None) -> PlatformError:
    """What to do about an error envelope: by code first, then by sub_code family; unknown codes stop."""
    raw_code = body.get("code")
    try:
        code = int(raw_code)
    except (TypeError, ValueError):
        code = None
    sub_code = str(body.get("sub_code") or "")
    sub_msg = str(body.get("sub_msg") or "")
    message = " ".join(part for part in (str(body.get("msg") or ""), sub_code, sub_msg) if part) or "no message"
    log_id = body.get("log_id") or None
    retry_after = None
    if code in _THROTTLE_CODES or "call-limited" in sub_code or "call_limited" in sub_code:
        action = ErrorAction.BACK_OFF
        retry_after = throttle_wait(sub_msg)
    elif code in _REAUTH_CODES or "access-token" in sub_code or "access_token" in sub_code:
        action = ErrorAction.REAUTHORISE
    elif code in _RETRY_CODES or sub_code.startswith("isp."):
        action = ErrorAction.RETRY
    else:  # 40004 signature, 40001 parameters, 50002 business failure, and every code we do not know
        action = ErrorAction.STOP
    return PlatformError(PLATFORM, action, str(raw_code), message, retry_after=retry_after,
                         request_id=log_id, api=method)


def throttle_wait(sub_msg: str) -> float:
    """The wait the platform asked for ("请求过于频繁，请N秒后重试"), else a few seconds."""
    match = _WAIT_IN_MESSAGE.search(sub_msg)
    return float(match.group(1)) if match else DEFAULT_THROTTLE_WAIT
