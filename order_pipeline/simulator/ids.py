"""Record ids in each platform's own shape.

Adapters and the warehouse must treat ids as opaque strings (a 19-digit Taobao tid overflows a float, a Shopee
order_sn is alphanumeric and starts with the local date), so the simulator issues ids that look like the real
ones: Taobao tid/oid ~19 digits, JD orderId 12 digits, Douyin order ids 19 digits, Shopee order_sn
`YYMMDD` + 8 characters. Ids are unique per shop and drawn from the shop's seeded generator.
"""

from __future__ import annotations

import random
from datetime import timedelta

from order_pipeline.simulator.specs import dt

_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_ORDER_RANGES = {
    "taobao": (1_000_000_000_000_000_000, 4_999_999_999_999_999_999),
    "jd": (200_000_000_000, 349_999_999_999),
    "douyin": (6_900_000_000_000_000_000, 6_999_999_999_999_999_999),
}
_REFUND_RANGES = {
    "taobao": (100_000_000_000_000_000, 299_999_999_999_999_999),
    "jd": (1_000_000_000, 1_999_999_999),
    "douyin": (7_000_000_000_000_000_000, 7_099_999_999_999_999_999),
}


class IdMint:
    def __init__(self, rng: random.Random, platform: str, region: str, utc_offset: timedelta):
        self.rng, self.platform, self.region, self.offset = rng, platform, region, utc_offset
        self.used: set[str] = set()

    def _unique(self, make) -> str:  # noqa: ANN001 - a zero-argument factory
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def _local_date(self, t: int) -> str:
        return (dt(t) + self.offset).strftime("%y%m%d")

    def order_id(self, created: int) -> str:
        rng = self.rng
        if self.platform == "shopee":
            prefix = self._local_date(created)
            return self._unique(lambda: prefix + "".join(rng.choices(_ALNUM, k=8)))
        low, high = _ORDER_RANGES.get(self.platform, _ORDER_RANGES["jd"])
        return self._unique(lambda: str(rng.randint(low, high)))

    def line_id(self, order_id: str, sku_id: str, single: bool) -> str:
        """Taobao oid / Douyin sku order id equal the order id for one-line orders; JD lines are keyed by SKU."""
        if self.platform == "jd":
            return sku_id
        if single and self.platform in ("taobao", "douyin"):
            return order_id
        rng = self.rng
        if self.platform == "shopee":
            return self._unique(lambda: str(rng.randint(10_000_000_000, 99_999_999_999)))
        low, high = _ORDER_RANGES.get(self.platform, _ORDER_RANGES["taobao"])
        return self._unique(lambda: str(rng.randint(low, high)))

    def refund_id(self, created: int) -> str:
        rng = self.rng
        if self.platform == "shopee":
            prefix = self._local_date(created)
            return self._unique(lambda: prefix + f"{rng.randrange(10**9):09d}")
        low, high = _REFUND_RANGES.get(self.platform, _REFUND_RANGES["jd"])
        return self._unique(lambda: str(rng.randint(low, high)))

    def waybill(self, fresh: bool) -> str:
        rng = self.rng
        if self.platform == "shopee":
            return f"SPX{self.region}{rng.randrange(10**12):012d}"
        if self.platform == "jd":
            return f"JDVA{rng.randrange(10**11):011d}"
        if fresh:
            return f"SF{rng.randrange(10**13):013d}"
        return rng.choice(("YT", "ZTO", "JT")) + f"{rng.randrange(10**13):013d}"
