"""Keyed identities: one customer id per person across platforms, one address hash per delivery address.

Platforms give every shop a different buyer id (open ids are scoped per shop), so the person is recognised by
what they ship to: the normalized E.164 phone when it is valid, and otherwise their normalized name plus the
resolved address. A plain SHA-256 of a phone is worthless as protection (China's 1.3 billion mobile numbers are
enumerated in minutes), so both are HMAC-SHA256 under keys derived from `ORDER_PIPELINE_PII_KEY`: without the
key nobody can test a phone against a customer id, and rotating the key changes every id.

Each use gets its own derived key (distinct labels, the same construction as the landing digest in
landing/pii.py), so a customer id, an address hash and a landing digest of the same bytes never match.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from order_pipeline.cleaning.text import comparison_key
from order_pipeline.landing.pii import load_key

CUSTOMER_LABEL = b"order_pipeline/customer-id/v1"
ADDRESS_LABEL = b"order_pipeline/address-hash/v1"
_HEX_CHARS = 24  # 96 bits: collisions need ~2^48 customers


class CustomerKeys:
    """The two HMAC keys, derived from the 32-byte PII key; `from_env` reads `ORDER_PIPELINE_PII_KEY`."""

    def __init__(self, pii_key: bytes):
        # Keyed HMAC states computed once: `.copy()` per call skips re-deriving the pads (~25% faster).
        self._customer = hmac.new(hmac.new(pii_key, CUSTOMER_LABEL, hashlib.sha256).digest(), None, hashlib.sha256)
        self._address = hmac.new(hmac.new(pii_key, ADDRESS_LABEL, hashlib.sha256).digest(), None, hashlib.sha256)

    @classmethod
    def from_env(cls) -> CustomerKeys:
        return cls(load_key())

    def customer_id(self, phone_e164: str | None, *, name: str | None = "", province: str | None = "",
                    city: str | None = "", district: str | None = "", detail: str | None = "") -> str | None:
        """`cus_` + 24 hex digits, keyed on the valid E.164 phone when there is one (so the same phone typed
        two ways on two platforms gives one id), else on name + province + city + district + street, each
        normalized (cleaned, casefolded, whitespace and emoji dropped). Pass canonical division names and the
        street part without division names, so every platform spells them alike. None when there is nothing
        to key on."""
        if phone_e164:
            return "cus_" + _mac(self._customer, "tel", phone_e164)
        parts = [comparison_key(name), _division_key(province), _division_key(city), _division_key(district),
                 comparison_key(detail)]
        if not (parts[0] or parts[4]):  # divisions alone would merge every buyer of a district into one
            return None
        return "cus_" + _mac(self._customer, "addr", *parts)

    def address_hash(self, province: str | None, city: str | None, district: str | None,
                     detail: str | None) -> str | None:
        """`adr_` + 24 hex digits for a delivery address (canonical divisions + street part, normalized like the
        customer id); None when there is no street part."""
        parts = [_division_key(province), _division_key(city), _division_key(district), comparison_key(detail)]
        if not parts[3]:
            return None
        return "adr_" + _mac(self._address, "adr", *parts)


# Division names repeat across orders (a few thousand distinct values): their keys are cached.
_division_key = functools.lru_cache(maxsize=1 << 14)(comparison_key)


def _mac(keyed: hmac.HMAC, kind: str, *parts: str) -> str:
    """HMAC over a kind tag and the parts, unambiguously framed (a unit separator cannot occur in cleaned text)."""
    mac = keyed.copy()
    mac.update("\x1f".join((kind, *parts)).encode("utf-8"))
    return mac.hexdigest()[:_HEX_CHARS]
