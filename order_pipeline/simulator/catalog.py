"""The merchant's catalog, and each shop's listing of it with platform ids and local prices.

One product range (apparel in sizes, fresh food, electronics, beauty, home, mother & baby) is sold on every
shop under the same merchant SKU code, but each platform issues its own ids in its own shape and each shop
prices in its own currency. That is exactly what the pipeline must reconcile (F4, F9), so the simulator keeps
the shared `sku_code` as the one thing that ties a Taobao sku_id, a JD skuId and a Shopee model_id together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from order_pipeline.simulator.model import SimShop
from order_pipeline.simulator.specs import ShopSku

BRAND_ZH, BRAND_EN = "暖山", "NuanShan"

# category -> [(zh name, en name, price range in CNY yuan, variant axis)]
TEMPLATES: dict[str, list[tuple[str, str, int, int, str]]] = {
    "apparel": [
        ("纯棉圆领短袖T恤", "Cotton Crew-neck T-shirt", 59, 129, "wear"),
        ("修身弹力牛仔裤", "Slim Stretch Jeans", 129, 299, "wear"),
        ("加绒连帽卫衣", "Fleece Hoodie", 139, 259, "wear"),
        ("轻薄羽绒服", "Light Down Jacket", 299, 699, "wear"),
        ("冰丝运动裤", "Ice-silk Track Pants", 79, 159, "wear"),
        ("法式碎花连衣裙", "French Floral Dress", 159, 359, "wear"),
        ("羊毛针织开衫", "Wool Knit Cardigan", 199, 459, "wear"),
    ],
    "fresh_food": [
        ("阳光玫瑰葡萄", "Shine Muscat Grapes", 59, 199, "weight"),
        ("智利车厘子JJ级", "Chilean Cherries JJ", 129, 399, "weight"),
        ("赣南脐橙", "Gannan Navel Oranges", 39, 89, "weight"),
        ("阳澄湖大闸蟹", "Yangcheng Lake Hairy Crab", 199, 699, "weight"),
        ("内蒙古羔羊肉卷", "Inner Mongolia Lamb Rolls", 69, 159, "weight"),
        ("海南妃子笑荔枝", "Hainan Lychee", 79, 199, "weight"),
    ],
    "electronics": [
        ("主动降噪蓝牙耳机", "ANC Bluetooth Earbuds", 199, 899, "colour"),
        ("65W氮化镓快充充电器", "65W GaN Charger", 99, 199, "colour"),
        ("三模机械键盘", "Tri-mode Mechanical Keyboard", 199, 599, "colour"),
        ("智能运动手环", "Smart Fitness Band", 149, 399, "colour"),
        ("20000mAh移动电源", "20000mAh Power Bank", 99, 239, "colour"),
    ],
    "beauty": [
        ("玻尿酸补水面膜", "Hyaluronic Hydrating Mask", 59, 139, "volume"),
        ("烟酰胺美白精华液", "Niacinamide Serum", 129, 399, "volume"),
        ("氨基酸洗面奶", "Amino Acid Cleanser", 39, 99, "volume"),
        ("丝绒雾面口红", "Velvet Matte Lipstick", 99, 299, "shade"),
    ],
    "home": [
        ("泰国天然乳胶枕", "Thai Latex Pillow", 129, 299, "size"),
        ("全棉四件套", "Cotton Bedding Set", 199, 599, "size"),
        ("316不锈钢保温杯", "316 Steel Vacuum Cup", 59, 169, "colour"),
        ("加厚收纳箱", "Thick Storage Box", 29, 89, "size"),
    ],
    "mother_baby": [
        ("婴儿纸尿裤", "Baby Diapers", 89, 199, "diaper"),
        ("婴儿手口湿巾", "Baby Hand & Mouth Wipes", 29, 69, "pack"),
        ("宽口径PPSU奶瓶", "Wide-neck PPSU Bottle", 89, 199, "pack"),
        ("婴儿有机米粉", "Organic Baby Rice Cereal", 49, 119, "pack"),
    ],
}
CATEGORY_CODES = {
    "apparel": "AP",
    "fresh_food": "FF",
    "electronics": "EL",
    "beauty": "BE",
    "home": "HM",
    "mother_baby": "MB",
}
# axis -> [(code, zh, en, price factor, popularity)]
_COLOURS = [
    ("BLK", "黑色", "Black"),
    ("WHT", "白色", "White"),
    ("BLU", "雾霾蓝", "Haze Blue"),
    ("OAT", "燕麦色", "Oat"),
    ("NVY", "藏青", "Navy"),
]
_SIZES = [("S", 0.7), ("M", 1.3), ("L", 1.4), ("XL", 1.0), ("XXL", 0.5)]
AXES: dict[str, list[tuple[str, str, str, float, float]]] = {
    "weight": [
        ("2J", "2斤装", "1kg", 1.0, 1.5),
        ("5J", "5斤装", "2.5kg", 2.2, 1.0),
        ("GB", "礼盒装", "Gift Box", 3.0, 0.4),
    ],
    "colour": [
        ("BLK", "曜石黑", "Midnight Black", 1.0, 1.4),
        ("WHT", "云雾白", "Cloud White", 1.0, 1.0),
        ("BLU", "远峰蓝", "Sierra Blue", 1.05, 0.6),
    ],
    "volume": [
        ("30", "30ml", "30ml", 1.0, 1.2),
        ("50", "50ml", "50ml", 1.5, 1.0),
        ("100", "100ml", "100ml", 2.4, 0.5),
    ],
    "shade": [
        ("01", "#01 正红", "#01 True Red", 1.0, 1.0),
        ("03", "#03 豆沙", "#03 Rose Bean", 1.0, 1.3),
        ("05", "#05 枫叶", "#05 Maple", 1.0, 0.8),
        ("07", "#07 奶茶", "#07 Milk Tea", 1.0, 0.9),
    ],
    "size": [("STD", "标准款", "Standard", 1.0, 1.2), ("LRG", "加大款", "Large", 1.35, 0.8)],
    "diaper": [(s, s, s, 1.0, p) for s, p in [("NB", 0.5), ("S", 0.9), ("M", 1.3), ("L", 1.3), ("XL", 0.8)]],
    "pack": [
        ("1P", "单包", "1 Pack", 1.0, 1.0),
        ("3P", "3包装", "3 Packs", 2.7, 0.8),
        ("6P", "6包装", "6 Packs", 5.0, 0.4),
    ],
}
RATES = {
    "CNY": 1.0,
    "SGD": 0.19,
    "MYR": 0.65,
    "THB": 5.0,
    "IDR": 2200.0,
    "VND": 3500.0,
    "PHP": 8.0,
    "TWD": 4.5,
    "BRL": 0.78,
    "MXN": 2.6,
    "USD": 0.14,
    "HKD": 1.1,
}
ZERO_DECIMAL = {"IDR", "VND"}  # whole numbers on the platform (docs/platform-api.md, Shopee)


def currency_digits(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL else 2


@dataclass(frozen=True)
class Variant:
    code: str
    zh: str
    en: str
    price_cny: float
    popularity: float


@dataclass(frozen=True)
class Product:
    index: int
    category: str
    code: str  # merchant product code, prefix of every sku_code
    zh: str
    en: str
    popularity: float
    variants: tuple[Variant, ...]


def build_catalog(seed: int) -> list[Product]:
    rng = random.Random(f"{seed}:catalog")
    products: list[Product] = []
    for category, templates in TEMPLATES.items():
        for zh, en, low, high, axis in templates:
            base = _nice_cny(rng.uniform(low, high))
            if axis == "wear":
                colours = rng.sample(_COLOURS, rng.randint(2, 3))
                options = [
                    (f"{c}-{s}", f"{czh} {s}", f"{cen} {s}", 1.0, p)
                    for c, czh, cen in colours
                    for s, p in _SIZES
                ]
            else:
                options = AXES[axis]
            variants = tuple(
                Variant(code, vzh, ven, _nice_cny(base * factor), pop)
                for code, vzh, ven, factor, pop in options
            )
            code = f"{CATEGORY_CODES[category]}{len(products) + 101:03d}"
            popularity = 1.0 / (1 + rng.random() * 4) ** 1.2
            products.append(Product(len(products), category, code, zh, en, popularity, variants))
    return products


def _nice_cny(value: float) -> float:
    """Chinese shelf prices: 59, 129, 199 ... (end in 9), never below 9."""
    return max(9.0, round(value / 10) * 10 - 1.0)


def local_price_minor(price_cny: float, currency: str, factor: float = 1.0) -> int:
    """The shop's shelf price in minor units: x.90 / x.00 for two-decimal currencies, 500 steps for IDR."""
    value = price_cny * RATES.get(currency, 1.0) * factor
    if currency_digits(currency) == 0:
        step = 1000 if currency == "VND" else 500
        return max(step, round(value / step) * step)
    whole = int(value)
    return max(90, whole * 100 + (90 if value - whole >= 0.45 else 0))


_ID_RANGES = {  # platform -> (product id range, sku id range): each platform's id shape
    "taobao": ((600_000_000_000, 800_000_000_000), (4_000_000_000_000, 6_000_000_000_000)),
    "jd": ((10_000_000_000, 100_000_000_000), (100_000_000_000, 100_100_000_000)),
    "douyin": (
        (3_500_000_000_000_000_000, 3_800_000_000_000_000_000),
        (1_700_000_000_000_000, 1_800_000_000_000_000),
    ),
    "shopee": ((10_000_000_000, 30_000_000_000), (100_000_000_000, 300_000_000_000)),
}
_PRICE_FACTOR = {"taobao": 1.0, "jd": 1.0, "douyin": 0.95, "shopee": 1.0}


def shop_listing(seed: int, shop: SimShop, catalog: list[Product]) -> list[ShopSku]:
    """The SKUs one shop lists, ordered by product id then SKU id (the order `World.stock` answers in).
    Shopee shops sell cross-border, so no fresh food there; every shop skips a few products."""
    rng = random.Random(f"{seed}:listing:{shop.key}")
    product_range, sku_range = _ID_RANGES.get(shop.platform, _ID_RANGES["shopee"])
    english = shop.platform == "shopee"
    seen: set[int] = set()

    def new_id(bounds: tuple[int, int]) -> str:
        while True:
            value = rng.randrange(*bounds)
            if value not in seen:
                seen.add(value)
                return str(value)

    skus: list[ShopSku] = []
    for product in catalog:
        if (english and product.category == "fresh_food") or rng.random() < 0.12:
            continue
        product_id = new_id(product_range)
        name = f"{BRAND_EN} {product.en}" if english else f"{BRAND_ZH} {product.zh}"
        for variant in product.variants:
            sku = ShopSku()
            sku.sku_id = new_id(sku_range)
            sku.product_id = product_id
            sku.sku_code = f"{product.code}-{variant.code}"
            sku.product_title = name
            sku.title = f"{name} {variant.en if english else variant.zh}"
            sku.category = product.category
            sku.price = local_price_minor(
                variant.price_cny, shop.currency, _PRICE_FACTOR.get(shop.platform, 1.0)
            )
            sku.weight = product.popularity * variant.popularity
            skus.append(sku)
    skus.sort(key=lambda s: (len(s.product_id), s.product_id, len(s.sku_id), s.sku_id))
    for index, sku in enumerate(skus):
        sku.index = index
    return skus
