"""Compare what landed with what the simulator says is true (test helper, not production code).

The landing zone keeps raw platform payloads; the simulator exports its neutral ground truth. Comparing them
needs only the record identity, its version time and, for stock, the quantity as each platform's contract
names it (docs/platform-api.md): read here straight from the payloads, independently of the adapters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb

from order_pipeline.clock import parse_instant

# Where each platform's stock payload keeps the sellable quantity (per docs/platform-api.md).
STOCK_QUANTITY = {
    "taobao": lambda p: int(p["quantity"]),
    "jd": lambda p: int(p["stockNum"]),
    "douyin": lambda p: int(p["stock_num"]),
    "shopee": lambda p: int(p["stock_info_v2"]["summary_info"]["total_available_stock"]),
}
TRUTH_KEY = {"orders": "order_id", "refunds": "refund_id", "stock": "sku_id"}


def landed_latest(landing_root: Path, stream: str) -> dict[tuple[str, str], tuple[datetime | None, dict]]:
    """(shop, key) -> (latest record_modified, payload of that version), deduplicated on key."""
    files = sorted(str(p) for p in (landing_root / stream).rglob("*.parquet") if not p.name.startswith("."))
    if not files:
        return {}
    # Orders and refunds: the latest version wins. Stock: the latest snapshot wins.
    order = "pulled_at" if stream == "stock" else "record_modified NULLS FIRST, pulled_at"
    rows = duckdb.sql(
        "SELECT shop_key, record_key, record_modified, payload, pulled_at FROM read_parquet($files, "
        f"hive_partitioning = false) ORDER BY {order}",  # a constant chosen above, not a value
        params={"files": files},
    ).fetchall()
    latest: dict[tuple[str, str], tuple[datetime | None, dict]] = {}
    for shop, key, modified, payload, _pulled in rows:
        latest[(shop, key)] = (modified, json.loads(payload))
    return latest


def truth_index(rows: Iterable[dict], stream: str) -> dict[tuple[str, str], dict]:
    return {(row["shop_key"], str(row[TRUTH_KEY[stream]])): row for row in rows}


def mismatches(landing_root: Path, truth: dict[str, list[dict]], platforms: dict[str, str]) -> list[str]:
    """Every difference between the landing zone and the ground truth, as readable lines (empty = equal)."""
    problems: list[str] = []
    for stream in ("orders", "refunds", "stock"):
        # the marketplace shops' records (the stock systems' landing is compared in order_pipeline_tests/inventory)
        landed = {key: value for key, value in landed_latest(landing_root, stream).items() if key[0] in platforms}
        expected = truth_index(truth[stream], stream)
        missing = sorted(set(expected) - set(landed))
        extra = sorted(set(landed) - set(expected))
        if missing:
            problems.append(f"{stream}: {len(missing)} missing, e.g. {missing[:5]}")
        if extra:
            problems.append(f"{stream}: {len(extra)} unexpected, e.g. {extra[:5]}")
        for key in sorted(set(expected) & set(landed)):
            row, (modified, payload) = expected[key], landed[key]
            if stream == "stock":
                quantity = STOCK_QUANTITY[platforms[key[0]]](payload)
                if quantity != int(row["quantity"]):
                    problems.append(f"stock {key}: landed {quantity}, truth {row['quantity']}")
            elif modified != parse_instant(row["modified_at"]):
                problems.append(f"{stream} {key}: landed version {modified}, truth {row['modified_at']}")
    return problems
