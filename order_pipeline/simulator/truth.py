"""Ground-truth rows: what the pipeline's warehouse should end up holding, as plain JSON-able dicts.

Tests and the benchmark compare the warehouse with these rows, so their shape is a contract: the model
dataclass fields as they are (datetimes ISO-8601 UTC with `Z`, Decimals as strings so no float rounding creeps
in), plus `platform` and `shop_key` on every row. Orders carry the receiver as a nested object and their
currency and line count but not the lines; `order_lines` rows carry `order_id` plus the line fields.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal

from order_pipeline.simulator.catalog import currency_digits
from order_pipeline.simulator.model import Order, OrderLine, Receiver, Refund, SimShop, StockLevel
from order_pipeline.simulator.platforms import jd_render


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _names(cls: type, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in skip)


_ORDER = _names(Order, ("lines", "receiver"))
_LINE = _names(OrderLine)
_RECEIVER = _names(Receiver)
_REFUND = _names(Refund)
_STOCK = _names(StockLevel)


def listed(shop: SimShop, order: Order) -> bool:
    """Whether the platform shows the order to the seller at all: JD POP only shows orders once they are paid
    (its documented states have no awaiting-payment state), so its truth leaves the others out too."""
    return shop.platform != "jd" or jd_render.visible(order)


def order_rows(shop: SimShop, order: Order) -> list[dict]:
    if not listed(shop, order):
        return []
    row = {"platform": shop.platform, "shop_key": shop.key}
    for name in _ORDER:
        row[name] = _plain(getattr(order, name))
    row["receiver"] = {name: getattr(order.receiver, name) for name in _RECEIVER}
    row["currency"] = shop.currency
    row["line_count"] = len(order.lines)
    return [row]


def line_rows(shop: SimShop, order: Order) -> list[dict]:
    if not listed(shop, order):
        return []
    rows = []
    for line in order.lines:
        row = {"platform": shop.platform, "shop_key": shop.key, "order_id": order.order_id}
        for name in _LINE:
            row[name] = _plain(getattr(line, name))
        rows.append(row)
    return rows


def refund_rows(shop: SimShop, refund: Refund) -> list[dict]:
    row = {"platform": shop.platform}
    for name in _REFUND:
        row[name] = _plain(getattr(refund, name))
    row["currency"] = shop.currency
    return [row]


def stock_rows(shop: SimShop, level: StockLevel) -> list[dict]:
    row = {"platform": shop.platform}
    for name in _STOCK:
        row[name] = _plain(getattr(level, name))
    return [row]


def missed_rows(shop: SimShop, order: Order) -> list[dict]:
    """An order the incremental listings leave out (`missed.py`): its identity and creation time only."""
    if not listed(shop, order):
        return []
    return [{"platform": shop.platform, "shop_key": shop.key, "order_id": order.order_id,
             "created_at": iso(order.created_at)}]


ROW_MAKERS = {"orders": order_rows, "order_lines": line_rows, "refunds": refund_rows, "stock": stock_rows,
              "missed_orders": missed_rows}


def money_digits(shop: SimShop) -> int:
    """Decimal places of the shop's currency (0 for IDR/VND): how amounts in the rows are written."""
    return currency_digits(shop.currency)
