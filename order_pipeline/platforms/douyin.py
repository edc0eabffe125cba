"""The Douyin shop (抖店) adapter: orders, after-sale cases and SKU stock over the open platform's contract.

Orders and after-sale cases come from newest-first offset lists (`page` counts from 0) that records leave
while we page, so both are read last page first (`paging.pages_backward`). The order list carries receiver
data only masked, so every order listed is fetched again with `order.orderDetail`, concurrently: that
detail payload is what we land. The nightly completeness pass lists orders the same way by created time
(`create_time_start/end`, `order_by=create_time`). Signing and the error envelope live in `douyin_signing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from order_pipeline.platforms import douyin_signing as wire
from order_pipeline.platforms.base import Batch, PlatformAdapter, WantedKeys, Window, from_epoch
from order_pipeline.platforms.created import wanted_ids
from order_pipeline.platforms.paging import LatestVersions, Page, epoch_version, pages_backward, request_ids

PAGE_SIZE = 100  # the platform's maximum: fewest requests


class DouyinAdapter(PlatformAdapter):
    platform = "douyin"
    # order.searchList: 90 days [third-party]. afterSale.List names no limit: a week keeps each pull small.
    max_window: ClassVar[dict[str, timedelta]] = {"orders": timedelta(days=90), "refunds": timedelta(days=7)}
    max_created_window: ClassVar[timedelta] = timedelta(days=90)  # order.searchList, by either time
    pii_paths: ClassVar[dict[str, list[tuple[str, ...]]]] = {
        "orders": [
            ("encrypt_post_receiver",), ("encrypt_post_tel",), ("mask_post_receiver",), ("mask_post_tel",),
            ("post_receiver",), ("post_tel",), ("post_addr", "detail"), ("post_addr", "encrypt_detail"),
            ("mask_post_addr", "detail"), ("user_nick_name",), ("user_icon",), ("doudian_open_id",), ("open_id",),
            ("pay_tel",), ("encrypt_pay_tel",), ("mask_pay_tel",), ("buyer_words",),
            ("user_coordinate", "user_coordinate_latitude"), ("user_coordinate", "user_coordinate_longitude"),
        ],
        "refunds": [],  # after-sale cases carry ids, amounts and reasons; no buyer name, phone or address
        "stock": [],
    }
    sign_method: ClassVar[str] = "md5"  # the platform's default; "hmac-sha256" is accepted too

    # ----------------------------------------------------------------------------------------------- orders
    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        start, end = window.epoch_seconds()
        return self._search_orders(window, {"update_time_start": start, "update_time_end": end,
                                            "order_by": "update_time"})

    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        start, end = window.epoch_seconds()
        return self._search_orders(window, {"create_time_start": start, "create_time_end": end,
                                            "order_by": "create_time"}, wanted)

    def _search_orders(self, window: Window, times: dict[str, Any], wanted: WantedKeys | None = None
                       ) -> Iterator[Batch]:
        params = {**times, "order_asc": False, "size": PAGE_SIZE}
        seen = LatestVersions()
        with ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="douyin-detail") as pool:
            pages = pages_backward(lambda n: self._list("order.searchList", params, n, "shop_order_list"),
                                   first=0, size=PAGE_SIZE, carry_by=lambda r: str(r.get("order_id")))
            for page in pages:
                ids = [str(r["order_id"]) for r in page.records
                       if seen.is_new(str(r["order_id"]), epoch_version(r.get("update_time")))]
                ids = wanted_ids(ids, wanted)
                replies = list(pool.map(self._order_detail, ids))
                yield Batch("orders", [reply.data["shop_order_detail"] for reply in replies],
                            page.request_ids + request_ids(replies), window)

    def _order_detail(self, shop_order_id: str) -> wire.Reply:
        return self._call("order.orderDetail", {"shop_order_id": shop_order_id})

    # ---------------------------------------------------------------------------------------------- refunds
    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        start, end = window.epoch_seconds()
        params = {"update_start_time": start, "update_end_time": end, "order_by": "update_time",
                  "order_asc": False, "size": PAGE_SIZE}
        seen = LatestVersions()
        pages = pages_backward(lambda n: self._list("afterSale.List", params, n, "items"), first=0, size=PAGE_SIZE,
                               carry_by=lambda r: str(_aftersale(r).get("aftersale_id")))
        for page in pages:
            records = [r for r in page.records if seen.is_new(self.record_key("refunds", r),
                                                              epoch_version(_aftersale(r).get("update_time")))]
            yield Batch("refunds", records, page.request_ids, window)

    # ------------------------------------------------------------------------------------------------ stock
    def fetch_stock(self) -> Iterator[Batch]:
        """Products page by page (from 1), then every product's SKUs; one record per SKU."""
        listed: set[str] = set()
        with ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="douyin-sku") as pool:
            number = 1
            while True:
                reply = self._call("product.listV2", {"page": number, "size": PAGE_SIZE})
                data = reply.data or {}
                products = data.get("data") or []
                ids = [p["product_id"] for p in products if str(p["product_id"]) not in listed]
                listed.update(str(i) for i in ids)
                sku_replies = list(pool.map(lambda pid: self._call("sku.list", {"product_id": pid}), ids))
                records = [_with_product(sku, pid) for pid, sku_reply in zip(ids, sku_replies, strict=True)
                           for sku in _sku_rows(sku_reply.data)]
                yield Batch("stock", records, request_ids([reply, *sku_replies]))
                if not products or number * PAGE_SIZE >= int(data.get("total") or 0):
                    return
                number += 1

    # ------------------------------------------------------------------------------------------ identities
    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        if stream == "orders":
            return str(record["order_id"])
        if stream == "refunds":
            return str(_aftersale(record)["aftersale_id"])
        if stream == "stock":
            return str(record["id"])
        raise ValueError(f"unknown stream {stream!r}")

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        if stream == "refunds":
            return from_epoch(_aftersale(record).get("update_time"))
        if stream in ("orders", "stock"):
            return from_epoch(record.get("update_time"))
        raise ValueError(f"unknown stream {stream!r}")

    # ------------------------------------------------------------------------------------------------- wire
    def _list(self, method: str, params: dict[str, Any], number: int, records_key: str) -> Page:
        reply = self._call(method, {**params, "page": number})
        data = reply.data or {}
        return Page(number, list(data.get(records_key) or []), int(data.get("total") or 0), request_ids([reply]))

    def _call(self, method: str, params: dict[str, Any]) -> wire.Reply:
        """POST one API: common parameters in the query, `param_json` as the body, re-signed per attempt."""
        body = wire.param_json(params)
        url = self.base_url + wire.api_path(method)

        def build() -> httpx.Request:
            timestamp = str(int(self.clock.now().timestamp()))
            query = {
                "app_key": self.app_key, "method": method, "access_token": self.access_token,
                "timestamp": timestamp, "v": wire.API_VERSION, "sign_method": self.sign_method,
                "sign": wire.sign(self.app_key, self.app_secret, method, body, timestamp, self.sign_method),
            }
            return self.transport.client.build_request(
                "POST", url, params=query, content=body.encode("utf-8"),
                headers={"Content-Type": "application/json;charset=utf-8"},
            )

        return self.transport.call(method, build, lambda payload: wire.read_envelope(payload, method))


def _aftersale(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("aftersale_info") or record


def _sku_rows(data: Any) -> list[dict[str, Any]]:
    """sku.list answers a bare list in `data` (some gateway versions wrap it as {"data": [...]})."""
    if isinstance(data, dict):
        data = data.get("data") or data.get("sku_list") or []
    return list(data or [])


def _with_product(sku: dict[str, Any], product_id: Any) -> dict[str, Any]:
    return sku if "product_id" in sku else {**sku, "product_id": product_id}
