"""JD (JOS, POP seller) adapter: orders, refund applications and SKU stock over `POST {base}/routerjson`.

Orders: `jingdong.pop.order.enSearch` lists by modified time (`dateType=0`, newest first with `sortType=1`,
so it is paged backwards, see `paging`), then `jingdong.pop.order.enGet` fetches each order with its
consignee and lines; the nightly completeness pass lists by created time (`dateType=1`). Refunds: `jingdong.pop.afs.soa.refundapply.queryPageList` (newest first: backwards too).
Stock: `jingdong.sku.read.searchSkuList`. Business parameters travel as one signed JSON string
(`jd_signing`); errors come inside HTTP 200 as `error_response`, or as `code != "0"` in the `_responce` object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from order_pipeline.platforms import jd_signing
from order_pipeline.platforms.base import Batch, PlatformAdapter, WantedKeys, Window
from order_pipeline.platforms.beijing_time import format_beijing, parse_beijing_or_none
from order_pipeline.platforms.created import only_wanted
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.paging import Page, list_then_detail, pages_backward, pages_forward

DATE_TYPE_MODIFIED, DATE_TYPE_CREATED = 0, 1  # enSearch's `dateType`: which time the window applies to
ALL_ORDER_STATES = ("WAIT_SELLER_STOCK_OUT,WAIT_GOODS_RECEIVE_CONFIRM,WAIT_SELLER_DELIVERY,PAUSE,FINISHED_L,"
                    "TRADE_CANCELED,LOCKED,POP_ORDER_PAUSE")
ORDER_LIST_FIELDS = "orderId,orderState,modified,orderStartTime"
ORDER_FIELDS = (
    "orderId,venderId,orderType,orderState,orderStateRemark,orderStartTime,paymentConfirmTime,modified,"
    "orderEndTime,orderTotalPrice,orderSellerPrice,orderPayment,freightPrice,sellerDiscount,waybill,logisticsId,"
    "open_id_buyer,deliveryType,orderRemark,venderRemark,consigneeInfo,itemInfoList"
)
SKU_FIELDS = "skuId,wareId,outerId,skuName,stockNum,modified"

# Codes from docs/platform-api.md (all [unverified] there): 19 token, 12 app key, 14 signature, 65 platform
# connection error, 66 parameters, 11000 rate limit ("Too many requests, retry after N seconds").
_REAUTHORISE_CODES = {"19"}
_RETRY_CODES = {"65"}
_BACK_OFF_CODES = {"11000"}
_RETRY_AFTER = re.compile(r"retry\s+after\s+(\d+)\s*s", re.IGNORECASE)


def classify_error(error: Mapping[str, Any], api: str | None = None) -> PlatformError:
    """An `error_response` (or a failed `_responce`) as a PlatformError; unknown codes stop with JD's words."""
    code = str(error.get("code", "")).strip() or "unknown"
    texts = [str(error[k]) for k in ("zh_desc", "en_desc", "errorMessage", "msg") if error.get(k)]
    message = " | ".join(texts) or "no message"
    request_id = error.get("request_id") or error.get("requestId")
    if code in _BACK_OFF_CODES:
        match = next((m for m in map(_RETRY_AFTER.search, texts) if m), None)
        return PlatformError("jd", ErrorAction.BACK_OFF, code, message, api=api, request_id=request_id,
                             retry_after=float(match.group(1)) if match else None)
    if code in _REAUTHORISE_CODES:
        action = ErrorAction.REAUTHORISE
    elif code in _RETRY_CODES:
        action = ErrorAction.RETRY
    else:
        action = ErrorAction.STOP  # 12, 14, 66 and anything the contract does not name
    return PlatformError("jd", action, code, message, api=api, request_id=request_id)


def parse_response(method: str, body: Any) -> dict[str, Any]:
    """The `<method>_responce` object (sic) of a JOS reply, or the classified error."""
    if not isinstance(body, dict):
        raise PlatformError("jd", ErrorAction.STOP, "unexpected", f"non-object body: {str(body)[:200]}", api=method)
    if "error_response" in body:
        raise classify_error(body["error_response"] or {}, method)
    key = method.replace(".", "_") + "_responce"
    response = body.get(key)
    if not isinstance(response, dict):
        raise PlatformError("jd", ErrorAction.STOP, "unexpected", f"no {key} in {str(body)[:200]}", api=method)
    if str(response.get("code", "0")) != "0":
        raise classify_error(response, method)
    return response


def _result(response: Mapping[str, Any], name: str, api: str) -> dict[str, Any]:
    """A named result object, refusing one that says `success: false` (JD's business-level failure)."""
    result = response.get(name)
    if not isinstance(result, dict):
        raise PlatformError("jd", ErrorAction.STOP, "unexpected", f"no {name} in {api} reply", api=api)
    api_result = result.get("apiResult") if isinstance(result.get("apiResult"), dict) else result
    if api_result.get("success") is False:
        raise classify_error({"code": api_result.get("code") or api_result.get("resultCode") or "business",
                              "msg": api_result.get("chineseErrCode") or api_result.get("englishErrCode")
                              or api_result.get("message") or str(api_result)[:200]}, api)
    return result


class JdAdapter(PlatformAdapter):
    platform = "jd"
    # "At most 1 month apart": a calendar month may be read (February has 28 days), so 28 days never fails.
    max_window = {"orders": timedelta(days=28), "refunds": timedelta(days=28)}
    max_created_window = timedelta(days=28)  # the same enSearch window rule applies to created time
    pii_paths = {
        "orders": [("consigneeInfo", "fullname"), ("consigneeInfo", "mobile"), ("consigneeInfo", "telephone"),
                   ("consigneeInfo", "fullAddress"), ("open_id_buyer",), ("pin",),
                   ("orderRemark",)],  # buyer-typed note: often carries a phone number or an address
        "refunds": [("buyerId",), ("buyerName",)],
        "stock": [],
    }
    gateway_path = "/routerjson"
    page_size = 100  # enSearch maximum
    refund_page_size = 50  # queryPageList maximum
    stock_page_size = 100

    def call(self, method: str, business: Mapping[str, Any]) -> dict[str, Any]:
        """One JOS call, re-signed on every attempt; returns the `<method>_responce` object."""
        url = self.base_url + self.gateway_path
        param_json = jd_signing.param_json(business)

        def build():
            form = jd_signing.signed({"method": method, "app_key": self.app_key, "access_token": self.access_token,
                                      "timestamp": format_beijing(self.clock.now()), "v": "2.0",
                                      "360buy_param_json": param_json}, self.app_secret)
            return self.transport.client.build_request("POST", url, data=form)

        return self.transport.call(method, build, lambda body: parse_response(method, body))

    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        return self._search(window, DATE_TYPE_MODIFIED)

    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        return self._search(window, DATE_TYPE_CREATED, wanted)

    def _search(self, window: Window, date_type: int, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        """enSearch newest first by the chosen time, paged backwards (safe for both: a created-time list only
        grows, by an order paid while we page), then enGet per order `wanted` picks."""
        api = "jingdong.pop.order.enSearch"
        query = {"start_date": format_beijing(window.start), "end_date": format_beijing(window.end),
                 "order_state": ALL_ORDER_STATES, "optional_fields": ORDER_LIST_FIELDS,
                 "page_size": str(self.page_size), "sortType": 1, "dateType": date_type}

        def read(page: int) -> Page:
            response = self.call(api, {**query, "page": str(page)})
            result = _result(response, "searchorderinfo_result", api)
            return Page(page, list(result.get("orderInfoList") or []), int(result.get("orderTotal") or 0),
                        [_request_id(response)])

        pages = only_wanted(pages_backward(read, first=1, size=self.page_size),
                            lambda r: self.record_key("orders", r), wanted)
        return list_then_detail(pages, stream="orders", window=window,
                                key_of=lambda r: self.record_key("orders", r),
                                modified_of=lambda r: self.record_modified("orders", r),
                                detail=self._order, concurrency=self.detail_concurrency)

    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        api = "jingdong.pop.afs.soa.refundapply.queryPageList"
        query = {"modifiedStart": format_beijing(window.start), "modifiedEnd": format_beijing(window.end),
                 "pageSize": self.refund_page_size}

        def read(page: int) -> Page:
            response = self.call(api, {**query, "pageIndex": page})
            result = _result(response, "queryResult", api)
            return Page(page, list(result.get("result") or []), int(result.get("totalCount") or 0),
                        [_request_id(response)])

        pages = pages_backward(read, first=1, size=self.refund_page_size)
        return list_then_detail(pages, stream="refunds", window=window,
                                key_of=lambda r: self.record_key("refunds", r),
                                modified_of=lambda r: self.record_modified("refunds", r),
                                detail=None, concurrency=self.detail_concurrency)

    def fetch_stock(self) -> Iterator[Batch]:
        api = "jingdong.sku.read.searchSkuList"

        def read(page: int) -> Page:
            response = self.call(api, {"page": page, "pageSize": self.stock_page_size, "field": SKU_FIELDS})
            result = _result(response, "page", api)
            return Page(page, list(result.get("data") or []), int(result.get("totalItem") or 0),
                        [_request_id(response)])

        seen: set[str] = set()
        for page in pages_forward(read, self.stock_page_size):
            records = [sku for sku in page.records if self.record_key("stock", sku) not in seen]
            seen.update(self.record_key("stock", sku) for sku in records)
            yield Batch(stream="stock", records=records, request_ids=[rid for rid in page.request_ids if rid])

    def _order(self, order_id: str) -> tuple[dict[str, Any], str | None]:
        api = "jingdong.pop.order.enGet"
        response = self.call(api, {"order_id": order_id, "optional_fields": ORDER_FIELDS,
                                   "order_state": ALL_ORDER_STATES})
        order = _result(response, "orderDetailInfo", api).get("orderInfo")
        if not isinstance(order, dict):
            raise PlatformError("jd", ErrorAction.STOP, "unexpected", f"no orderInfo for order {order_id}", api=api)
        return order, _request_id(response)

    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        field = {"orders": "orderId", "refunds": "id", "stock": "skuId"}.get(stream)
        if field is None:
            raise ValueError(f"unknown stream {stream!r}")
        return str(record[field])

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        return parse_beijing_or_none(record.get("modifiedTime" if stream == "refunds" else "modified"))


def _request_id(response: Mapping[str, Any]) -> str | None:
    """JOS names no request id in its replies; keep one if the gateway sends it."""
    value = response.get("request_id") or response.get("requestId")
    return str(value) if value else None
