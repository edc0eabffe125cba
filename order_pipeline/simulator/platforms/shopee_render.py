"""How a neutral order, return or stock level looks in Shopee Open API v2 responses.

Pure mapping, apart from the endpoints (`shopee.py`). Shopee money is a float in the shop currency's major unit
(IDR/VND whole), times epoch seconds, and get_order_detail returns an optional field only when the caller
names it in `response_optional_fields`: the OPTIONAL table below is what makes an unnamed field absent.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import timedelta

from order_pipeline.simulator.model import Order, Refund, SimShop, StockLevel

from .common import epoch, json_id, major_units

ORDER_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
    "COMPLETED",
)
_STATUS = {
    "unpaid": "UNPAID",
    "paid": "READY_TO_SHIP",
    "partly_shipped": "PROCESSED",
    "shipped": "SHIPPED",
    "completed": "COMPLETED",
    "cancelled": "CANCELLED",
}
RETURN_STATUS = {
    "requested": "REQUESTED",
    "waiting_buyer_return": "ACCEPTED",
    "waiting_seller_receipt": "PROCESSING",
    "refunded": "REFUND_PAID",
    "rejected": "CLOSED",
    "closed": "CANCELLED",
}
CARRIER = "Standard Delivery"
RETURN_DUE = timedelta(days=3)


def order_status(order: Order) -> str:
    """Shopee has no partial shipment state: a partly shipped order is PROCESSED (still being handed over)."""
    return _STATUS[order.status]


def numeric_id(value: str) -> int:
    """Shopee ids are integers; a non-numeric world id gets a stable integer stand-in."""
    as_id = json_id(value)
    return as_id if isinstance(as_id, int) else zlib.crc32(value.encode())


def _days_to_ship(order: Order) -> int:
    if order.ship_by is None or order.paid_at is None:
        return 3
    return max(1, -(-(order.ship_by - order.paid_at) // timedelta(days=1)))


def _items(order: Order, shop: SimShop) -> list[dict]:
    money = shop.currency
    return [
        {
            "item_id": numeric_id(line.product_id),
            "item_name": line.title,
            "item_sku": line.sku_code.split("-")[0],
            "model_id": numeric_id(line.sku_id),
            "model_name": line.title,
            "model_sku": line.sku_code,
            "model_quantity_purchased": line.quantity,
            "model_original_price": major_units(line.unit_price, money),
            "model_discounted_price": major_units(line.paid_amount / line.quantity, money),
            "order_item_id": numeric_id(line.line_id),
            "promotion_id": 0,
        }
        for line in order.lines
    ]


def _address(order: Order, shop: SimShop) -> dict:
    receiver = order.receiver
    return {
        "name": receiver.name,
        "phone": receiver.phone,
        "town": receiver.town,
        "district": receiver.district,
        "city": receiver.city,
        "state": receiver.province,
        "region": shop.region,
        "zipcode": receiver.zipcode,
        "full_address": ", ".join(
            p
            for p in (
                receiver.detail,
                receiver.town,
                receiver.district,
                receiver.city,
                receiver.province,
                receiver.zipcode,
            )
            if p
        ),
    }


def _packages(order: Order) -> list[dict]:
    """One package per shipment: the lines already handed to the carrier in a picked-up package, the rest (a
    partly shipped order) in a second package still waiting for pickup."""
    shipped = [line for line in order.lines if line.shipped_at is not None]
    if not order.waybill and not shipped:
        return []
    waiting = [line for line in order.lines if line.shipped_at is None]
    groups = [(shipped, "LOGISTICS_PICKUP_DONE"), (waiting, "LOGISTICS_READY")] if shipped else [
        (waiting, "LOGISTICS_READY")]
    return [
        {
            "package_number": f"OFG{order.order_id}" + (f"-{index}" if index else ""),
            "logistics_status": status,
            "shipping_carrier": CARRIER,
            "item_list": [{"item_id": numeric_id(ln.product_id), "model_id": numeric_id(ln.sku_id)} for ln in lines],
        }
        for index, (lines, status) in enumerate(group for group in groups if group[0])
    ]


def _cancel_by(order: Order) -> str:
    if order.status != "cancelled":
        return ""
    return "system" if order.paid_at is None else "buyer"


_Render = Callable[[Order, SimShop], object]
OPTIONAL: dict[str, _Render] = {
    "buyer_user_id": lambda o, s: numeric_id(o.buyer_id),
    "buyer_username": lambda o, s: f"buyer_{zlib.crc32(o.buyer_id.encode()):08x}",
    "estimated_shipping_fee": lambda o, s: major_units(o.post_fee, s.currency),
    "recipient_address": _address,
    "actual_shipping_fee": lambda o, s: major_units(o.post_fee, s.currency) if o.shipped_at else 0,
    "goods_to_declare": lambda o, s: False,
    "note": lambda o, s: "",
    "note_update_time": lambda o, s: 0,
    "item_list": _items,
    "pay_time": lambda o, s: epoch(o.paid_at),
    "dropshipper": lambda o, s: "",
    "dropshipper_phone": lambda o, s: "",
    "split_up": lambda o, s: False,
    "buyer_cancel_reason": lambda o, s: o.cancel_reason if _cancel_by(o) == "buyer" else "",
    "cancel_by": lambda o, s: _cancel_by(o),
    "cancel_reason": lambda o, s: o.cancel_reason,
    "actual_shipping_fee_confirmed": lambda o, s: o.shipped_at is not None,
    "buyer_cpf_id": lambda o, s: "",
    "fulfillment_flag": lambda o, s: "fulfilled_by_local_seller",
    "pickup_done_time": lambda o, s: epoch(o.shipped_at),
    "package_list": lambda o, s: _packages(o),
    "shipping_carrier": lambda o, s: CARRIER,
    "payment_method": lambda o, s: "ShopeePay",
    "total_amount": lambda o, s: major_units(o.paid_amount, s.currency),
    "invoice_data": lambda o, s: None,
}


def order_detail(order: Order, shop: SimShop, optional: set[str]) -> dict:
    record = {
        "order_sn": order.order_id,
        "region": shop.region,
        "currency": shop.currency,
        "cod": False,
        "order_status": order_status(order),
        "create_time": epoch(order.created_at),
        "update_time": epoch(order.modified_at),
        "days_to_ship": _days_to_ship(order),
        "ship_by_date": epoch(order.ship_by),
        "message_to_seller": order.buyer_message,
        "reverse_logistic_status": "",
    }
    for name in optional:
        if name in OPTIONAL:
            record[name] = OPTIONAL[name](order, shop)
    return record


def return_record(refund: Refund, order: Order | None, shop: SimShop) -> dict:
    line = next((ln for ln in order.lines if ln.line_id == refund.line_id), None) if order else None
    money = shop.currency
    before_discount = line.unit_price * refund.quantity if line else refund.amount
    return {
        "return_sn": refund.refund_id,
        "order_sn": refund.order_id,
        "reason": refund.reason_code,
        "text_reason": refund.reason_text,
        "refund_amount": major_units(refund.amount, money),
        "amount_before_discount": major_units(before_discount, money),
        "currency": money,
        "status": RETURN_STATUS[refund.status],
        "create_time": epoch(refund.created_at),
        "update_time": epoch(refund.modified_at),
        "due_date": epoch(refund.created_at + RETURN_DUE),
        "tracking_number": f"SPXR{refund.refund_id[-10:]}" if refund.goods_returned_at else "",
        # 0 = return and refund, 1 = refund only; needs_logistics says whether goods travel back
        "return_solution": 0 if refund.kind in ("return_and_refund", "exchange") else 1,
        "needs_logistics": refund.kind in ("return_and_refund", "exchange"),
        "item": [
            {
                "item_id": numeric_id(line.product_id if line else ""),
                "model_id": numeric_id(refund.sku_id),
                "name": line.title if line else "",
                "item_sku": refund.sku_code.split("-")[0],
                "variation_sku": refund.sku_code,
                "amount": refund.quantity,
                "item_price": major_units(line.unit_price, money) if line else 0,
            }
        ],
    }


def item_record(product_id: str, skus: list[StockLevel]) -> dict:
    return {
        "item_id": numeric_id(product_id),
        "item_status": "NORMAL",
        "update_time": epoch(max(level.modified_at for level in skus)),
    }


def model_list(skus: list[StockLevel], shop: SimShop) -> dict:
    """Price is not part of a stock level in the world, so `price_info` is sent empty."""
    return {
        "tier_variation": [{"name": "Variation", "option_list": [{"option": level.title} for level in skus]}],
        "model": [
            {
                "model_id": numeric_id(level.sku_id),
                "model_sku": level.sku_code,
                "stock_info_v2": {
                    "summary_info": {
                        "total_reserved_stock": level.reserved,
                        "total_available_stock": level.quantity,
                    },
                    "seller_stock": [{"location_id": f"{shop.region}Z", "stock": level.quantity}],
                },
                "price_info": [],
            }
            for level in skus
        ],
    }
