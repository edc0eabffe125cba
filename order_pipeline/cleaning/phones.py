"""Receiver phones as buyers type them, normalized to E.164 (`+8613812345678`), validated, masked.

The same buyer writes `+86 138 1234 5678` on one platform and `138-1234-5678` on another; E.164 is what makes
them one customer (the customer id is keyed on it). Chinese mobiles are nearly all CN traffic, so they take a
regex fast path (~1 µs) instead of `phonenumbers.parse` (~10-50 µs). Everything else - Shopee regions, CN
landlines such as 010-12345678 - goes through `phonenumbers`, cached on (compact digits, region) because the
same buyers come back.

Invalid phones are not errors: the order is real, so the result says why (`empty`, `too_short`, `too_long`,
`not_a_number`, `invalid_for_region`) and the pipeline flags it. No function here logs or raises with the
number in the message: the input is personal data.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from order_pipeline.cleaning.text import clean_text

# Separators buyers put between digit groups (NFKC has already folded the full-width forms).
_SEPARATORS = str.maketrans("", "", " -./()\u2010\u2011\u2012\u2013\u2014\u2212\u00b7\u30fb")
_COMPACT = re.compile(r"\+?[0-9]+", re.ASCII)
# A trailing extension ("0571-88888888转123", "... ext 12"): E.164 has no extension, so it is dropped.
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*[0-9]{1,6}$", re.IGNORECASE)
# A CN mobile after any of the prefixes buyers use for the country: +86, 0086, 86.
_CN_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})", re.ASCII)
_MAX_DIGITS = 15  # E.164
_MIN_DIGITS = 5

_POSSIBLE_REASON = {
    ValidationResult.TOO_SHORT: "too_short",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too_short",  # a landline without its area code
    ValidationResult.TOO_LONG: "too_long",
}
_PARSE_REASON = {
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_for_region",
}


class PhoneResult(NamedTuple):
    """`e164` (`+6591234567`) and `national` (the national significant number, digits only, no trunk 0) are
    set only for valid numbers; `region` is the number's own region (a HK number in a CN shop says HK);
    `reason` is None for valid numbers."""

    e164: str | None
    national: str | None
    valid: bool
    region: str | None
    reason: str | None


def _invalid(reason: str) -> PhoneResult:
    return PhoneResult(None, None, False, None, reason)


def compact_phone(raw: str | None) -> str | None:
    """The number as `+digits` or `digits` with separators and a trailing extension removed; "" when nothing
    is left, None when something other than a phone number is left (letters, stray symbols)."""
    text = clean_text(raw)
    if not text:
        return ""
    compact = text.translate(_SEPARATORS)
    if not _COMPACT.fullmatch(compact):
        compact = _EXTENSION.sub("", compact).translate(_SEPARATORS)
        if not _COMPACT.fullmatch(compact):
            return None
    if compact.startswith("00") and not compact.startswith("000"):  # international prefix typed as 00
        compact = "+" + compact[2:]
    return compact


def normalize_phone(raw: str | None, region: str | None) -> PhoneResult:
    """Normalize and validate a phone typed for a shop in `region` (ISO 3166 alpha-2: CN, SG, ID, BR, ...)."""
    compact = compact_phone(raw)
    if compact is None:
        return _invalid("not_a_number")
    if not compact:
        return _invalid("empty")
    region = (region or "CN").upper()
    if region == "CN" or compact.startswith("+86"):
        match = _CN_MOBILE.fullmatch(compact)
        if match and (region == "CN" or compact.startswith("+")):
            national = match.group(1)
            return PhoneResult("+86" + national, national, True, "CN", None)
    digits = len(compact) - compact.startswith("+")
    if region == "CN" and compact.startswith("1"):  # dialled in China, a leading 1 means a mobile: 11 digits
        return _invalid("too_short" if digits < 11 else "too_long" if digits > 11 else "invalid_for_region")
    if digits < _MIN_DIGITS:
        return _invalid("too_short")
    if digits > _MAX_DIGITS:
        return _invalid("too_long")
    return _parse(compact, region)


@functools.lru_cache(maxsize=1 << 16)
def _parse(compact: str, region: str) -> PhoneResult:
    try:
        number = phonenumbers.parse(compact, region)
    except NumberParseException as exc:
        return _invalid(_PARSE_REASON.get(exc.error_type, "not_a_number"))
    if phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.national_significant_number(number)
        return PhoneResult(e164, national, True, phonenumbers.region_code_for_number(number), None)
    possible = phonenumbers.is_possible_number_with_reason(number)
    return _invalid(_POSSIBLE_REASON.get(possible, "invalid_for_region"))


def _country_code(digits: str) -> str:
    """The calling code at the start of E.164 digits (1-3 digits, prefix-free by construction)."""
    for size in (1, 2, 3):
        if int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return digits[:size]
    return ""


def _mask_digits(digits: str, max_lead: int) -> str:
    """Last 4 digits shown, at most `max_lead` leading digits shown, at least 3 masked."""
    n = len(digits)
    lead = max(0, min(max_lead, n - 7))
    return digits[:lead] + "*" * (n - 4 - lead) + digits[-4:]


def mask_phone(phone: str | None) -> str | None:
    """A display form that identifies nobody, from an E.164 number or whatever digits a buyer typed.

    - CN mobile (with or without +86): `138****8000` - first 3 and last 4 of the national number, the masked
      form Chinese platforms themselves show.
    - Other E.164 numbers: `+<country code> ` then the national number with its last 4 digits shown, at most
      3 leading digits shown and at least 3 masked: `+65 9***4567`, `+55 219****4321`, `+86 101***5678`.
    - Anything else (invalid numbers): only the last 4 digits shown (`******4567`), and under 8 digits none
      (`******`), since 4 shown digits would be most of the number.
    None and "" give None.
    """
    compact = phone if phone and phone.startswith("+86") else compact_phone(phone)  # E.164 needs no cleaning
    if not compact:
        return None
    if cn_mobile := _CN_MOBILE.fullmatch(compact):
        national = cn_mobile.group(1)
        return f"{national[:3]}****{national[-4:]}"
    digits = compact.lstrip("+")
    if len(digits) < 8:
        return "*" * len(digits)
    if compact.startswith("+") and (code := _country_code(digits)):
        return f"+{code} {_mask_digits(digits[len(code):], 3)}"
    return _mask_digits(digits, 0)
