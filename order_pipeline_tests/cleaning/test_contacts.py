"""ContactCleaner on landed payloads: encrypted exactly as the adapters encrypt them, extracted with DuckDB
exactly as the loader extracts them, cleaned into rows that hold no personal data in clear."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from order_pipeline.cleaning.contacts import CONTACT_FIELDS, ENCRYPTED, OUTPUT_KEYS, ContactCleaner, reveal
from order_pipeline.cleaning.customers import CustomerKeys
from order_pipeline.landing.pii import PiiCipher, load_key, new_key
from order_pipeline.platforms import adapter_class

# Receivers modelled on the sample landing zone (dirty spellings included), with made-up people.
TAOBAO = {
    "tid": 1251353444532767821, "status": "WAIT_SELLER_SEND_GOODS", "payment": "369.00",
    "receiver_name": "\ufeff赖勇", "receiver_mobile": "157-4228-5151", "receiver_phone": "",
    "receiver_state": "湖南省", "receiver_city": "长沙市", "receiver_district": "岳麓区", "receiver_town": "橘子洲街道",
    "receiver_address": "滨江大道612号万科城30幢4单元2104室", "receiver_zip": "410006",
    "buyer_nick": "t***1", "buyer_message": "",
}
JD = {
    "orderId": "216337243091", "orderState": "WAIT_SELLER_STOCK_OUT", "orderRemark": "",
    "consigneeInfo": {
        "fullname": "赖\u200b勇", "mobile": "+86 157 4228 5151", "telephone": "",
        "province": "湖南", "provinceId": "17239", "city": "长沙", "cityId": "75553",
        "county": "岳麓区", "countyId": "21866", "town": "橘子洲街道", "townId": "13459",
        "fullAddress": "湖南省长沙市岳麓区橘子洲街道滨江大道6\t12号万科城30幢4单元2104室",
    },
}
DOUYIN = {
    "order_id": "6977979722363101269", "order_status": 3, "mask_post_receiver": "段*", "mask_post_tel": "189****3729",
    "post_receiver": "段超✨", "post_tel": "１８９９５４７３７２９",
    "post_addr": {"province": {"name": "浙江省", "id": "642135"}, "city": {"name": "杭州市", "id": "169542"},
                  "town": {"name": "", "id": ""}, "street": {"name": "西溪街道", "id": "516002"},
                  "detail": "西湖区文三路 90 号🏠", "encrypt_detail": "#b0c1#"},
    "doudian_open_id": "1@#abc", "buyer_words": "",
}
SHOPEE = {
    "order_sn": "2611187B1MGDZQ", "region": "SG", "order_status": "SHIPPED", "message_to_seller": "",
    "buyer_username": "aisyah.o", "buyer_user_id": 123456789,
    "recipient_address": {
        "name": "Aisyah\u2060 Ong", "phone": "+65-92106481", "town": "Tampines", "district": "Tampines",
        "city": "Singapore", "state": "Singapore", "region": "SG", "zipcode": "520456",
        "full_address": "Blk 322 Ang Mo Kio Avenue 3, #06-140, Tampines, Tampines, Singapore, Singapore, 520456",
    },
}
PAYLOADS = {"taobao": TAOBAO, "jd": JD, "douyin": DOUYIN, "shopee": SHOPEE}
REGIONS = {"taobao": "CN", "jd": "CN", "douyin": "CN", "shopee": "SG"}
PLAINTEXTS = {  # what must never appear in a cleaned row
    "taobao": ["赖勇", "15742285151", "4228", "滨江大道"],
    "jd": ["赖勇", "赖\u200b勇", "15742285151", "滨江大道"],
    "douyin": ["段超", "18995473729", "１８９９５４７３７２９", "文三路"],
    "shopee": ["Aisyah", "Ong", "92106481", "Ang Mo Kio", "Blk 322"],
}


@pytest.fixture
def cipher() -> PiiCipher:
    return PiiCipher.from_env()  # the per-test key set by the autouse fixture in order_pipeline_tests/conftest.py


@pytest.fixture
def cleaner(cipher) -> ContactCleaner:
    return ContactCleaner(cipher, CustomerKeys.from_env())


def land(cipher: PiiCipher, platform: str, payload: dict[str, Any]) -> str:
    """The payload as the landing zone stores it: the adapter's PII paths encrypted, serialized to JSON."""
    return json.dumps(cipher.encrypt_paths(payload, adapter_class(platform).pii_paths["orders"]), ensure_ascii=False)


def extract(platform: str, landed: str) -> dict[str, str | None]:
    """The receiver fields as the loader extracts them: json_extract_string at `$.` + CONTACT_FIELDS path."""
    names = list(CONTACT_FIELDS[platform])
    con = duckdb.connect()
    con.execute("create table orders as select ?::VARCHAR as payload", [landed])
    row = con.execute(f"select {', '.join('json_extract_string(payload, ?)' for _ in names)} from orders",
                      ["$." + CONTACT_FIELDS[platform][n] for n in names]).fetchone()
    return dict(zip(names, row, strict=True))


def clean(cleaner: ContactCleaner, platform: str, payload: dict[str, Any]) -> tuple[dict, dict]:
    fields = extract(platform, land(cleaner.cipher, platform, payload))
    return cleaner.clean(platform, REGIONS[platform], fields), fields


def test_contact_fields_are_encrypted_exactly_where_the_adapters_encrypt():
    for platform, paths in CONTACT_FIELDS.items():
        sealed = {".".join(path) for path in adapter_class(platform).pii_paths["orders"]}
        for field, path in paths.items():
            assert (path in sealed) == (field in ENCRYPTED), (platform, field, path)


@pytest.mark.parametrize("platform", sorted(PAYLOADS))
def test_rows_hold_no_plaintext_and_keep_the_landing_ciphertexts(cleaner, platform):
    row, fields = clean(cleaner, platform, PAYLOADS[platform])
    assert set(row) == set(OUTPUT_KEYS) and row["quarantine_reason"] is None
    assert row["name_cipher"] == fields["name"] and row["name_cipher"].startswith("enc:v1:")
    assert row["phone_cipher"] == fields["phone"] and row["address_cipher"] == fields["detail"]
    values = [v for v in row.values() if isinstance(v, str)]
    for secret in PLAINTEXTS[platform]:
        assert not any(secret in v for v in values), secret
    revealed = reveal(cleaner.cipher, row["name_cipher"], row["phone_cipher"], row["address_cipher"], platform)
    payload = PAYLOADS[platform]
    if platform == "taobao":
        assert revealed == {"name": payload["receiver_name"], "phone": payload["receiver_mobile"],
                            "address": payload["receiver_address"]}
    elif platform == "shopee":
        assert revealed["address"] == payload["recipient_address"]["full_address"]


def test_taobao_row(cleaner):
    row, _ = clean(cleaner, "taobao", TAOBAO)
    assert row["receiver_name_masked"] == "赖*" and row["phone_masked"] == "157****5151"
    assert (row["phone_valid"], row["phone_region"], row["phone_invalid_reason"]) == (True, "CN", None)
    assert (row["province"], row["city"], row["district"]) == ("湖南省", "长沙市", "岳麓区")
    assert (row["postcode"], row["postcode_valid"], row["address_valid"], row["remote_area"]) == (
        "410006", True, True, False)
    assert row["customer_id"].startswith("cus_") and row["address_hash"].startswith("adr_")


def test_same_buyer_on_taobao_and_jd_is_one_customer_at_one_address(cleaner):
    taobao, _ = clean(cleaner, "taobao", TAOBAO)
    jd, _ = clean(cleaner, "jd", JD)
    assert jd["customer_id"] == taobao["customer_id"], "same phone, spelled differently"
    assert jd["address_hash"] == taobao["address_hash"], "JD's full address line minus its divisions, tab removed"
    assert (jd["province"], jd["city"], jd["district"]) == ("湖南省", "长沙市", "岳麓区"), "abbreviations resolved"
    assert jd["postcode"] is None and jd["postcode_valid"] is None, "JD has no postcode field"


def test_douyin_district_from_the_street_text_and_full_width_phone(cleaner):
    row, _ = clean(cleaner, "douyin", DOUYIN)
    assert (row["province"], row["city"], row["district"], row["address_valid"]) == ("浙江省", "杭州市", "西湖区", True)
    assert row["phone_valid"] and row["phone_masked"] == "189****3729"
    assert row["receiver_name_masked"] == "段*"
    assert row["postcode_valid"] is None


def test_shopee_row(cleaner):
    row, _ = clean(cleaner, "shopee", SHOPEE)
    assert (row["phone_valid"], row["phone_region"], row["phone_masked"]) == (True, "SG", "+65 9***6481")
    assert row["receiver_name_masked"] == "A*** O***"
    assert (row["province"], row["city"], row["district"], row["postcode"]) == (
        "Singapore", "Singapore", "Tampines", "520456")
    assert row["postcode_valid"] and row["address_valid"] and not row["remote_area"]


def test_shopee_region_falls_back_to_the_payload(cleaner):
    fields = extract("shopee", land(cleaner.cipher, "shopee", SHOPEE))
    assert cleaner.clean("shopee", "", fields)["phone_region"] == "SG"


def test_a_tampered_ciphertext_is_quarantined(cleaner):
    fields = extract("taobao", land(cleaner.cipher, "taobao", TAOBAO))
    token = fields["phone"]
    fields["phone"] = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    row = cleaner.clean("taobao", "CN", fields)
    assert row["quarantine_reason"] == "undecryptable:phone"
    assert all(row[k] is None for k in OUTPUT_KEYS if k != "quarantine_reason"), "no cleaned values"


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(cleaner):
    fields = extract("taobao", land(cleaner.cipher, "taobao", TAOBAO))
    fields["phone"] = fields["name"]
    assert cleaner.clean("taobao", "CN", fields)["quarantine_reason"] == "undecryptable:phone"


def test_a_different_key_cannot_read_the_landing(cleaner):
    fields = extract("jd", land(cleaner.cipher, "jd", JD))
    stranger = ContactCleaner(PiiCipher(load_key(new_key())), CustomerKeys.from_env())
    assert stranger.clean("jd", "CN", fields)["quarantine_reason"] == "undecryptable:name"


def test_clear_personal_data_is_not_copied_on(cleaner):
    fields = extract("taobao", land(cleaner.cipher, "taobao", TAOBAO))
    fields["phone"] = "15742285151"
    row = cleaner.clean("taobao", "CN", fields)
    assert row["quarantine_reason"] == "unencrypted:phone" and row["phone_cipher"] is None


def test_no_receiver_at_all_is_quarantined(cleaner):
    empty = {field: None for field in CONTACT_FIELDS["jd"]}
    assert cleaner.clean("jd", "CN", empty)["quarantine_reason"] == "no_receiver"
    blank = {field: "" for field in CONTACT_FIELDS["taobao"]}
    assert cleaner.clean("taobao", "CN", blank)["quarantine_reason"] == "no_receiver"


def test_divisions_without_a_person_are_kept_without_a_customer(cleaner):
    """Douyin's list call carries masked receivers only: the divisions are real, the person unknown."""
    listed = {**DOUYIN, "post_receiver": None, "post_tel": None,
              "post_addr": {**DOUYIN["post_addr"], "detail": "****"}}
    del listed["post_receiver"], listed["post_tel"]
    row, _ = clean(cleaner, "douyin", listed)
    assert row["quarantine_reason"] is None and (row["province"], row["city"]) == ("浙江省", "杭州市")
    assert row["customer_id"] is None and row["address_hash"] is None, "a masked **** street identifies nobody"
    masked_name, _ = clean(cleaner, "douyin", {**listed, "post_receiver": "段*", "post_tel": "189****3729"})
    assert masked_name["customer_id"] is None and masked_name["receiver_name_masked"] is None
    assert (masked_name["phone_valid"], masked_name["phone_invalid_reason"]) == (False, "not_a_number")


def test_an_invalid_phone_is_flagged_not_quarantined(cleaner):
    row, _ = clean(cleaner, "taobao", {**TAOBAO, "receiver_mobile": "1574228515"})
    assert row["quarantine_reason"] is None
    assert (row["phone_valid"], row["phone_invalid_reason"], row["phone_region"]) == (False, "too_short", None)
    assert row["phone_masked"] == "******8515"
    valid, _ = clean(cleaner, "taobao", TAOBAO)
    assert row["customer_id"].startswith("cus_") and row["customer_id"] != valid["customer_id"], (
        "keyed on name and address instead"
    )
    assert row["address_hash"] == valid["address_hash"]


def test_an_address_without_district_is_flagged_not_quarantined(cleaner):
    row, _ = clean(cleaner, "jd", {**JD, "consigneeInfo": {**JD["consigneeInfo"], "county": "",
                                                           "fullAddress": "湖南省长沙市橘子洲街道滨江大道612号"}})
    assert row["quarantine_reason"] is None
    assert (row["district"], row["address_valid"]) == (None, False)


def test_the_landline_is_used_when_the_mobile_is_empty(cleaner):
    row, fields = clean(cleaner, "taobao", {**TAOBAO, "receiver_mobile": "", "receiver_phone": "0731-8888-6666"})
    assert (row["phone_valid"], row["phone_masked"]) == (True, "+86 731****6666")
    assert row["phone_cipher"] == fields["phone_fallback"]
    revealed = reveal(cleaner.cipher, row["name_cipher"], row["phone_cipher"], row["address_cipher"], "taobao")
    assert revealed["phone"] == "0731-8888-6666"


def test_reveal_refuses_without_showing_content(cleaner):
    row, _ = clean(cleaner, "jd", JD)
    other = PiiCipher(load_key(new_key()))
    with pytest.raises(ValueError, match="name ciphertext") as excinfo:
        reveal(other, row["name_cipher"], row["phone_cipher"], row["address_cipher"], "jd")
    assert "赖" not in str(excinfo.value)
    assert reveal(cleaner.cipher, None, None, None, "jd") == {"name": None, "phone": None, "address": None}


def test_unknown_platform_is_a_programming_error(cleaner):
    with pytest.raises(ValueError, match="unknown platform"):
        cleaner.clean("amazon", "US", {})
