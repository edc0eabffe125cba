"""One person, one keyed id across platforms; different people and different keys give different ids."""

from __future__ import annotations

import re

from order_pipeline.cleaning.customers import CustomerKeys
from order_pipeline.cleaning.phones import normalize_phone
from order_pipeline.landing.pii import load_key, new_key

_ID = re.compile(r"cus_[0-9a-f]{24}")
_ADDRESS = re.compile(r"adr_[0-9a-f]{24}")


def test_same_phone_written_two_ways_is_one_customer():
    keys = CustomerKeys.from_env()
    on_taobao = normalize_phone("138-1234-5678", "CN").e164
    on_jd = normalize_phone("+86 138 1234 5678", "CN").e164
    a = keys.customer_id(on_taobao, name="张三", province="浙江省", city="杭州市", district="西湖区", detail="a")
    b = keys.customer_id(on_jd, name="张三丰", province="北京市", city="北京市", district="朝阳区", detail="b")
    assert a == b and _ID.fullmatch(a)


def test_different_phones_are_different_customers():
    keys = CustomerKeys.from_env()
    assert keys.customer_id("+8613812345678") != keys.customer_id("+8613812345679")


def test_a_different_key_gives_different_ids():
    phone = "+8613812345678"
    assert CustomerKeys(load_key(new_key())).customer_id(phone) != CustomerKeys.from_env().customer_id(phone)
    assert CustomerKeys.from_env().customer_id(phone) == CustomerKeys.from_env().customer_id(phone), "stable"


def test_the_id_is_not_a_plain_hash_and_not_the_address_hash():
    keys = CustomerKeys.from_env()
    cid = keys.customer_id("+8613812345678")
    assert "13812345678" not in cid
    assert keys.address_hash("+8613812345678", "", "", "x")[4:] != cid[4:]


def test_without_a_valid_phone_the_name_and_address_identify():
    keys = CustomerKeys.from_env()
    typed_one_way = keys.customer_id(None, name="张三", province="浙江省", city="杭州市", district="西湖区",
                                     detail="文三路90号")
    typed_another = keys.customer_id(None, name=" 张\u200b三 ", province="浙江省", city="杭州市", district="西湖区",
                                     detail="文三路 90 号🏠")
    assert typed_one_way == typed_another and _ID.fullmatch(typed_one_way)
    assert typed_one_way != keys.customer_id(None, name="李四", province="浙江省", city="杭州市",
                                             district="西湖区", detail="文三路90号")
    assert typed_one_way != keys.customer_id("+8613812345678")
    assert keys.customer_id(None, province="浙江省", city="杭州市", district="西湖区") is None, (
        "divisions alone would merge every buyer of a district"
    )


def test_address_hash():
    keys = CustomerKeys.from_env()
    h = keys.address_hash("浙江省", "杭州市", "西湖区", "文三路90号")
    assert _ADDRESS.fullmatch(h)
    assert h == keys.address_hash("浙江省", "杭州市", "西湖区", "文三路 90 号")
    assert h != keys.address_hash("浙江省", "杭州市", "余杭区", "文三路90号")
    assert keys.address_hash("浙江省", "杭州市", "西湖区", "") is None
