"""CN addresses resolve against the NBS gazetteer; Shopee ones are checked for shape; names mask."""

from __future__ import annotations

import pytest

from order_pipeline.cleaning.addresses import (
    REMOTE_PROVINCES,
    is_remote,
    mask_name,
    postcode_valid,
    split_cn_address,
    split_local_address,
)
from order_pipeline.cleaning.gazetteer import gazetteer
from order_pipeline.simulator.people import CN_DIVISIONS


def _divisions(address):
    return address.province, address.city, address.district


def test_clean_platform_fields_resolve_as_sent():
    a = split_cn_address("浙江省", "杭州市", "西湖区", "解放路849号世纪新城23幢4单元1001室", "西溪街道")
    assert _divisions(a) == ("浙江省", "杭州市", "西湖区")
    assert a.valid and not a.remote
    assert a.detail == "解放路849号世纪新城23幢4单元1001室"


def test_abbreviated_names_are_canonicalized():
    assert _divisions(split_cn_address("浙江", "杭州", "西湖", "文三路90号")) == ("浙江省", "杭州市", "西湖区")
    assert _divisions(split_cn_address("内蒙古", "呼和浩特", "新城区", "x")) == ("内蒙古自治区", "呼和浩特市", "新城区")
    assert _divisions(split_cn_address("新疆", "伊犁", "伊宁市", "x"))[:2] == ("新疆维吾尔自治区", "伊犁哈萨克自治州")
    assert split_cn_address("吉林", "延边", "延吉市", "x").city == "延边朝鲜族自治州"
    assert split_cn_address("上海", "上海", "浦东", "x").district == "浦东新区"


def test_missing_district_is_found_in_the_street_text_of_the_given_city():
    a = split_cn_address("浙江省", "杭州市", "", "西湖区文三路 90 号")
    assert _divisions(a) == ("浙江省", "杭州市", "西湖区") and a.valid
    assert a.detail == "文三路 90 号", "the district found in the street text is stripped from it"
    # constrained to the city: 朝阳区 is a Beijing district, not a Hangzhou one
    b = split_cn_address("浙江省", "杭州市", "", "朝阳区文三路 90 号")
    assert b.district is None and not b.valid


def test_missing_district_nowhere_to_be_found_is_invalid_but_kept():
    a = split_cn_address("上海市", "上海市", "", "上海市上海市田林街道滨江大道985号", "田林街道")
    assert _divisions(a) == ("上海市", "上海市", None)
    assert not a.valid
    assert a.detail == "滨江大道985号"


def test_missing_city_is_inferred_from_a_district_unique_in_the_province():
    assert _divisions(split_cn_address("浙江省", "", "西湖区", "x")) == ("浙江省", "杭州市", "西湖区")
    # 鼓楼区 exists in several 江苏 cities (南京, 徐州): no guess
    ambiguous = split_cn_address("江苏省", "", "鼓楼区", "x")
    assert ambiguous.city is None and not ambiguous.valid


@pytest.mark.parametrize("city", ["北京市", "北京", "市辖区", ""])
def test_municipalities_are_their_own_city(city):
    a = split_cn_address("北京市", city, "朝阳区", "北京市北京市朝阳区望京街道科技园路474号", "望京街道")
    assert _divisions(a) == ("北京市", "北京市", "朝阳区") and a.valid
    assert a.detail == "科技园路474号"


def test_a_municipality_without_city_or_district_still_has_its_city():
    a = split_cn_address("天津", "", "", "卫津路92号")
    assert _divisions(a) == ("天津市", "天津市", None) and not a.valid


def test_chongqing_counties_belong_to_the_municipality():
    assert _divisions(split_cn_address("重庆市", "县", "忠县", "x")) == ("重庆市", "重庆市", "忠县")
    assert split_cn_address("重庆市", "重庆市", "渝北区", "x").valid


def test_wrong_district_for_the_city_is_invalid():
    a = split_cn_address("浙江省", "杭州市", "朝阳区", "x路1号")
    assert not a.valid
    assert a.district == "朝阳区", "kept as sent, so the row shows what was wrong"


def test_city_of_another_province_is_invalid():
    assert not split_cn_address("浙江省", "南京市", "鼓楼区", "x").valid
    assert not split_cn_address("XX省", "杭州市", "西湖区", "x").valid


def test_cities_without_districts_are_valid_with_a_town():
    a = split_cn_address("广东省", "东莞市", "东城街道", "广东省东莞市东城街道东城街道学院路187号", "东城街道")
    assert _divisions(a) == ("广东省", "东莞市", "东城街道") and a.valid
    assert a.detail == "学院路187号"
    b = split_cn_address("湖北省", "省直辖县级行政区划", "仙桃市", "沙嘴街道x路")
    assert (b.city, b.district, b.valid) == ("仙桃市", None, True)


def test_every_simulator_division_is_valid_and_remote_where_expected():
    for province, city, district, _town, _zip in CN_DIVISIONS:
        a = split_cn_address(province, city, district, "x路1号")
        assert a.valid, (province, city, district)
        assert a.remote == (province in REMOTE_PROVINCES)
    assert split_cn_address("西藏自治区", "拉萨市", "城关区", "x").remote
    assert split_cn_address("甘肃", "兰州", "城关区", "x").remote


def test_gazetteer_shape():
    g = gazetteer()
    assert len(g.provinces) == 34
    zhejiang = g.province("浙江")
    assert zhejiang is not None and zhejiang.code == "330000"
    hangzhou = g.child(zhejiang, "杭州市")
    assert hangzhou is not None and g.child(hangzhou, "西湖区").code == "330106"


@pytest.mark.parametrize(
    ("postcode", "region", "valid"),
    [
        ("310013", "CN", True), ("010050", "CN", True), (" 100 102 ", "CN", True), ("000000", "CN", False),
        ("31001", "CN", False), ("9310013", "CN", False), ("", "CN", False), (None, "CN", False),
        ("560123", "SG", True), ("56012", "SG", False),
        ("12190", "ID", True), ("1219", "ID", False), ("02190", "ID", False),
        ("22070-011", "BR", True), ("22070011", "BR", True), ("2207-0011", "BR", False),
        ("50450", "MY", True), ("10110", "TH", True), ("100000", "VN", True), ("10000", "VN", True),
        ("1000", "PH", True), ("100", "TW", True), ("10048", "TW", True), ("06600", "MX", True),
    ],
)
def test_postcode_patterns(postcode, region, valid):
    assert postcode_valid(postcode, region) is valid


def test_postcode_of_an_unknown_region_is_unknown():
    assert postcode_valid("12345", "ZZ") is None


def test_shopee_addresses_strip_the_repeated_divisions():
    a = split_local_address("SG", "Singapore", "Singapore", "Bedok",
                            "Blk 130 Bukit Timah Road, #13-128, Bedok North, Bedok, Singapore, Singapore, 460213",
                            "Bedok North", "460213")
    assert (a.province, a.city, a.district, a.detail) == ("Singapore", "Singapore", "Bedok",
                                                           "Blk 130 Bukit Timah Road, #13-128")
    assert a.valid and not a.remote
    b = split_local_address("ID", "Jawa Timur", "KOTA SURABAYA", "", "Jl. M\u200derdeka No. 23, RT 07/R\x1fW 08, "
                            "Airlangga, KOTA SURABAYA, Jawa Timur, 60286", "Airlangga", "60286")
    assert b.detail == "Jl. Merdeka No. 23, RT 07/RW 08" and b.district is None
    assert b.valid, "districts are optional outside China"
    assert not split_local_address("BR", "Paraná", "Curitiba", "Batel", "Rua Augusta, 694", "", "8042").valid


def test_remote_states_outside_china_are_none_by_default():
    assert not is_remote("ID", "Papua")
    assert not is_remote("CN", None)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"), ("张三丰", "张**"), ("张", "*"), ("欧阳娜娜", "欧***"), ("\ufeff赖勇", "赖*"),
        ("\x1f郝诗\x07涵", "郝**"), ("段超✨", "段*"), ("John Smith", "J*** S***"), ("wei ming tan", "w*** m*** t***"),
        ("João", "J***"), ("", None), (None, None), ("\u200b", None),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked
