"""The central stock pool adapter: each SKU's allocation to each sales channel, over the pool's REST API.

`GET {base}/api/v1/stock-pool/items?page_size=500&page_token=...` with `Authorization: Bearer <token>`, keyset
pages until `next_page_token` is null (docs/platform-api.md, "Stock systems"). The pool speaks HTTP status
codes: the shared transport retries 429 (honouring `Retry-After`) and 5xx; a 401 means the token was refused
and is raised as `ReauthorisationRequired`. Items are landed as sent. No orders, no refunds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from order_pipeline.platforms.base import Batch
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline.platforms.stock_only import StockOnlyAdapter

ITEMS_PATH = "/api/v1/stock-pool/items"


def parse_items(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise PlatformError("pool", ErrorAction.STOP, "unexpected", f"not an items page: {str(body)[:200]}",
                            api=ITEMS_PATH)
    return body


def parse_rfc3339(value: Any) -> datetime | None:
    """An RFC 3339 instant as UTC; None when absent or malformed (a version time, never a crash mid-pull)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


class StockPoolAdapter(StockOnlyAdapter):
    platform = "pool"
    page_size = 500  # the pool's maximum

    def call(self, page_token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"page_size": self.page_size}
        if page_token:
            params["page_token"] = page_token
        url = self.base_url + ITEMS_PATH

        def build():
            return self.transport.client.build_request(
                "GET", url, params=params, headers={"Authorization": f"Bearer {self.access_token}"})

        try:
            return self.transport.call(ITEMS_PATH, build, parse_items)
        except PlatformError as exc:
            if exc.code == "HTTP401":
                raise ReauthorisationRequired("pool", ErrorAction.REAUTHORISE, exc.code, exc.message,
                                              api=ITEMS_PATH) from exc
            raise

    def fetch_stock(self) -> Iterator[Batch]:
        token: str | None = None
        seen: set[str] = set()
        tokens: set[str] = set()
        while True:
            body = self.call(token)
            records = [item for item in body["items"] if self.record_key("stock", item) not in seen]
            seen.update(self.record_key("stock", item) for item in records)
            if records:
                yield Batch(stream="stock", records=records, request_ids=[])
            token = body.get("next_page_token")
            if not token:
                return
            if token in tokens:
                raise PlatformError("pool", ErrorAction.STOP, "paging_loop", f"page token {token} came back twice",
                                    api=ITEMS_PATH)
            tokens.add(token)

    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        if stream != "stock":
            raise ValueError(f"the stock pool has no {stream!r} stream")
        return f"{record['channel']}:{record['sku_code']}"

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        return parse_rfc3339(record.get("updated_at"))
