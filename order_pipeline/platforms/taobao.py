"""Taobao / Tmall (TOP) adapter: orders, refunds and stock of one shop over `POST {base}/router/rest`.

Orders: `taobao.trades.sold.increment.get` lists by modified time (newest first, so it is paged backwards,
see `paging`), then `taobao.trade.fullinfo.get` fetches each order with its lines and receiver. The nightly
completeness pass lists by created time with `taobao.trades.sold.get` (forward, `use_has_next`).
Refunds: `taobao.refunds.receive.get` (the list carries every field). Stock: `taobao.items.onsale.get`, then
`taobao.item.skus.get` for 40 items at a time. Every request is signed afresh on every attempt (the timestamp
is signed and must be within 10 minutes of the platform's clock). Errors come inside HTTP 200 as
`error_response` and are classified by `classify_error`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from order_pipeline.clock import Clock
from order_pipeline.platforms import taobao_signing
from order_pipeline.platforms.base import Batch, PlatformAdapter, WantedKeys, Window
from order_pipeline.platforms.beijing_time import format_beijing, parse_beijing_or_none
from order_pipeline.platforms.created import only_wanted, pages_with_has_next
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.paging import Page, list_then_detail, pages_backward, pages_forward
from order_pipeline.platforms.transport import TransportSettings
from order_pipeline.shops import Shop

TRADE_LIST_FIELDS = "tid,tid_str,status,modified,created"
TRADE_FIELDS = (
    "tid,tid_str,status,type,created,pay_time,modified,consign_time,end_time,payment,total_fee,post_fee,"
    "discount_fee,adjust_fee,received_payment,receiver_name,receiver_mobile,receiver_phone,receiver_state,"
    "receiver_city,receiver_district,receiver_town,receiver_address,receiver_zip,buyer_open_uid,oaid,"
    "delivery_time,consign_interval,seller_memo,buyer_message,orders"
)
REFUND_FIELDS = (
    "refund_id,tid,oid,status,good_status,has_good_return,reason,desc,refund_fee,payment,total_fee,num,sku,"
    "refund_phase,dispute_type,created,modified,order_status,title"
)
ITEM_FIELDS = "num_iid,title,num,outer_id,modified"
SKU_FIELDS = "sku_id,num_iid,outer_id,quantity,properties_name,modified"

# TOP's published error table: 4-8 are call-frequency limits, 10 "service currently unavailable", 15 "remote
# service error", 26/27/53 session errors. Codes the contract names are in docs/platform-api.md.
_BACK_OFF_CODES = {"4", "5", "6", "7", "8"}
_REAUTHORISE_CODES = {"26", "27", "53"}
_RETRY_CODES = {"10", "15"}
_BAN_SECONDS = re.compile(r"(\d+)\s*more\s*seconds", re.IGNORECASE)


def classify_error(error: Mapping[str, Any], api: str | None = None) -> PlatformError:
    """An `error_response` as a PlatformError: throttled -> back off N s, session -> re-authorise, platform
    side (`isp.*`, 10, 15) -> retry, everything else (25 signature, 29 app key, 31 timestamp, 40/41 arguments,
    unknown codes) -> stop with the platform's own words."""
    code = str(error.get("code", "")).strip()
    sub_code = str(error.get("sub_code") or "")
    sub_msg = str(error.get("sub_msg") or "")
    message = " | ".join(str(part) for part in (error.get("msg"), sub_code, sub_msg) if part) or "no message"
    request_id = error.get("request_id")
    if code in _BACK_OFF_CODES:
        match = _BAN_SECONDS.search(sub_msg) or _BAN_SECONDS.search(str(error.get("msg") or ""))
        retry_after = float(match.group(1)) if match else None
        return PlatformError("taobao", ErrorAction.BACK_OFF, code, message, retry_after=retry_after,
                             request_id=request_id, api=api)
    if code in _REAUTHORISE_CODES:
        action = ErrorAction.REAUTHORISE
    elif sub_code.startswith("isp."):
        action = ErrorAction.RETRY
    elif code == "15" and sub_code.startswith("isv."):
        action = ErrorAction.STOP  # a business refusal reported as "remote service error": retrying cannot help
    elif code in _RETRY_CODES:
        action = ErrorAction.RETRY
    else:
        action = ErrorAction.STOP
    return PlatformError("taobao", action, code or "unknown", message, request_id=request_id, api=api)


def parse_response(method: str, body: Any) -> dict[str, Any]:
    """The `<method>_response` object of a TOP reply, or the classified error."""
    if not isinstance(body, dict):
        raise PlatformError("taobao", ErrorAction.STOP, "unexpected", f"non-object body: {str(body)[:200]}", api=method)
    if "error_response" in body:
        raise classify_error(body["error_response"] or {}, method)
    key = method.removeprefix("taobao.").replace(".", "_") + "_response"
    if not isinstance(body.get(key), dict):
        raise PlatformError("taobao", ErrorAction.STOP, "unexpected", f"no {key} in {str(body)[:200]}", api=method)
    return body[key]


def _nested(response: Mapping[str, Any], outer: str, inner: str) -> list[dict[str, Any]]:
    """`{"trades": {"trade": [...]}}` -> the list (TOP omits the wrapper when it is empty)."""
    wrapper = response.get(outer) or {}
    return list(wrapper.get(inner) or []) if isinstance(wrapper, dict) else []


class TaobaoAdapter(PlatformAdapter):
    platform = "taobao"
    max_window = {"orders": timedelta(days=1), "refunds": timedelta(days=1)}
    # trades.sold.get names no width limit (only "created within three months"): a day keeps page_no small.
    max_created_window = timedelta(days=1)
    pii_paths = {
        "orders": [("receiver_name",), ("receiver_mobile",), ("receiver_phone",), ("receiver_address",),
                   ("buyer_nick",), ("buyer_open_uid",), ("oaid",),
                   ("buyer_message",)],  # buyer-typed note: often carries a phone number or an address
        "refunds": [("buyer_nick",), ("buyer_open_uid",)],
        "stock": [],
    }
    gateway_path = "/router/rest"
    page_size = 100  # the list maximum: fewest requests
    stock_page_size = 200
    skus_per_call = 40

    def __init__(self, shop: Shop, settings: TransportSettings | None = None, *, detail_concurrency: int = 4,
                 sign_method: str = "md5", clock: Clock | None = None):
        super().__init__(shop, settings, detail_concurrency=detail_concurrency, clock=clock)
        if sign_method not in taobao_signing.SIGN_METHODS:
            raise ValueError(f"sign_method must be one of {taobao_signing.SIGN_METHODS}")
        self.sign_method = sign_method

    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One TOP call, re-signed on every attempt; returns the `<method>_response` object."""
        url = self.base_url + self.gateway_path

        def build():
            common = {"method": method, "app_key": self.app_key, "session": self.access_token, "v": "2.0",
                      "format": "json", "timestamp": format_beijing(self.clock.now())}
            form = taobao_signing.signed({**params, **common}, self.app_secret, self.sign_method)
            return self.transport.client.build_request("POST", url, data=form)

        return self.transport.call(method, build, lambda body: parse_response(method, body))

    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        read = self._list_reader("taobao.trades.sold.increment.get", TRADE_LIST_FIELDS, window, "trades", "trade")
        pages = pages_backward(read, first=1, size=self.page_size)
        return list_then_detail(pages, stream="orders", window=window,
                                key_of=lambda r: self.record_key("orders", r),
                                modified_of=lambda r: self.record_modified("orders", r),
                                detail=self._trade, concurrency=self.detail_concurrency)

    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        start, end = format_beijing(window.start), format_beijing(window.end)

        def read(page_no: int) -> tuple[Page, bool]:
            response = self.call("taobao.trades.sold.get", {
                "fields": TRADE_LIST_FIELDS, "start_created": start, "end_created": end, "page_no": page_no,
                "page_size": self.page_size, "use_has_next": "true"})
            page = Page(page_no, _nested(response, "trades", "trade"), 0, [response.get("request_id")])
            return page, bool(response.get("has_next"))

        key_of = partial(self.record_key, "orders")
        pages = only_wanted(pages_with_has_next(read), key_of, wanted)
        return list_then_detail(pages, stream="orders", window=window, key_of=key_of,
                                modified_of=lambda r: self.record_modified("orders", r),
                                detail=self._trade, concurrency=self.detail_concurrency)

    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        read = self._list_reader("taobao.refunds.receive.get", REFUND_FIELDS, window, "refunds", "refund")
        pages = pages_backward(read, first=1, size=self.page_size)
        return list_then_detail(pages, stream="refunds", window=window,
                                key_of=lambda r: self.record_key("refunds", r),
                                modified_of=lambda r: self.record_modified("refunds", r),
                                detail=None, concurrency=self.detail_concurrency)

    def fetch_stock(self) -> Iterator[Batch]:
        """One record per SKU (`taobao.item.skus.get`); an item without SKUs is its own record (its `num`)."""
        def read(page_no: int) -> Page:
            response = self.call("taobao.items.onsale.get",
                                 {"fields": ITEM_FIELDS, "page_no": page_no, "page_size": self.stock_page_size})
            return Page(page_no, _nested(response, "items", "item"), int(response.get("total_results") or 0),
                        [response.get("request_id")])

        done: set[str] = set()
        with ThreadPoolExecutor(max_workers=max(1, self.detail_concurrency)) as pool:
            for page in pages_forward(read, self.stock_page_size):
                items = {str(item["num_iid"]): item for item in page.records if str(item["num_iid"]) not in done}
                done.update(items)
                ids = list(items)
                chunks = [ids[i:i + self.skus_per_call] for i in range(0, len(ids), self.skus_per_call)]
                records, request_ids = [], [rid for rid in page.request_ids if rid]
                for skus, rid in pool.map(self._skus, chunks):
                    records.extend(skus)
                    request_ids += [rid] if rid else []
                with_skus = {str(sku.get("num_iid")) for sku in records}
                records += [item for num_iid, item in items.items() if num_iid not in with_skus]
                yield Batch(stream="stock", records=records, request_ids=request_ids)

    def _list_reader(self, method: str, fields: str, window: Window, outer: str, inner: str):
        start, end = format_beijing(window.start), format_beijing(window.end)

        def read(page_no: int) -> Page:
            response = self.call(method, {"fields": fields, "start_modified": start, "end_modified": end,
                                          "page_no": page_no, "page_size": self.page_size})
            return Page(page_no, _nested(response, outer, inner), int(response.get("total_results") or 0),
                        [response.get("request_id")])

        return read

    def _trade(self, tid: str) -> tuple[dict[str, Any], str | None]:
        response = self.call("taobao.trade.fullinfo.get", {"tid": tid, "fields": TRADE_FIELDS})
        trade = response.get("trade")
        if not isinstance(trade, dict):
            raise PlatformError("taobao", ErrorAction.STOP, "unexpected", f"no trade for tid {tid}",
                                request_id=response.get("request_id"), api="taobao.trade.fullinfo.get")
        return trade, response.get("request_id")

    def _skus(self, num_iids: list[str]) -> tuple[list[dict[str, Any]], str | None]:
        response = self.call("taobao.item.skus.get", {"num_iids": ",".join(num_iids), "fields": SKU_FIELDS})
        return _nested(response, "skus", "sku"), response.get("request_id")

    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        if stream == "orders":
            return str(record.get("tid_str") or record["tid"])
        if stream == "refunds":
            return str(record["refund_id"])
        if stream == "stock":
            return str(record["sku_id"]) if record.get("sku_id") is not None else f"item-{record['num_iid']}"
        raise ValueError(f"unknown stream {stream!r}")

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        return parse_beijing_or_none(record.get("modified"))
