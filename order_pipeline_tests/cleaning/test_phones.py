"""Phones as buyers type them normalize to one E.164 number; invalid ones say why; masks hide the middle."""

from __future__ import annotations

import pytest

from order_pipeline.cleaning.phones import mask_phone, normalize_phone

CN_SPELLINGS = [
    "+86 138 1234 5678", "138-1234-5678", "86-13812345678", "0086 13812345678", "+8613812345678",
    " 138 12345678 ", "13812345678", "１３８１２３４５６７８", "138１２３４５６７８", "+86 (138) 1234-5678",
    "1\u200b38\ufeff1234\u00ad5678", "\x07138 1234\u20605678\t", "＋８６－１３８－１２３４－５６７８",
]


@pytest.mark.parametrize("raw", CN_SPELLINGS)
def test_cn_mobiles_typed_any_way_are_one_number(raw):
    result = normalize_phone(raw, "CN")
    assert result.valid and result.reason is None
    assert result.e164 == "+8613812345678"
    assert result.national == "13812345678"
    assert result.region == "CN"


@pytest.mark.parametrize(
    ("raw", "region", "e164", "number_region"),
    [
        ("+65 9123 4567", "SG", "+6591234567", "SG"),
        ("6591234567", "SG", "+6591234567", "SG"),
        ("+65-92106481", "SG", "+6592106481", "SG"),
        ("0065 9123 4567", "SG", "+6591234567", "SG"),
        ("081234567890", "ID", "+6281234567890", "ID"),
        ("(62) 81219266445", "ID", "+6281219266445", "ID"),
        ("６２８１３９１６１８９１２", "ID", "+6281391618912", "ID"),
        ("+55 21 98765-4321", "BR", "+5521987654321", "BR"),
        ("5511990171863", "BR", "+5511990171863", "BR"),
        ("+60 12-345 6789", "MY", "+60123456789", "MY"),
        ("0812345678", "TH", "+66812345678", "TH"),
        ("0912345678", "VN", "+84912345678", "VN"),
        ("09171234567", "PH", "+639171234567", "PH"),
        ("0912345678", "TW", "+886912345678", "TW"),
        ("+52 55 1234 5678", "MX", "+525512345678", "MX"),
        ("+86 138 1234 5678", "SG", "+8613812345678", "CN"),  # a foreign number in a shop is still valid
        ("010-12345678", "CN", "+861012345678", "CN"),  # landlines are valid, just not mobile
        ("0571-8888-8888", "CN", "+8657188888888", "CN"),
        ("0571-88888888转123", "CN", "+8657188888888", "CN"),  # the extension is dropped
    ],
)
def test_other_regions_and_landlines_go_through_phonenumbers(raw, region, e164, number_region):
    result = normalize_phone(raw, region)
    assert (result.valid, result.e164, result.region, result.reason) == (True, e164, number_region, None)


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        (None, "CN", "empty"), ("", "CN", "empty"), ("  \u200b ", "CN", "empty"),
        ("123", "CN", "too_short"), ("1381234567", "CN", "too_short"), ("65 1234", "SG", "too_short"),
        ("138123456789", "CN", "too_long"), ("1234567890123456", "SG", "too_long"),
        ("abc", "CN", "not_a_number"), ("138abc45678", "CN", "not_a_number"), ("N/A", "SG", "not_a_number"),
        ("12812345678", "CN", "invalid_for_region"), ("+999 1234567", "SG", "invalid_for_region"),
        ("13812345678", "SG", "invalid_for_region"),  # a CN mobile without +86 is not a Singapore number
    ],
)
def test_invalid_phones_say_why(raw, region, reason):
    result = normalize_phone(raw, region)
    assert not result.valid
    assert result.reason == reason
    assert result.e164 is None and result.national is None and result.region is None


def test_masks():
    assert mask_phone("+8613812348000") == "138****8000"
    assert mask_phone("138-1234-8000") == "138****8000"
    assert mask_phone("+6591234567") == "+65 9***4567"
    assert mask_phone("+5521987654321") == "+55 219****4321"
    assert mask_phone("+861012345678") == "+86 101***5678"
    assert mask_phone("12812345678") == "*******5678", "invalid numbers show the last 4 digits only"
    assert mask_phone("65 1234") == "******", "short numbers are masked entirely"
    assert mask_phone(None) is None and mask_phone("") is None and mask_phone("abc") is None


def test_errors_never_carry_the_number():
    """A phone nobody can parse produces a reason, not an exception with the digits in it."""
    for raw in ("+", "++86", "+0", "0" * 30, "+86 " + "9" * 20, "\x00\x01"):
        result = normalize_phone(raw, "CN")
        assert not result.valid and result.reason
