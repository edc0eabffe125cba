"""Assemble the whole merchant from a config: catalog, buyer pools, every shop's orders, refunds and stock.

Buyer pools are per region and shared by the shops of that region (the CN pool by Tmall, JD and Douyin), sized
to the expected order volume so repeat buyers are common: a few loyal customers buy often, most buy once or
twice. That skew is what VIP / frequent-returner tagging and cross-platform matching need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from order_pipeline.simulator import people
from order_pipeline.simulator.catalog import build_catalog, shop_listing
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.generator import ShopGenerator, region_of
from order_pipeline.simulator.specs import OrderSpec, RefundSpec, ShopSku
from order_pipeline.simulator.stock import Series, build_series


@dataclass
class ShopData:
    orders: list[OrderSpec]  # by creation time
    refunds: list[RefundSpec]  # by creation time
    skus: list[ShopSku]  # by product id, then SKU id
    stock: list[Series]  # aligned with skus


def build_world(config: WorldConfig) -> dict[str, ShopData]:
    catalog = build_catalog(config.seed)
    days = config.history_days + config.horizon_days
    per_region: dict[str, int] = {}
    for shop in config.shops:
        region = region_of(shop)
        per_region[region] = per_region.get(region, 0) + config.orders_per_shop_per_day * days
    pools = {}
    for region, expected in sorted(per_region.items()):
        rng = random.Random(f"{config.seed}:persons:{region}")
        pools[region] = [people.person(rng, region) for _ in range(max(50, expected // 3))]
    out = {}
    for shop in config.shops:
        skus = shop_listing(config.seed, shop, catalog)
        gen = ShopGenerator(config, shop, skus, pools[region_of(shop)]).run()
        stock_rng = random.Random(f"{config.seed}:stock:{shop.key}")
        series = build_series(stock_rng, skus, gen.stock_events, gen.begin, gen.end)
        out[shop.key] = ShopData(gen.orders, gen.refunds, skus, series)
    return out
