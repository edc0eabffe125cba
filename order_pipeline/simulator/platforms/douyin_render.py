"""How a neutral order, after-sale case or stock level looks in Douyin shop (抖店) responses.

Pure mapping, apart from the endpoints (`douyin.py`). Douyin money is whole fen, times epoch seconds (0 for
"not yet"), statuses small integers. Receiver data: the real platform sends only `encrypt_*` ciphertext and
`mask_*` forms; the simulator sends those too, plus the plain `post_receiver` / `post_tel` / `post_addr.detail`
on the detail call, because the simulated merchant has no decryption service (the pipeline encrypts PII before
landing). The list call carries masked receiver data only.
"""

from __future__ import annotations

import zlib

from order_pipeline.simulator.model import Order, OrderLine, Refund, SimShop, StockLevel

from .common import epoch, fen, json_id, mask_name, mask_phone, opaque_token

_STATUS = {"unpaid": 1, "partly_shipped": 101, "shipped": 3, "cancelled": 4, "completed": 5}
_STATUS_DESC = {
    1: "待支付",
    105: "已支付",
    2: "备货中",
    101: "部分发货",
    3: "已发货",
    4: "已取消",
    5: "已完成",
}
_LINE_STATUS = {"unpaid": 1, "paid": 2, "shipped": 3, "completed": 5, "cancelled": 4, "refunded": 4}
AFTERSALE_TYPE = {
    "return_and_refund": 0,
    "refund_after_shipping": 1,
    "refund_before_shipping": 2,
    "exchange": 3,
    "price_protection": 6,
}
AFTERSALE_STATUS = {
    "requested": 6,
    "waiting_buyer_return": 7,
    "waiting_seller_receipt": 11,
    "refunded": 12,
    "rejected": 27,
    "closed": 28,
}
# refund_status: 0 no refund needed, 1 awaiting refund, 3 refunded, 4 refund failed / closed
_REFUND_STATUS = {
    "requested": 1,
    "waiting_buyer_return": 1,
    "waiting_seller_receipt": 1,
    "refunded": 3,
    "rejected": 4,
    "closed": 4,
}


def order_status(order: Order) -> int:
    """Paid splits in two on Douyin: 2 preparing (the to-ship queue), and 105 paid-but-not-released while the
    order is held in risk review (`risk_flag`); both mean paid, awaiting shipment."""
    if order.status == "paid":
        return 105 if order.risk_flag else 2
    return _STATUS[order.status]


def _region(name: str) -> dict:
    return {"name": name, "id": str(zlib.crc32(name.encode()) % 1_000_000) if name else ""}


def _line(order: Order, line: OrderLine) -> dict:
    refunded = line.status == "refunded"
    return {
        "order_id": line.line_id,
        "parent_order_id": order.order_id,
        "sku_id": json_id(line.sku_id),
        "out_sku_id": line.sku_code,
        "product_id": json_id(line.product_id),
        "product_name": line.title,
        "item_num": line.quantity,
        "origin_amount": fen(line.unit_price * line.quantity),
        "pay_amount": fen(line.paid_amount),
        "order_status": _LINE_STATUS[line.status],
        "after_sale_info": {
            "after_sale_status": 12 if refunded else 0,
            "refund_status": 3 if refunded else 0,
        },
    }


def shop_order(order: Order, shop: SimShop, detail: bool) -> dict:
    """One order of order.searchList (`detail=False`: masked receiver) or order.orderDetail (everything)."""
    receiver = order.receiver
    status = order_status(order)
    record = {
        "order_id": order.order_id,
        "shop_id": json_id(shop.platform_shop_id),
        "order_status": status,
        "order_status_desc": _STATUS_DESC[status],
        "main_status": status,
        "create_time": epoch(order.created_at),
        "pay_time": epoch(order.paid_at),
        "update_time": epoch(order.modified_at),
        "finish_time": epoch(order.completed_at or order.cancelled_at),
        "exp_ship_time": epoch(order.ship_by),
        "ship_time": epoch(order.shipped_at),
        "order_amount": fen(order.total_amount),
        "pay_amount": fen(order.paid_amount),
        "post_amount": fen(order.post_fee),
        "promotion_amount": fen(order.discount),
        "promotion_shop_amount": fen(order.discount),
        "promotion_platform_amount": 0,
        "mask_post_receiver": mask_name(receiver.name),
        "mask_post_tel": mask_phone(receiver.phone),
        "post_addr": {
            "province": _region(receiver.province),
            "city": _region(receiver.city),
            "town": _region(receiver.district),
            "street": _region(receiver.town),
            "detail": "****",
        },
        "doudian_open_id": order.buyer_id,
        "buyer_words": order.buyer_message,
        "seller_words": "",
        "sku_order_list": [_line(order, line) for line in order.lines],
    }
    if detail:
        record["encrypt_post_receiver"] = "~" + opaque_token("douyin-name", order.order_id) + "~"
        record["encrypt_post_tel"] = "$" + opaque_token("douyin-tel", order.order_id) + "$"
        record["post_receiver"] = receiver.name
        record["post_tel"] = receiver.phone
        record["post_addr"]["detail"] = receiver.detail
        record["post_addr"]["encrypt_detail"] = "#" + opaque_token("douyin-addr", order.order_id) + "#"
    return record


def aftersale(refund: Refund) -> dict:
    """One afterSale.List item: `{"aftersale_info": {...}}`."""
    return {
        "aftersale_info": {
            "aftersale_id": refund.refund_id,
            "order_id": refund.order_id,
            "sku_order_id": refund.line_id,
            "aftersale_type": AFTERSALE_TYPE[refund.kind],
            "aftersale_status": AFTERSALE_STATUS[refund.status],
            "refund_status": 0 if refund.kind == "exchange" else _REFUND_STATUS[refund.status],
            "refund_amount": fen(refund.amount),
            "reason": refund.reason_code,
            "reason_remark": refund.reason_text,
            "apply_time": epoch(refund.created_at),
            "update_time": epoch(refund.modified_at),
            "refund_time": epoch(refund.refunded_at),
            "return_logistics_code": f"SF{refund.refund_id[-10:]}" if refund.goods_returned_at else "",
            "sku_id": json_id(refund.sku_id),
            "item_num": refund.quantity,
        }
    }


def product(product_id: str, skus: list[StockLevel]) -> dict:
    return {
        "product_id": json_id(product_id),
        "name": skus[0].title,
        "status": 0,  # on sale
        "update_time": epoch(max(level.modified_at for level in skus)),
    }


def sku(level: StockLevel) -> dict:
    return {
        "id": json_id(level.sku_id),
        "product_id": json_id(level.product_id),
        "code": level.sku_code,
        "stock_num": level.quantity,
        "spec_detail_name1": level.title,
        "update_time": epoch(level.modified_at),
    }
