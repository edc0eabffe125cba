"""The Shopee Open API v2 adapter: orders, returns and model stock for one shop.

Orders: `get_order_list` pages with a server-side cursor (stable while records leave the window), and
`get_order_detail` takes 50 order_sns a call and returns optional fields only when named, so we name every
one the warehouse needs; the nightly completeness pass lists the same way with `time_range_field=create_time`.
Returns: `get_return_list` is a newest-first offset list with no total, so instead
of offset pages we narrow the window's upper bound to the oldest update_time read so far and read its first
page again (keyset paging on update_time): a record leaving the window can then never push an unread record
onto a page already read. Signing and the error envelope live in `shopee_signing`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from order_pipeline.platforms import shopee_signing as wire
from order_pipeline.platforms.base import Batch, PlatformAdapter, WantedKeys, Window, from_epoch
from order_pipeline.platforms.created import wanted_ids
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.paging import LatestVersions, epoch_version, request_ids

log = logging.getLogger(__name__)
PAGE_SIZE = 100  # list maximum
DETAIL_BATCH = 50  # get_order_detail maximum
# Without these names get_order_detail leaves the fields out (only ~11 fields come by default).
DETAIL_FIELDS = (
    "buyer_user_id", "buyer_username", "recipient_address", "item_list", "pay_time", "total_amount",
    "estimated_shipping_fee", "actual_shipping_fee", "cancel_by", "cancel_reason", "buyer_cancel_reason",
    "note", "package_list", "shipping_carrier", "payment_method", "pickup_done_time",
)


class ShopeeAdapter(PlatformAdapter):
    platform = "shopee"
    max_window: ClassVar[dict[str, timedelta]] = {"orders": timedelta(days=15), "refunds": timedelta(days=15)}
    max_created_window: ClassVar[timedelta] = timedelta(days=15)  # get_order_list, by either time
    pii_paths: ClassVar[dict[str, list[tuple[str, ...]]]] = {
        # town, district, city, state, region and zipcode stay clear: none names a person on its own.
        "orders": [
            ("recipient_address", "name"), ("recipient_address", "phone"), ("recipient_address", "full_address"),
            ("buyer_username",), ("buyer_user_id",), ("message_to_seller",), ("buyer_cpf_id",),
            ("dropshipper",), ("dropshipper_phone",),
        ],
        "refunds": [("user", "username"), ("user", "email"), ("user", "portrait")],
        "stock": [],
    }

    # ----------------------------------------------------------------------------------------------- orders
    def fetch_orders(self, window: Window) -> Iterator[Batch]:
        return self._list_orders(window, "update_time")

    def fetch_orders_created(self, window: Window, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        return self._list_orders(window, "create_time", wanted)

    def _list_orders(self, window: Window, time_field: str, wanted: WantedKeys | None = None) -> Iterator[Batch]:
        start, end = window.epoch_seconds()
        params: dict[str, Any] = {"time_range_field": time_field, "time_from": start, "time_to": end,
                                  "page_size": PAGE_SIZE}
        seen: set[str] = set()
        with ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="shopee-detail") as pool:
            while True:
                listing = self._call("order.get_order_list", params)
                sns = [o["order_sn"] for o in listing.response.get("order_list") or [] if o["order_sn"] not in seen]
                seen.update(sns)
                sns = wanted_ids(sns, wanted)
                chunks = [sns[i:i + DETAIL_BATCH] for i in range(0, len(sns), DETAIL_BATCH)]
                details = list(pool.map(self._order_details, chunks))
                records = [order for reply in details for order in reply.response.get("order_list") or []]
                _warn_if_short(sns, records)
                yield Batch("orders", records, request_ids([listing, *details]), window)
                if not listing.response.get("more"):
                    return
                cursor = listing.response.get("next_cursor") or ""
                if not cursor or cursor == params.get("cursor"):
                    raise PlatformError(self.platform, ErrorAction.STOP, "paging",
                                        f"more=true but next_cursor {cursor!r} does not advance",
                                        request_id=listing.request_id, api="order.get_order_list")
                params["cursor"] = cursor

    def _order_details(self, order_sns: list[str]) -> wire.Reply:
        return self._call("order.get_order_detail", {"order_sn_list": ",".join(order_sns),
                                                     "response_optional_fields": ",".join(DETAIL_FIELDS)})

    # ---------------------------------------------------------------------------------------------- returns
    def fetch_refunds(self, window: Window) -> Iterator[Batch]:
        """Keyset paging: after a full page, read page 0 of [start, oldest update_time read + 1]. The `+ 1`
        keeps the boundary second whether the platform's upper bound is inclusive or not (its records come
        back again and are dropped as already seen). Only when one second holds a whole page do we step
        `page_no` within that second."""
        start, upper = window.epoch_seconds()
        page_no = 0
        seen = LatestVersions()
        while True:
            reply = self._call("returns.get_return_list", {"page_no": page_no, "page_size": PAGE_SIZE,
                                                           "update_time_from": start, "update_time_to": upper})
            returns = reply.response.get("return") or []
            fresh = [r for r in returns if seen.is_new(str(r["return_sn"]), epoch_version(r.get("update_time")))]
            yield Batch("refunds", fresh, request_ids([reply]), window)
            if not reply.response.get("more") or not returns:
                return
            times = [int(r["update_time"]) for r in returns]
            if sum(t <= min(times) + 1 for t in times) < len(returns) and min(times) + 1 < upper:
                upper, page_no = min(times) + 1, 0
            else:  # the whole page sits in one or two seconds: narrowing cannot move, offset-page within them
                page_no += 1

    # ------------------------------------------------------------------------------------------------ stock
    def fetch_stock(self) -> Iterator[Batch]:
        """Live (NORMAL) items by offset, then each item's models; one record per model, with its item_id."""
        params: dict[str, Any] = {"offset": 0, "page_size": PAGE_SIZE, "item_status": "NORMAL"}
        listed: set[int] = set()
        with ThreadPoolExecutor(self.detail_concurrency, thread_name_prefix="shopee-model") as pool:
            while True:
                listing = self._call("product.get_item_list", params)
                ids = [i["item_id"] for i in listing.response.get("item") or [] if i["item_id"] not in listed]
                listed.update(ids)
                replies = list(pool.map(lambda item_id: self._call("product.get_model_list", {"item_id": item_id}),
                                        ids))
                records = [{**model, "item_id": item_id} for item_id, reply in zip(ids, replies, strict=True)
                           for model in reply.response.get("model") or []]
                yield Batch("stock", records, request_ids([listing, *replies]))
                next_offset = listing.response.get("next_offset")
                if not listing.response.get("has_next_page") or next_offset in (None, params["offset"]):
                    return
                params["offset"] = next_offset

    # ------------------------------------------------------------------------------------------ identities
    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        if stream == "orders":
            return str(record["order_sn"])
        if stream == "refunds":
            return str(record["return_sn"])
        if stream == "stock":
            return str(record["model_id"])
        raise ValueError(f"unknown stream {stream!r}")

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        if stream in ("orders", "refunds", "stock"):
            return from_epoch(record.get("update_time"))
        raise ValueError(f"unknown stream {stream!r}")

    # ------------------------------------------------------------------------------------------------- wire
    def _call(self, api: str, params: dict[str, Any]) -> wire.Reply:
        """GET one shop API with its common parameters, re-signed (fresh timestamp) on every attempt."""
        path = wire.api_path(api)
        url = self.base_url + path
        shop_id = self.shop.platform_shop_id

        def build() -> httpx.Request:
            timestamp = int(self.clock.now().timestamp())
            query = {
                "partner_id": self.app_key, "timestamp": timestamp, "access_token": self.access_token,
                "shop_id": shop_id,
                "sign": wire.sign(self.app_secret, self.app_key, path, timestamp, self.access_token, shop_id),
                **params,
            }
            return self.transport.client.build_request("GET", url, params=query)

        return self.transport.call(api, build, lambda body: wire.read_envelope(body, api, self.clock.now()))


def _warn_if_short(asked: list[str], got: list[dict[str, Any]]) -> None:
    missing = set(asked) - {str(order.get("order_sn")) for order in got}
    if missing:
        log.warning("shopee get_order_detail returned no detail for %d order(s): %s", len(missing),
                    sorted(missing)[:10])
