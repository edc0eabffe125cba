"""One shop's orders, from creation to completion, generated up front from the seed.

Each order gets its whole future at once: paid within minutes (or cancelled unpaid after 15-30 min), shipped
within working hours against the platform's promise (some late, a few stuck, risk-flagged ones held), multi-line
orders sometimes shipped in two parcels, completed days later; some changed in between (address change, seller
memo, risk review) and some refunded (`refunds.py`). The world then only has to look up what is true "now".
Everything comes from one `random.Random` per shop, seeded from the world seed and the shop key, so adding a
shop does not change the others. Generation is tuned for ~100k orders in a few seconds: plain ints for time,
no datetime or Decimal until a record is asked for.
"""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from order_pipeline.simulator import people
from order_pipeline.simulator.catalog import RATES, currency_digits
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.ids import IdMint
from order_pipeline.simulator.model import SimShop
from order_pipeline.simulator.nasty import dirty_receiver
from order_pipeline.simulator.refunds import RefundMaker
from order_pipeline.simulator.specs import NEVER, LineSpec, OrderSpec, RefundSpec, ShopSku

HOUR, DAY = 3600, 86400
# Orders per local hour of day: night lull, lunch bump, evening peak.
HOUR_WEIGHTS = [
    float(w) for w in ["2", "1", "0.6", "0.4", "0.3", "0.4", "0.8", "1.5", "2.5", "3.5", "4", "4", "3.5", "3.5", "3.5", "3.5", "3.5", "3.5", "4", "5", "6", "6.5", "6", "4"]
]
LINE_COUNTS, LINE_CUM = (1, 2, 3, 4, 5), (50, 75, 88, 95, 100)
PROMISE_HOURS = {"taobao": 48, "jd": 24, "douyin": 48, "shopee": 72}
_MESSAGES_ZH = ["请尽快发货", "不要放快递柜，送货上门", "送人的，不要放价格单", "周末再送", "麻烦帮忙检查一下再发", "加急！", "发顺丰可以吗，补运费"]
_MESSAGES_EN = ["Please deliver after 6pm", "Gift wrap please", "Call before delivery", "Leave at the door"]


class ShopGenerator:
    def __init__(
        self, config: WorldConfig, shop: SimShop, skus: list[ShopSku], persons: list[tuple[str, ...]]
    ):
        self.config, self.shop, self.skus, self.persons = config, shop, skus, persons
        self.rng = random.Random(f"{config.seed}:orders:{shop.key}")
        self.region = "CN" if shop.platform in ("taobao", "jd", "douyin") else shop.region
        self.digits = currency_digits(shop.currency)
        self.rate = RATES.get(shop.currency, 1.0)
        self.offset = config.start.astimezone(ZoneInfo(shop.timezone)).utcoffset() or timedelta(0)
        self.offset_s = int(self.offset.total_seconds())
        self.ids = IdMint(self.rng, shop.platform, shop.region, self.offset)
        self.promise = PROMISE_HOURS.get(shop.platform, 48) * HOUR
        self.begin = int(config.start.timestamp()) - config.history_days * DAY
        self.end = int(config.start.timestamp()) + config.horizon_days * DAY
        total = sum(sku.weight for sku in skus)
        acc, self.cum = 0.0, []
        for sku in skus:
            acc += sku.weight / total
            self.cum.append(acc)
        self.buyers: dict[int, str] = {}
        self.orders: list[OrderSpec] = []
        self.refunds: list[RefundSpec] = []
        self.stock_events: list[list[tuple[int, int]]] = [[] for _ in skus]
        self.refund_maker = RefundMaker(self)

    def whole(self, yuan: float) -> int:
        """A round amount (coupon, shipping fee) in the shop's currency, minor units."""
        value = yuan * self.rate
        if self.digits == 0:
            return max(1000, round(value / 1000) * 1000)
        return max(1, round(value)) * 100

    def work_time(self, t: int) -> int:
        """Warehouses ship between 08:00 and 22:00 local time."""
        if t >= NEVER:
            return NEVER
        local = (t + self.offset_s) % DAY
        if local < 8 * HOUR:
            return t + 8 * HOUR - local + int(self.rng.random() * 3 * HOUR)
        if local >= 22 * HOUR:
            return t + DAY - local + 8 * HOUR + int(self.rng.random() * 3 * HOUR)
        return t

    def clamp(self, t: int) -> int:
        return t if t <= self.end else NEVER

    def run(self) -> ShopGenerator:
        rng, per_day = self.rng, self.config.orders_per_shop_per_day
        weight_sum = sum(HOUR_WEIGHTS)
        day_factor = 1.0
        for slot in range(self.begin // HOUR, -(-self.end // HOUR)):
            t0 = slot * HOUR
            local_hour = (t0 + self.offset_s) // HOUR % 24
            if local_hour == 0 or slot == self.begin // HOUR:
                day_factor = 0.8 + 0.4 * rng.random()
            expected = per_day * day_factor * HOUR_WEIGHTS[local_hour] / weight_sum
            count = int(expected) + (rng.random() < expected - int(expected))
            for offset in sorted(int(rng.random() * HOUR) for _ in range(count)):
                if self.begin <= t0 + offset < self.end:
                    self.order(t0 + offset)
        self.refunds.sort(key=lambda r: r.created)
        return self

    def order(self, created: int) -> None:
        rng, r, shop = self.rng, self.rng.random, self.shop
        spec = OrderSpec()
        spec.order_id, spec.shop_key, spec.digits, spec.created = (
            self.ids.order_id(created),
            shop.key,
            self.digits,
            created,
        )
        wanted = rng.choices(LINE_COUNTS, cum_weights=LINE_CUM)[0]
        picked: list[ShopSku] = []
        for sku in rng.choices(self.skus, cum_weights=self.cum, k=wanted + 2):
            if sku not in picked and len(picked) < wanted:
                picked.append(sku)
        single = len(picked) == 1
        lines = []
        for sku in picked:
            quantity = (
                1 if r() < 0.75 else (2 + int(r() * 3) if sku.category == "mother_baby" else 2 + int(r() * 2))
            )
            lines.append(
                LineSpec(
                    self.ids.line_id(spec.order_id, sku.sku_id, single), sku, quantity, sku.price * quantity
                )
            )
        subtotal = sum(ln.paid for ln in lines)
        fresh = any(ln.sku.category == "fresh_food" for ln in lines)
        if self.region == "CN":
            spec.post_fee = (
                self.whole(rng.choice((10, 15)))
                if fresh and r() < 0.3
                else (self.whole(6) if subtotal < self.whole(49) else 0)
            )
        else:
            spec.post_fee = 0 if subtotal > self.whole(150) else self.whole(rng.choice((8, 10, 15)))
        discount = 0
        if r() < 0.35:
            coupon = self.whole(rng.choice((5, 10, 20, 30, 50)))
            discount = coupon if coupon * 4 <= subtotal else 0
        spent = 0
        for ln in lines[:-1]:  # spread the coupon over the lines, the last line takes the rounding
            share = discount * ln.paid // subtotal
            ln.paid -= share
            spent += share
        lines[-1].paid -= discount - spent
        spec.discount, spec.lines = discount, lines
        index = int(len(self.persons) * r() ** 1.6)
        clean = self.persons[index]
        if index not in self.buyers:
            self.buyers[index] = people.buyer_id(shop.platform, self.config.seed, shop.key, index)
        spec.buyer_id = self.buyers[index]
        spec.receiver = clean
        if r() < self.config.nasty_share:
            spec.receiver, spec.nasty = dirty_receiver(rng, clean, self.region)
        if r() < 0.12:
            spec.buyer_message = rng.choice(_MESSAGES_ZH if self.region == "CN" else _MESSAGES_EN)
        extra = self.lifecycle(spec, fresh, clean)
        times = {
            created,
            spec.paid,
            spec.cancel,
            spec.completed,
            spec.address_change,
            spec.risk_clear,
            *extra,
        }
        times.update(ln.ship for ln in lines)
        times.update(ln.refund for ln in lines)
        spec.vtimes = sorted(t for t in times if t <= self.end)
        self.orders.append(spec)

    def lifecycle(self, spec: OrderSpec, fresh: bool, clean: tuple[str, ...]) -> list[int]:
        """Fill the order's instants; returns extra version instants (memos, refund requests)."""
        rng, r, lines, cn = self.rng, self.rng.random, spec.lines, self.region == "CN"
        created = spec.created
        if r() < 0.07:
            spec.cancel = self.clamp(created + 900 + int(r() * 900))
            spec.cancel_reason = "超时未付款，交易自动关闭" if cn else "Unpaid"
            return []
        u = r()
        delay = (
            5 + int(r() * 295) if u < 0.85 else (300 + int(r() * 600) if u < 0.97 else 900 + int(r() * 800))
        )
        paid = spec.paid = self.clamp(created + delay)
        if paid == NEVER:
            return []
        for ln in lines:
            self.stock_events[ln.sku.index].append((paid, -ln.quantity))
        promise = DAY if fresh else self.promise
        spec.ship_by = paid + promise
        if r() < 0.02:
            spec.risk = True
            spec.risk_clear = self.clamp(paid + 2 * HOUR + int(r() * 22 * HOUR)) if r() < 0.7 else NEVER
        u = r()
        if u < 0.02:
            ship = NEVER  # stuck in the warehouse
        elif u < 0.05:
            ship = self.work_time(spec.ship_by + HOUR + int(r() * 47 * HOUR))  # late
        else:
            span = 10 * HOUR if fresh else (12 * HOUR if u < 0.65 else int(promise * 0.85))
            ship = self.work_time(paid + 1800 + int(r() * span))
        if spec.risk:
            ship = (
                NEVER
                if spec.risk_clear == NEVER
                else max(ship, self.work_time(spec.risk_clear + 600 + int(r() * 7200)))
            )
        extra: list[int] = []
        if ship > paid + 1800 and r() < 0.03:
            ship, refund_times = self.refund_maker.before_shipping(spec, paid, ship)
            extra += refund_times
            if spec.cancel < NEVER:
                return extra
        split = 1 + int(r() * (len(lines) - 1)) if len(lines) > 1 and r() < 0.3 else len(lines)
        second = self.work_time(ship + 4 * HOUR + int(r() * 44 * HOUR)) if split < len(lines) else ship
        pending = [ln for ln in lines if not ln.refund_before]
        for position, ln in enumerate(pending):
            ln.ship = self.clamp(ship if position < split else second)
        first = min(ln.ship for ln in pending)
        last = max(ln.ship for ln in pending)
        if first < NEVER:
            spec.waybill = self.ids.waybill(fresh)
        if last < NEVER:
            spec.completed = self.clamp(last + 3 * DAY + int(r() * 9 * DAY))
        if r() < 0.04 and first - paid > 1800:
            spec.address_change = self.clamp(paid + 600 + int(r() * min(first - paid - 900, 2 * DAY)))
            alt = people.moved(rng, clean, self.region)
            spec.receiver_alt = dirty_receiver(rng, alt, self.region)[0] if spec.nasty else alt
        if r() < 0.10:
            extra.append(self.clamp(paid + 1800 + int(r() * 5 * DAY)))
        shipped = [ln for ln in pending if ln.ship < NEVER]
        if shipped and r() < 0.075:
            extra += self.refund_maker.after_shipping(spec, rng.choice(shipped))
            if len(shipped) > 1 and r() < 0.15:
                extra += self.refund_maker.after_shipping(spec, rng.choice(shipped))
        return extra


def region_of(shop: SimShop) -> str:
    return "CN" if shop.platform in ("taobao", "jd", "douyin") else shop.region
