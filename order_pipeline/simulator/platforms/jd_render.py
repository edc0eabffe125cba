"""How a neutral order, refund or stock level looks in JD JOS (POP) responses.

Pure mapping, kept apart from the gateway (`jd.py`) so it reads against docs/platform-api.md field by field.
JD sends ids, amounts and quantities as strings, amounts in yuan, times as GMT+8 strings.

JD's POP order states have no "awaiting payment": a POP seller sees an order once it is paid (or closed).
`SHOWS_UNPAID_ORDERS` keeps that as a setting of the simulator rather than a hard-coded truth.
"""

from __future__ import annotations

from order_pipeline.simulator.model import Order, Refund, SimShop, StockLevel

from .common import gmt8, opaque_token, yuan

SHOWS_UNPAID_ORDERS = False
ORDER_STATES = (
    "WAIT_SELLER_STOCK_OUT",
    "WAIT_GOODS_RECEIVE_CONFIRM",
    "WAIT_SELLER_DELIVERY",
    "PAUSE",
    "FINISHED_L",
    "TRADE_CANCELED",
    "LOCKED",
    "POP_ORDER_PAUSE",
)
_ORDER_STATE = {
    "unpaid": "WAIT_SELLER_STOCK_OUT",  # only rendered when SHOWS_UNPAID_ORDERS is switched on
    "paid": "WAIT_SELLER_STOCK_OUT",
    "partly_shipped": "WAIT_SELLER_STOCK_OUT",  # JD has no partial state: goods are still to go out
    "shipped": "WAIT_GOODS_RECEIVE_CONFIRM",
    "completed": "FINISHED_L",
    "cancelled": "TRADE_CANCELED",
}
_STATE_REMARK = {
    "WAIT_SELLER_STOCK_OUT": "等待出库",
    "WAIT_GOODS_RECEIVE_CONFIRM": "等待确认收货",
    "FINISHED_L": "完成",
    "TRADE_CANCELED": "取消",
}
# refundapply status: 0 pending, 1 approved, 2 rejected, 3 refunded, 4 cancelled
_REFUND_STATUS = {
    "requested": 0,
    "waiting_buyer_return": 1,
    "waiting_seller_receipt": 1,
    "refunded": 3,
    "rejected": 2,
    "closed": 4,
}
LOGISTICS_ID = "467"  # a JD carrier id for the simulated merchant's one carrier


def visible(order: Order) -> bool:
    return SHOWS_UNPAID_ORDERS or order.status != "unpaid"


def order_state(order: Order) -> str:
    return _ORDER_STATE[order.status]


def order_header(order: Order) -> dict:
    """What jingdong.pop.order.enSearch lists: the header only; enGet carries lines and consignee."""
    return {
        "orderId": order.order_id,
        "orderState": order_state(order),
        "modified": gmt8(order.modified_at),
        "orderStartTime": gmt8(order.created_at),
    }


def _region_id(name: str) -> str:
    return str(int(opaque_token("jd-region", name)[:6], 16) % 100000)


def order_detail(order: Order, shop: SimShop) -> dict:
    """jingdong.pop.order.enGet `orderInfo`: every documented field, consignee in plain text."""
    receiver = order.receiver
    goods_total = order.total_amount - order.post_fee
    state = order_state(order)
    info = {
        **order_header(order),
        "venderId": shop.platform_shop_id,
        "orderType": "22",
        "orderStateRemark": _STATE_REMARK.get(state, state),
        "paymentConfirmTime": gmt8(order.paid_at),
        "orderEndTime": gmt8(order.completed_at or order.cancelled_at),
        "orderTotalPrice": yuan(goods_total),
        "orderSellerPrice": yuan(goods_total - order.discount),
        "orderPayment": yuan(order.paid_amount),
        "freightPrice": yuan(order.post_fee),
        "sellerDiscount": yuan(order.discount),
        "waybill": order.waybill,
        "logisticsId": LOGISTICS_ID if order.waybill else "",
        "open_id_buyer": order.buyer_id,
        "deliveryType": "任意时间",
        "orderRemark": order.buyer_message,
        "venderRemark": "",
        "consigneeInfo": {
            "fullname": receiver.name,
            "mobile": receiver.phone,
            "telephone": "",
            "province": receiver.province,
            "provinceId": _region_id(receiver.province),
            "city": receiver.city,
            "cityId": _region_id(receiver.province + receiver.city),
            "county": receiver.district,
            "countyId": _region_id(receiver.city + receiver.district) if receiver.district else "",
            "town": receiver.town,
            "townId": _region_id(receiver.district + receiver.town) if receiver.town else "",
            "fullAddress": f"{receiver.province}{receiver.city}{receiver.district}{receiver.town}{receiver.detail}",
        },
        "itemInfoList": [
            {
                "skuId": line.sku_id,
                "outerSkuId": line.sku_code,
                "wareId": line.product_id,
                "skuName": line.title,
                "jdPrice": yuan(line.unit_price),
                "itemTotal": str(line.quantity),
                "productNo": "",
            }
            for line in order.lines
        ],
    }
    return {key: value for key, value in info.items() if value is not None}


def refund_record(refund: Refund, order: Order | None) -> dict:
    """One jingdong.pop.afs.soa.refundapply.queryPageList row."""
    record = {
        "id": refund.refund_id,
        "orderId": refund.order_id,
        "buyerId": order.buyer_id if order else "",
        "applyRefundSum": yuan(refund.amount),
        "applyTime": gmt8(refund.created_at),
        "checkTime": gmt8(refund.approved_at),
        "modifiedTime": gmt8(refund.modified_at),
        "status": _REFUND_STATUS[refund.status],
        "reason": refund.reason_code,
        "reasonDesc": refund.reason_text,
        "skuId": refund.sku_id,
        "applyNum": refund.quantity,
    }
    return {key: value for key, value in record.items() if value is not None}


def sku_record(level: StockLevel) -> dict:
    return {
        "skuId": level.sku_id,
        "wareId": level.product_id,
        "outerId": level.sku_code,
        "skuName": level.title,
        "stockNum": level.quantity,
        "modified": gmt8(level.modified_at),
    }
