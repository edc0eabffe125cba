"""Refunds, returns and exchanges, with the stages they pass through over days.

About 8% of paid orders get one: refunds before shipping (the buyer changed their mind, the seller was slow),
and after shipping refunds without return (fresh food that arrived spoilt), returns (approved -> goods sent
back -> received and refunded, or stalled and closed), exchanges and price protection. Sellers reject some and
buyers withdraw some. A refund that pays a line back in full marks the line `refunded` on the order, and a
refund before shipping of every line closes the order, as the platforms do; returned goods go back on the
shelf (stock). Each stage change is a new version of the refund, and a request also touches the order's
modified time (the platforms update the order when its refund state changes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from order_pipeline.simulator import reasons
from order_pipeline.simulator.specs import NEVER, LineSpec, OrderSpec, RefundSpec

if TYPE_CHECKING:
    from order_pipeline.simulator.generator import ShopGenerator

HOUR, DAY = 3600, 86400
_REFUND_ONLY = ("refund_before_shipping", "refund_after_shipping", "price_protection")


class RefundMaker:
    def __init__(self, gen: ShopGenerator):
        self.gen = gen
        self.rng = gen.rng

    def _new(self, spec: OrderSpec, line: LineSpec, kind: str, cause: str, created: int) -> RefundSpec:
        gen = self.gen
        refund = RefundSpec()
        refund.refund_id = gen.ids.refund_id(created)
        refund.order, refund.line, refund.shop_key, refund.kind = spec, line, spec.shop_key, kind
        refund.reason_code, refund.reason_text = reasons.render(
            self.rng, cause, gen.shop.platform, gen.region
        )
        refund.created, refund.quantity, refund.amount = created, line.quantity, line.paid
        return refund

    def _finish(self, refund: RefundSpec, full_line: bool) -> list[int]:
        """Clamp the stages to the simulated span, apply the effects, register the versions."""
        clamp = self.gen.clamp
        refund.approved, refund.returned = clamp(refund.approved), clamp(refund.returned)
        refund.refunded, refund.ended = clamp(refund.refunded), clamp(refund.ended)
        line = refund.line
        if refund.refunded < NEVER:
            if full_line and refund.quantity == line.quantity and refund.amount == line.paid:
                line.refund = refund.refunded
            if refund.kind in ("refund_before_shipping", "return_and_refund"):
                self.gen.stock_events[line.sku.index].append((refund.refunded, refund.quantity))
        stages = {refund.created, refund.approved, refund.returned, refund.refunded, refund.ended}
        refund.vtimes = sorted(t for t in stages if t < NEVER)
        self.gen.refunds.append(refund)
        return [refund.created]

    def before_shipping(self, spec: OrderSpec, paid: int, ship: int) -> tuple[int, list[int]]:
        """A refund requested while the order waits for shipment; returns the (possibly later) ship time."""
        r, gen = self.rng.random, self.gen
        line = self.rng.choice(spec.lines)
        window = min(ship - paid - 1200, 20 * HOUR)
        created = gen.clamp(paid + 600 + int(r() * window))
        if created == NEVER:
            return ship, []
        refund = self._new(
            spec, line, "refund_before_shipping", self.rng.choice(reasons.BEFORE_SHIPPING), created
        )
        u = r()
        if u < 0.75:
            refund.refunded = refund.approved = created + 600 + int(r() * 8 * HOUR)
            resolved = refund.refunded
        else:
            refund.ended = created + HOUR + int(r() * (19 if u < 0.9 else 9) * HOUR)
            refund.end_status = "closed" if u < 0.9 else "rejected"
            resolved = refund.ended
        times = self._finish(refund, full_line=True)
        if line.refund < NEVER:
            line.refund_before = True
            if all(ln.refund_before for ln in spec.lines):
                spec.cancel = line.refund
                spec.cancel_reason = (
                    "买家申请退款，交易关闭" if gen.region == "CN" else "Buyer requested refund"
                )
                return NEVER, times
        return max(ship, gen.work_time(resolved + 600 + int(r() * 7200))), times

    def after_shipping(self, spec: OrderSpec, line: LineSpec) -> list[int]:
        """A refund, return, exchange or price protection claim on a shipped line."""
        rng, r, gen = self.rng, self.rng.random, self.gen
        if any(refund.line is line for refund in gen.refunds[-3:]):
            return []  # one case per line
        kind, cause = reasons.after_shipping_case(rng, line.sku.category)
        fresh = line.sku.category == "fresh_food"
        created = gen.clamp(
            line.ship + (4 * HOUR + int(r() * 44 * HOUR) if fresh else DAY + int(r() * 8 * DAY))
        )
        if created == NEVER:
            return []
        refund = self._new(spec, line, kind, cause, created)
        if kind != "price_protection" and line.quantity > 1 and r() < 0.3:
            refund.quantity = 1 + int(r() * (line.quantity - 1))
        refund.amount = line.paid * refund.quantity // line.quantity
        if kind == "exchange":
            refund.amount = 0
        elif kind == "price_protection":
            refund.amount = max(1, line.paid * (5 + int(r() * 11)) // 100)
        elif fresh and r() < 0.4:
            refund.amount = refund.amount * (30 + int(r() * 61)) // 100  # partial compensation, no return
        u = r()
        if kind in _REFUND_ONLY:
            if u < 0.78:
                refund.refunded = refund.approved = created + HOUR + int(r() * 47 * HOUR)
            else:
                refund.ended = created + 2 * HOUR + int(r() * 70 * HOUR)
                refund.end_status = "rejected" if u < 0.9 else "closed"
        elif u < 0.08:
            refund.ended, refund.end_status = created + 2 * HOUR + int(r() * 46 * HOUR), "rejected"
        elif u < 0.15:
            refund.ended, refund.end_status = created + HOUR + int(r() * 23 * HOUR), "closed"
        else:
            refund.approved = created + 1800 + int(r() * 23 * HOUR)
            if r() < 0.08:
                refund.ended, refund.end_status = refund.approved + 7 * DAY, "closed"  # never sent back
            else:
                refund.returned = refund.approved + 4 * HOUR + int(r() * 68 * HOUR)
                refund.refunded = refund.returned + DAY + int(r() * 4 * DAY)
        return self._finish(refund, full_line=kind in ("refund_after_shipping", "return_and_refund"))
