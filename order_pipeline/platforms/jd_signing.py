"""JD Open Platform (JOS) request signing, as `docs/platform-api.md` states it.

The business parameters travel as one JSON string, `360buy_param_json`; the signed parameters are that string
plus `access_token, app_key, method, timestamp, v`, sorted by name and concatenated as `key + value`, wrapped
with the app secret on both sides: `upper(hex(md5(secret + concat + secret)))`. `sign_method` and `sign` are not
signed. The JSON is compact and key-sorted so the string signed is exactly the string sent (JOS verifies the
bytes it received, so any serialisation works as long as both are the same one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

SIGNED_PARAMS = ("360buy_param_json", "access_token", "app_key", "method", "timestamp", "v")


def param_json(business: Mapping[str, object]) -> str:
    """The `360buy_param_json` value: compact, keys sorted, non-ASCII kept as UTF-8."""
    return json.dumps(business, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signing_string(params: Mapping[str, object]) -> str:
    return "".join(
        f"{key}{params[key]}" for key in sorted(SIGNED_PARAMS) if params.get(key) not in (None, "")
    )


def sign(params: Mapping[str, object], secret: str) -> str:
    """The `sign` parameter: md5 over the signed parameters wrapped with the secret, upper-case hex."""
    return hashlib.md5(f"{secret}{signing_string(params)}{secret}".encode()).hexdigest().upper()


def signed(params: Mapping[str, object], secret: str) -> dict[str, str]:
    """`params` as strings with `sign_method=md5` and `sign` added: ready to POST to `/routerjson`."""
    form = {key: str(value) for key, value in params.items() if value not in (None, "")}
    form["sign_method"] = "md5"
    form["sign"] = sign(form, secret)
    return form
