"""Compact lifecycles, turned into the model's records (`model.py`) only when asked for.

A benchmark world holds 100k orders with several versions each. Keeping every version as a frozen dataclass
would cost gigabytes, so the generator stores each order once, as the instants at which things happen to it
(paid, each line shipped, refunded, completed, address changed ...). A version is just one of those instants:
the order's content at any instant is a pure function of the spec, so materialising version `i` means
evaluating that function at `vtimes[i]`. A runtime bump (the "moving records" fault) only appends an instant.
Times are int epoch seconds; `NEVER` marks what does not happen within the simulated span.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from order_pipeline.simulator.model import Order, OrderLine, Receiver, Refund

NEVER = 1 << 62
_new = object.__new__
RECEIVER_FIELDS = tuple(f.name for f in fields(Receiver))
_DEFAULTS = {
    cls: {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    for cls in (Order, OrderLine, Receiver, Refund)
}


def build(cls: type, values: dict):  # noqa: ANN201 - an instance of cls
    """Construct a frozen model dataclass without its generated __init__ (a third of the cost, which matters
    at 100k records per listing). `values` must name every field without a default; the result compares
    equal to `cls(**values)` (a test pins that)."""
    obj = _new(cls)
    attrs = obj.__dict__
    attrs.update(_DEFAULTS[cls])
    attrs.update(values)
    return obj


@lru_cache(maxsize=1 << 17)
def dt(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


@lru_cache(maxsize=1 << 16)
def money(minor: int, digits: int) -> Decimal:
    return Decimal(minor).scaleb(-digits)


class ShopSku:
    """One SKU as one shop lists it."""

    # fmt: off
    __slots__ = (
        "index", "sku_id", "product_id", "sku_code", "product_title", "title", "category", "price",
        "weight",
    )
    # fmt: on


class LineSpec:
    __slots__ = ("line_id", "sku", "quantity", "paid", "ship", "refund", "refund_before")

    def __init__(self, line_id: str, sku: ShopSku, quantity: int, paid: int):
        self.line_id, self.sku, self.quantity, self.paid = line_id, sku, quantity, paid
        self.ship = NEVER  # when this line left the warehouse
        self.refund = NEVER  # when the line's money went back in full (line status "refunded")
        self.refund_before = False  # refunded before shipping: the line will never ship


class OrderSpec:
    # fmt: off
    __slots__ = (
        "order_id", "shop_key", "digits", "created", "paid", "cancel", "completed", "ship_by", "lines",
        "receiver", "receiver_alt", "address_change", "buyer_id", "post_fee", "discount",
        "buyer_message", "cancel_reason", "waybill", "risk", "risk_clear", "vtimes", "nasty",
    )
    # fmt: on

    def __init__(self) -> None:
        self.paid = self.cancel = self.completed = self.ship_by = self.address_change = self.risk_clear = (
            NEVER
        )
        self.receiver_alt = None
        self.buyer_message = self.cancel_reason = self.waybill = ""
        self.risk = False
        self.nasty: tuple[str, ...] = ()

    def materialize(self, vi: int) -> Order:
        vt = self.vtimes[vi]
        digits = self.digits
        cancelled, completed, paid = self.cancel <= vt, self.completed <= vt, self.paid <= vt
        lines = []
        needed = shipped = last_ship = 0
        first_ship = NEVER
        subtotal = 0
        for ln in self.lines:
            ship = ln.ship
            if ln.refund <= vt:
                status = "refunded"
            elif cancelled:
                status = "cancelled"
            elif completed:
                status = "completed"
            elif ship <= vt:
                status = "shipped"
            else:
                status = "paid" if paid else "unpaid"
            if ship <= vt:
                first_ship = min(first_ship, ship)
            if not (ln.refund_before and ln.refund <= vt):
                needed += 1
                if ship <= vt:
                    shipped += 1
                    last_ship = max(last_ship, ship)
            sku = ln.sku
            subtotal += sku.price * ln.quantity
            lines.append(
                build(
                    OrderLine,
                    {
                        "line_id": ln.line_id,
                        "sku_id": sku.sku_id,
                        "sku_code": sku.sku_code,
                        "product_id": sku.product_id,
                        "title": sku.title,
                        "category": sku.category,
                        "quantity": ln.quantity,
                        "unit_price": money(sku.price, digits),
                        "paid_amount": money(ln.paid, digits),
                        "status": status,
                        "shipped_at": dt(ship) if ship <= vt else None,
                    },
                )
            )
        all_shipped = needed > 0 and shipped == needed
        if cancelled:
            status = "cancelled"
        elif completed:
            status = "completed"
        elif not paid:
            status = "unpaid"
        else:
            status = "shipped" if all_shipped else ("partly_shipped" if shipped else "paid")
        rec = self.receiver_alt if self.address_change <= vt else self.receiver
        total = subtotal + self.post_fee
        return build(
            Order,
            {
                "order_id": self.order_id,
                "shop_key": self.shop_key,
                "status": status,
                "created_at": dt(self.created),
                "modified_at": dt(vt),
                "paid_at": dt(self.paid) if paid else None,
                "shipped_at": dt(last_ship) if all_shipped else None,
                "completed_at": dt(self.completed) if completed else None,
                "cancelled_at": dt(self.cancel) if cancelled else None,
                "ship_by": dt(self.ship_by) if paid and self.ship_by < NEVER else None,
                "lines": tuple(lines),
                "receiver": build(Receiver, dict(zip(RECEIVER_FIELDS, rec, strict=True))),
                "buyer_id": self.buyer_id,
                "post_fee": money(self.post_fee, digits),
                "discount": money(self.discount, digits),
                "total_amount": money(total, digits),
                "paid_amount": money(total - self.discount, digits),
                "buyer_message": self.buyer_message,
                "cancel_reason": self.cancel_reason if cancelled else "",
                "waybill": self.waybill if first_ship <= vt else "",
                "risk_flag": self.risk and vt < self.risk_clear,
                "version": vi + 1,
            },
        )


class RefundSpec:
    # fmt: off
    __slots__ = (
        "refund_id", "order", "line", "shop_key", "kind", "reason_code", "reason_text", "amount",
        "quantity", "created", "approved", "returned", "refunded", "ended", "end_status", "vtimes",
    )
    # fmt: on

    def __init__(self) -> None:
        self.approved = self.returned = self.refunded = self.ended = NEVER
        self.end_status = "closed"

    def materialize(self, vi: int) -> Refund:
        vt = self.vtimes[vi]
        if self.refunded <= vt:
            status = "refunded"
        elif self.ended <= vt:
            status = self.end_status
        elif self.returned <= vt:
            status = "waiting_seller_receipt"
        elif self.approved <= vt:
            status = "waiting_buyer_return"
        else:
            status = "requested"
        sku = self.line.sku
        return build(
            Refund,
            {
                "refund_id": self.refund_id,
                "order_id": self.order.order_id,
                "line_id": self.line.line_id,
                "shop_key": self.shop_key,
                "sku_id": sku.sku_id,
                "sku_code": sku.sku_code,
                "kind": self.kind,
                "status": status,
                "reason_code": self.reason_code,
                "reason_text": self.reason_text,
                "amount": money(self.amount, self.order.digits),
                "quantity": self.quantity,
                "created_at": dt(self.created),
                "modified_at": dt(vt),
                "approved_at": dt(self.approved) if self.approved <= vt else None,
                "goods_returned_at": dt(self.returned) if self.returned <= vt else None,
                "refunded_at": dt(self.refunded) if self.refunded <= vt else None,
                "version": vi + 1,
            },
        )
