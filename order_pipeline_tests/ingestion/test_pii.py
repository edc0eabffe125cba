"""Personal fields are sealed with AES-256-GCM, bound to their field, and readable only with the key."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from order_pipeline.landing.pii import PREFIX, PiiCipher, PiiKeyError, load_key, new_key


@pytest.fixture
def cipher() -> PiiCipher:
    return PiiCipher(load_key(new_key()))


def test_encrypt_paths_seals_every_named_field_and_nothing_else(cipher):
    record = {
        "receiver_name": "张三", "receiver_mobile": "13800138000", "receiver_state": "浙江省",
        "consignee": {"mobile": 13900139000, "fullname": ""},
        "items": [{"buyer": "李四", "sku": "A1"}, {"buyer": "王五", "sku": "B2"}],
    }
    paths = [("receiver_name",), ("receiver_mobile",), ("consignee", "mobile"), ("consignee", "fullname"),
             ("items", "*", "buyer"), ("absent", "field")]
    sealed = cipher.encrypt_paths(record, paths)

    assert record["receiver_name"] == "张三", "the input record is not modified"
    assert record["consignee"]["mobile"] == 13900139000 and record["items"][0]["buyer"] == "李四", "nor nested"
    for path in paths[:3]:
        node = sealed
        for key in path:
            node = node[key]
        assert str(node).startswith(PREFIX)
    assert sealed["consignee"]["fullname"] == "", "empty values stay empty"
    assert sealed["receiver_state"] == "浙江省" and [i["sku"] for i in sealed["items"]] == ["A1", "B2"]
    assert cipher.decrypt(sealed["items"][1]["buyer"], "items.*.buyer") == "王五"
    assert cipher.decrypt(sealed["consignee"]["mobile"], "consignee.mobile") == "13900139000"
    serialized = repr(sealed)
    for secret in ("张三", "13800138000", "13900139000", "李四", "王五"):
        assert secret not in serialized


def test_ciphertext_is_bound_to_its_field_and_key(cipher):
    token = cipher.encrypt("13800138000", "receiver_mobile")
    assert cipher.encrypt("13800138000", "receiver_mobile") != token, "fresh nonce per value"
    with pytest.raises(InvalidTag):
        cipher.decrypt(token, "receiver_name")
    with pytest.raises(InvalidTag):
        PiiCipher(load_key(new_key())).decrypt(token, "receiver_mobile")


def test_key_must_be_32_bytes_of_base64(monkeypatch):
    monkeypatch.delenv("ORDER_PIPELINE_PII_KEY", raising=False)
    with pytest.raises(PiiKeyError, match="not set"):
        load_key()
    with pytest.raises(PiiKeyError, match="32 bytes"):
        load_key("c2hvcnQ=")
    with pytest.raises(PiiKeyError, match="base64"):
        load_key("not base64!!")
