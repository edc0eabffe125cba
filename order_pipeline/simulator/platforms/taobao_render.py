"""How a neutral order, refund or stock level looks in Taobao's TOP responses.

Separate from the gateway (`taobao.py`) because rendering is pure: it maps the neutral lifecycle onto TOP's
status enums, yuan strings and GMT+8 strings, and can be read against docs/platform-api.md field by field.
Taobao omits absent fields rather than sending null, so every renderer drops None values.
"""

from __future__ import annotations

from datetime import datetime

from order_pipeline.simulator.model import Order, OrderLine, Refund, StockLevel

from .common import gmt8, json_id, opaque_token, yuan

_TRADE_STATUS = {
    "unpaid": "WAIT_BUYER_PAY",
    "paid": "WAIT_SELLER_SEND_GOODS",
    "partly_shipped": "SELLER_CONSIGNED_PART",
    "shipped": "WAIT_BUYER_CONFIRM_GOODS",
    "completed": "TRADE_FINISHED",
}
_LINE_STATUS = {
    "unpaid": "WAIT_BUYER_PAY",
    "paid": "WAIT_SELLER_SEND_GOODS",
    "shipped": "WAIT_BUYER_CONFIRM_GOODS",
    "completed": "TRADE_FINISHED",
    "refunded": "TRADE_CLOSED",
}
REFUND_STATUS = {
    "requested": "WAIT_SELLER_AGREE",
    "waiting_buyer_return": "WAIT_BUYER_RETURN_GOODS",
    "waiting_seller_receipt": "WAIT_SELLER_CONFIRM_GOODS",
    "refunded": "SUCCESS",
    "rejected": "SELLER_REFUSE_BUYER",
    "closed": "CLOSED",
}
_DISPUTE_TYPE = {
    "refund_before_shipping": "REFUND",
    "refund_after_shipping": "REFUND",
    "return_and_refund": "REFUND_AND_RETURN",
    "exchange": "TAOBAO_EXCHANGE",
    "price_protection": "REFUND",
}
LOGISTICS_COMPANY = "中通快递"


def _closed(order: Order) -> str:
    """A trade closed before payment is closed by Taobao (timeout); after payment, by a full refund/cancel."""
    return "TRADE_CLOSED_BY_TAOBAO" if order.paid_at is None else "TRADE_CLOSED"


def trade_status(order: Order) -> str:
    return _TRADE_STATUS.get(order.status) or _closed(order)


def line_status(order: Order, line: OrderLine) -> str:
    return _LINE_STATUS.get(line.status) or _closed(order)


def _compact(record: dict) -> dict:
    return {key: value for key, value in record.items() if value is not None}


def trade_header(order: Order) -> dict:
    """The list-level fields of taobao.trades.sold.increment.get (the detail call carries the rest)."""
    return {
        "tid": json_id(order.order_id),
        "tid_str": order.order_id,
        "status": trade_status(order),
        "modified": gmt8(order.modified_at),
        "created": gmt8(order.created_at),
    }


def _hours(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(int((end - start).total_seconds() // 3600), 0)


def trade_full(order: Order, with_lines: bool) -> dict:
    """taobao.trade.fullinfo.get: every documented field; `orders` only when named in `fields`."""
    receiver = order.receiver
    goods_total = order.total_amount - order.post_fee
    trade = {
        **trade_header(order),
        "type": "fixed",
        "pay_time": gmt8(order.paid_at),
        "consign_time": gmt8(order.shipped_at),
        "end_time": gmt8(order.completed_at or order.cancelled_at),
        "payment": yuan(order.paid_amount),
        "total_fee": yuan(goods_total),
        "post_fee": yuan(order.post_fee),
        "discount_fee": yuan(order.discount),
        "adjust_fee": "0.00",
        "received_payment": yuan(order.paid_amount) if order.status == "completed" else "0.00",
        "receiver_name": receiver.name,
        "receiver_mobile": receiver.phone,
        "receiver_phone": "",
        "receiver_state": receiver.province,
        "receiver_city": receiver.city,
        "receiver_district": receiver.district,
        "receiver_town": receiver.town,
        "receiver_address": receiver.detail,
        "receiver_zip": receiver.zipcode,
        "buyer_open_uid": order.buyer_id,
        "oaid": opaque_token("taobao-oaid", order.order_id),
        "delivery_time": gmt8(order.ship_by),
        "consign_interval": _hours(order.paid_at, order.ship_by),
        "seller_memo": "",
        "buyer_message": order.buyer_message,
    }
    if with_lines:
        trade["orders"] = {"order": [_line(order, line) for line in order.lines]}
    return _compact(trade)


def _line(order: Order, line: OrderLine) -> dict:
    """One sub-order. Line refund state comes from the line itself: the world exposes no refunds-by-order
    query, so an in-flight refund shows on taobao.refunds.receive.get, and a finished one here as SUCCESS."""
    shipped = line.shipped_at is not None
    return _compact(
        {
            "oid": json_id(line.line_id),
            "oid_str": line.line_id,
            "num_iid": json_id(line.product_id),
            "sku_id": line.sku_id,
            "outer_sku_id": line.sku_code,
            "outer_iid": line.sku_code.split("-")[0],
            "title": line.title,
            "num": line.quantity,
            "price": yuan(line.unit_price),
            "total_fee": yuan(line.paid_amount),
            "payment": yuan(line.paid_amount),
            "divide_order_fee": yuan(line.paid_amount),
            "status": line_status(order, line),
            "refund_status": "SUCCESS" if line.status == "refunded" else "NO_REFUND",
            "consign_time": gmt8(line.shipped_at),
            "invoice_no": order.waybill if shipped and order.waybill else None,
            "logistics_company": LOGISTICS_COMPANY if shipped else None,
        }
    )


def refund_record(refund: Refund, order: Order | None) -> dict:
    """taobao.refunds.receive.get carries every refund field in the list (there is no detail call)."""
    line = next((ln for ln in order.lines if ln.line_id == refund.line_id), None) if order else None
    if refund.kind == "refund_before_shipping":
        good_status = "BUYER_NOT_RECEIVED"
    elif refund.goods_returned_at is not None:
        good_status = "BUYER_RETURNED_GOODS"
    else:
        good_status = "BUYER_RECEIVED"
    after_sale = (
        order is not None and order.completed_at is not None and refund.created_at >= order.completed_at
    )
    return _compact(
        {
            "refund_id": json_id(refund.refund_id),
            "tid": json_id(refund.order_id),
            "oid": json_id(refund.line_id),
            "status": REFUND_STATUS[refund.status],
            "good_status": good_status,
            "has_good_return": refund.kind in ("return_and_refund", "exchange"),
            "reason": refund.reason_code,
            "desc": refund.reason_text,
            "refund_fee": yuan(refund.amount),
            "payment": yuan(order.paid_amount) if order else None,
            "total_fee": yuan(line.paid_amount) if line else None,
            "num": refund.quantity,
            "sku": f"{refund.sku_id}|商家编码:{refund.sku_code}",
            "refund_phase": "aftersale" if after_sale else "onsale",
            "dispute_type": _DISPUTE_TYPE[refund.kind],
            "created": gmt8(refund.created_at),
            "modified": gmt8(refund.modified_at),
            "order_status": trade_status(order) if order else None,
            "title": line.title if line else None,
        }
    )


def item_record(product_id: str, skus: list[StockLevel]) -> dict:
    """One on-sale item of taobao.items.onsale.get: `num` is the item's total sellable stock."""
    return {
        "num_iid": json_id(product_id),
        "title": skus[0].title,
        "num": sum(sku.quantity for sku in skus),
        "outer_id": skus[0].sku_code.split("-")[0],
        "modified": gmt8(max(sku.modified_at for sku in skus)),
    }


def sku_record(sku: StockLevel) -> dict:
    return {
        "sku_id": json_id(sku.sku_id),
        "num_iid": json_id(sku.product_id),
        "outer_id": sku.sku_code,
        "quantity": sku.quantity,
        "properties_name": f"0:0:规格:{sku.title}",
        "modified": gmt8(sku.modified_at),
    }
