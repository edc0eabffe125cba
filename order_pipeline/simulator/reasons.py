"""Why buyers ask for their money back: each platform's reason code and the buyer's own words.

Returns attribution (F11) maps platform codes and free text to one taxonomy. To make that a real test, the
simulator draws a hidden cause from the same taxonomy, then renders it the way each platform would: Taobao,
JD and Douyin as their own Chinese reason labels, Shopee as its reason enum, and the buyer's text varied
(different wording, a polite or impatient tail, sometimes nothing at all), in English, Indonesian or
Portuguese for Shopee regions outside China.
"""

from __future__ import annotations

import random

# cause -> (taobao label, jd label, douyin label, shopee code)
CODES = {
    "size_fit": ("尺码拍错/不喜欢/效果不好", "尺码不合适", "尺码不合适", "EXPECTATION_FAILED"),
    "quality": ("质量问题", "商品质量问题", "质量问题", "FUNCTIONAL_DMG"),
    "wrong_item": ("卖家发错货", "发错货", "商家发错货", "WRONG_ITEM"),
    "not_as_described": ("描述不符", "商品与描述不符", "商品与页面描述不符", "DIFFERENT_DESCRIPTION"),
    "damaged_in_transit": ("包装/商品破损/污渍", "运输途中损坏", "商品破损/污渍", "PHYSICAL_DMG"),
    "no_reason_7day": ("七天无理由退换货", "七天无理由退货", "七天无理由退货", "CHANGE_MIND"),
    "changed_mind": ("我不想要了", "不想要了", "不想要了", "CHANGE_MIND"),
    "missing_part": ("少件/漏发", "少件/漏发", "少件/漏发", "ITEM_MISSING"),
    "late_delivery": ("未按约定时间发货", "未按约定时间发货", "商家发货慢", "NOT_RECEIPT"),
    "other": ("其他", "其他", "其他", "OTHER"),
}
ZH = {
    "size_fit": [
        "尺码偏小，穿不上",
        "尺码偏大，换小一码",
        "鞋码不对，挤脚",
        "衣服太紧了，肩膀那里卡住",
        "买大了一号",
        "裤长不合适，太长了",
        "按尺码表买的还是小",
    ],
    "quality": [
        "穿了一次就开线了",
        "质量太差，有线头",
        "充电器充不进电",
        "面霜用了过敏起红疹",
        "水果有烂的，好几个都坏了",
        "收到就不能开机",
        "耳机左边没声音",
        "螃蟹死了好几只",
    ],
    "wrong_item": ["发错货了，我买的是黑色发来白色", "发错尺码了", "收到的不是我拍的型号", "颜色发错了"],
    "not_as_described": [
        "和图片颜色不一样",
        "实物与描述不符，材质不是纯棉",
        "色差太大了",
        "跟主播说的不一样",
        "没有宣传的那么大",
    ],
    "damaged_in_transit": [
        "收到的时候盒子压坏了",
        "快递破损，瓶子碎了",
        "外包装破了，东西漏出来了",
        "冰袋都化了，已经不新鲜了",
        "葡萄压烂了一半",
    ],
    "no_reason_7day": ["七天无理由退货", "不想要了，七天无理由", "7天无理由", "无理由退货"],
    "changed_mind": ["拍错了，不想要了", "买多了", "家里人已经买了", "不喜欢了", "别家更便宜"],
    "missing_part": ["少发了一件", "缺配件，没有充电线", "赠品没有收到", "少了一盒"],
    "late_delivery": ["发货太慢了，等不及了", "说好48小时发货，一直没发", "超时未发货", "催了几次还不发货"],
    "other": ["其他原因", "协商一致退款", "降价了，申请价保", ""],
}
_ZH_TAILS = ["", "", "", "，麻烦尽快处理", "，谢谢", "!!", "，急", "。", "，请核实", "～"]
EN = {
    "size_fit": ["Size too small", "Does not fit, too big", "Wrong size chart"],
    "quality": ["Poor quality, stitching came off", "Stopped working after one day", "Item is defective"],
    "wrong_item": ["Received the wrong colour", "Wrong item sent", "Not the model I ordered"],
    "not_as_described": ["Colour different from picture", "Not as described", "Material is not cotton"],
    "damaged_in_transit": ["Box was crushed on arrival", "Item arrived broken", "Packaging damaged"],
    "no_reason_7day": ["Change of mind", "No longer needed"],
    "changed_mind": ["Ordered by mistake", "Found it cheaper elsewhere", "Don't want it anymore"],
    "missing_part": ["Missing charging cable", "Only received one of two", "Gift not included"],
    "late_delivery": ["Seller did not ship on time", "Parcel never arrived"],
    "other": ["Other", "Agreed with seller", ""],
}
ID_TEXT = {
    "size_fit": "Ukuran tidak sesuai",
    "quality": "Barang rusak",
    "wrong_item": "Barang salah kirim",
    "not_as_described": "Tidak sesuai deskripsi",
    "damaged_in_transit": "Paket rusak saat pengiriman",
    "missing_part": "Barang kurang",
    "changed_mind": "Berubah pikiran",
    "no_reason_7day": "Berubah pikiran",
    "late_delivery": "Pesanan terlambat",
    "other": "Lainnya",
}
PT_TEXT = {
    "size_fit": "Tamanho errado",
    "quality": "Produto com defeito",
    "wrong_item": "Produto errado",
    "not_as_described": "Diferente do anúncio",
    "damaged_in_transit": "Chegou danificado",
    "missing_part": "Faltando peça",
    "changed_mind": "Desisti da compra",
    "no_reason_7day": "Desisti da compra",
    "late_delivery": "Atraso na entrega",
    "other": "Outro",
}
_PLATFORM_COLUMN = {"taobao": 0, "jd": 1, "douyin": 2, "shopee": 3}

# (refund kind, causes) by stage and category: what really goes wrong at each point
BEFORE_SHIPPING = ["changed_mind", "changed_mind", "late_delivery", "other", "no_reason_7day"]
AFTER_SHIPPING = {
    "fresh_food": [("refund_after_shipping", ["damaged_in_transit", "quality", "missing_part"])],
    "apparel": [
        ("return_and_refund", ["size_fit", "no_reason_7day", "not_as_described", "quality", "wrong_item"]),
        ("return_and_refund", ["size_fit", "no_reason_7day"]),
        ("exchange", ["size_fit", "wrong_item"]),
        ("refund_after_shipping", ["missing_part", "other"]),
    ],
    "*": [
        ("return_and_refund", ["quality", "no_reason_7day", "not_as_described", "wrong_item"]),
        ("return_and_refund", ["quality", "changed_mind", "damaged_in_transit"]),
        ("refund_after_shipping", ["missing_part", "damaged_in_transit", "other"]),
        ("exchange", ["quality", "wrong_item"]),
        ("price_protection", ["other"]),
    ],
}


def after_shipping_case(rng: random.Random, category: str) -> tuple[str, str]:
    kind, causes = rng.choice(AFTER_SHIPPING.get(category, AFTER_SHIPPING["*"]))
    return kind, rng.choice(causes)


def render(rng: random.Random, cause: str, platform: str, region: str) -> tuple[str, str]:
    """(platform reason code, buyer's free text) for a hidden cause."""
    code = CODES[cause][_PLATFORM_COLUMN.get(platform, 3)]
    if region == "CN":
        text = rng.choice(ZH[cause])
        text = text + rng.choice(_ZH_TAILS) if text else text
    elif region == "ID" and rng.random() < 0.7:
        text = ID_TEXT[cause]
    elif region == "BR" and rng.random() < 0.7:
        text = PT_TEXT[cause]
    else:
        text = rng.choice(EN[cause])
    return code, text
