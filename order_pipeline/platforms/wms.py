"""The warehouse system (WMS) adapter: stock per (warehouse, SKU) with its batches, over Jushuitan open API v2.

`POST {base}/open/inventory/query` lists every (warehouse, SKU) row page by page (`wms_co_id` 0 = all
warehouses); for each page, `POST {base}/open/wms/batch/query` fetches the batches of its SKUs (at most 50
codes per call) and each landed record is the inventory row with its `batches` attached, so the landing zone
keeps one snapshot of on hand, locks and lots together. Every call is a signed form (`sign_fields`); business
errors come inside HTTP 200 as `code != 0` (docs/platform-api.md, "Stock systems"). The WMS has no orders or
refunds: those fetches yield nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from order_pipeline.platforms.base import Batch
from order_pipeline.platforms.beijing_time import parse_beijing_or_none
from order_pipeline.platforms.errors import ErrorAction, PlatformError
from order_pipeline.platforms.stock_only import StockOnlyAdapter

INVENTORY_PATH, BATCH_PATH = "/open/inventory/query", "/open/wms/batch/query"
BATCH_FIELDS = ("batch_no", "qty", "produced_date", "expiration_date")
# Codes of docs/platform-api.md "Stock systems": 104 token refused, 199 throttled ("请N秒后重试"); the others
# (100 parameters, 101 app key, 102 signature, 103 timestamp) are the request's fault and stop.
_REAUTHORISE_CODES, _BACK_OFF_CODES = {"104"}, {"199"}
_RETRY_AFTER = re.compile(r"(\d+)\s*秒")


def sign_fields(fields: Mapping[str, str], secret: str) -> str:
    """Jushuitan v2: lowercase hex MD5 of the app secret followed by `key + value` of every other field, sorted
    by key in ASCII order (fields sent empty are not signed, and none is sent empty here)."""
    joined = "".join(f"{key}{fields[key]}" for key in sorted(fields) if key != "sign" and fields[key] != "")
    return hashlib.md5((secret + joined).encode("utf-8")).hexdigest()


def classify_error(body: Mapping[str, Any], api: str | None = None) -> PlatformError:
    code, message = str(body.get("code", "unknown")), str(body.get("msg") or "no message")
    if code in _BACK_OFF_CODES:
        match = _RETRY_AFTER.search(message)
        return PlatformError("wms", ErrorAction.BACK_OFF, code, message, api=api,
                             retry_after=float(match.group(1)) if match else None)
    action = ErrorAction.REAUTHORISE if code in _REAUTHORISE_CODES else ErrorAction.STOP
    return PlatformError("wms", action, code, message, api=api)


def parse_response(api: str, body: Any) -> dict[str, Any]:
    """The `data` object of a successful reply, or the classified error."""
    if not isinstance(body, dict) or "code" not in body:
        raise PlatformError("wms", ErrorAction.STOP, "unexpected", f"not a WMS reply: {str(body)[:200]}", api=api)
    if str(body["code"]) != "0":
        raise classify_error(body, api)
    data = body.get("data")
    if not isinstance(data, dict):
        raise PlatformError("wms", ErrorAction.STOP, "unexpected", f"no data in {str(body)[:200]}", api=api)
    return data


class WmsAdapter(StockOnlyAdapter):
    platform = "wms"
    page_size = 100  # inventory query maximum
    batch_codes = 50  # batch query: at most 50 sku_ids per call
    batch_page_size = 100

    def call(self, path: str, biz: Mapping[str, Any]) -> dict[str, Any]:
        """One signed call, re-signed on every attempt (the timestamp is signed); returns the reply's `data`."""
        url = self.base_url + path
        biz_json = json.dumps(biz, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

        def build():
            fields = {"app_key": self.app_key, "access_token": self.access_token, "charset": "utf-8",
                      "version": "2", "timestamp": str(int(self.clock.now().timestamp())), "biz": biz_json}
            fields["sign"] = sign_fields(fields, self.app_secret)
            return self.transport.client.build_request("POST", url, data=fields)

        return self.transport.call(path, build, lambda body: parse_response(path, body))

    def fetch_stock(self) -> Iterator[Batch]:
        seen: set[str] = set()
        page = 1
        while True:
            data = self.call(INVENTORY_PATH, {"wms_co_id": 0, "page_index": page, "page_size": self.page_size})
            rows = [row for row in data.get("inventorys") or [] if self.record_key("stock", row) not in seen]
            seen.update(self.record_key("stock", row) for row in rows)
            if rows:
                lots = self._batches(sorted({str(row["sku_id"]) for row in rows}))
                records = [{**row, "batches": lots.get((str(row["wms_co_id"]), str(row["sku_id"])), [])}
                           for row in rows]
                yield Batch(stream="stock", records=records, request_ids=[])
            if not data.get("has_next") or page >= int(data.get("page_count") or 0):
                return
            page += 1

    def _batches(self, codes: list[str]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The batches of these SKU codes in every warehouse, by (wms_co_id, sku_id), in the order listed."""
        found: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for offset in range(0, len(codes), self.batch_codes):
            biz = {"wms_co_id": 0, "sku_ids": ",".join(codes[offset : offset + self.batch_codes]),
                   "page_size": self.batch_page_size}
            page = 1
            while True:
                data = self.call(BATCH_PATH, {**biz, "page_index": page})
                for lot in data.get("datas") or []:
                    found.setdefault((str(lot["wms_co_id"]), str(lot["sku_id"])), []).append(
                        {name: lot.get(name) for name in BATCH_FIELDS})
                if not data.get("has_next") or page >= int(data.get("page_count") or 0):
                    break
                page += 1
        return found

    @staticmethod
    def record_key(stream: str, record: dict[str, Any]) -> str:
        if stream != "stock":
            raise ValueError(f"the WMS has no {stream!r} stream")
        return f"{record['wms_co_id']}:{record['sku_id']}"

    @staticmethod
    def record_modified(stream: str, record: dict[str, Any]) -> datetime | None:
        return parse_beijing_or_none(record.get("modified"))
