"""Taobao Open Platform (TOP) request signing, as `docs/platform-api.md` states it.

Every parameter except `sign` (and file uploads, which we never send) is sorted by name and concatenated as
`key + value`; empty values are skipped, as the official SDKs skip them, so the server (which treats them as
absent) signs the same string. Then:
  md5          upper(hex(md5(secret + concat + secret)))
  hmac         upper(hex(hmac_md5(key=secret, msg=concat)))
  hmac-sha256  upper(hex(hmac_sha256(key=secret, msg=concat)))
UTF-8 throughout. Kept apart from the adapter so the algorithm can be pinned by published test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGN_METHODS = ("md5", "hmac", "hmac-sha256")


def signing_string(params: Mapping[str, object]) -> str:
    """The sorted `key + value` concatenation (sign and empty values excluded)."""
    return "".join(
        f"{key}{value}" for key, value in sorted(params.items()) if key != "sign" and value not in (None, "")
    )


def sign(params: Mapping[str, object], secret: str, sign_method: str = "md5") -> str:
    """The `sign` parameter for `params` (which should carry `sign_method` itself: it is signed too)."""
    concat = signing_string(params).encode("utf-8")
    key = secret.encode("utf-8")
    if sign_method == "md5":
        return hashlib.md5(key + concat + key).hexdigest().upper()
    if sign_method == "hmac":
        return hmac.new(key, concat, hashlib.md5).hexdigest().upper()
    if sign_method == "hmac-sha256":
        return hmac.new(key, concat, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown TOP sign_method {sign_method!r}; expected one of {SIGN_METHODS}")


def signed(params: Mapping[str, object], secret: str, sign_method: str = "md5") -> dict[str, str]:
    """`params` as strings, empties dropped, with `sign_method` and `sign` added: ready to POST."""
    form = {key: _text(value) for key, value in params.items() if value not in (None, "")}
    form["sign_method"] = sign_method
    form["sign"] = sign(form, secret, sign_method)
    return form


def _text(value: object) -> str:
    """Booleans as TOP spells them (`true`/`false`), everything else as its string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
