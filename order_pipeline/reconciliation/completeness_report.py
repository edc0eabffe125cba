"""Where the order completeness results go: a report file per business day, a markdown table, a DuckDB table.

The asset writes one small JSON file per partition (the rows, missing order ids included: ids only, no
personal data), so the warehouse writer can store them later in the same run or a rerun without calling the
platforms again; `store_completeness` upserts them into `main.rpt_order_completeness`, keyed by
(business_date, shop_key), so re-running a night replaces that night's rows instead of adding to them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import duckdb

from order_pipeline.reconciliation.completeness import CompletenessRow

REPORT_FOLDER = ("reconciliation", "order_completeness")
TABLE = "main.rpt_order_completeness"
_DDL = f"""create table if not exists {TABLE} (
    business_date DATE NOT NULL, platform VARCHAR NOT NULL, shop_key VARCHAR NOT NULL,
    window_start TIMESTAMPTZ NOT NULL, window_end TIMESTAMPTZ NOT NULL,
    listed INTEGER NOT NULL, held INTEGER NOT NULL, missing INTEGER NOT NULL, backfilled INTEGER NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (business_date, shop_key))"""
_UPSERT = f"""insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (business_date, shop_key) do update set
        platform = excluded.platform, window_start = excluded.window_start, window_end = excluded.window_end,
        listed = excluded.listed, held = excluded.held, missing = excluded.missing,
        backfilled = excluded.backfilled, checked_at = excluded.checked_at"""


def report_path(data_dir: Path, business_date: date) -> Path:
    return data_dir.joinpath(*REPORT_FOLDER) / f"business_date={business_date.isoformat()}.json"


def row_to_json(row: CompletenessRow) -> dict:
    values = asdict(row)
    for name, value in values.items():
        if isinstance(value, date | datetime):
            values[name] = value.isoformat()
    values["missing_ids"] = list(row.missing_ids)
    return values


def row_from_json(values: dict) -> CompletenessRow:
    return CompletenessRow(
        business_date=date.fromisoformat(values["business_date"]), platform=values["platform"],
        shop_key=values["shop_key"], window_start=datetime.fromisoformat(values["window_start"]),
        window_end=datetime.fromisoformat(values["window_end"]), listed=int(values["listed"]),
        held=int(values["held"]), missing=int(values["missing"]), backfilled=int(values["backfilled"]),
        checked_at=datetime.fromisoformat(values["checked_at"]), missing_ids=tuple(values["missing_ids"]))


def write_report(data_dir: Path, business_date: date, rows: Sequence[CompletenessRow]) -> Path:
    """Replace the day's report atomically (temp file, then rename): a reader sees the old file or the new."""
    path = report_path(data_dir, business_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=lambda row: (row.platform, row.shop_key))
    temporary = path.with_suffix(".json.partial")
    temporary.write_text(json.dumps([row_to_json(row) for row in ordered], ensure_ascii=False, indent=1),
                         encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_report(path: Path) -> list[CompletenessRow]:
    return [row_from_json(values) for values in json.loads(path.read_text(encoding="utf-8"))]


def markdown_table(rows: Sequence[CompletenessRow], max_ids: int = 5) -> str:
    """Per-shop counts for the asset's metadata; a few missing ids per shop to start an investigation."""
    lines = ["| platform | shop | listed | held | missing | backfilled | missing ids |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for row in sorted(rows, key=lambda r: (r.platform, r.shop_key)):
        ids = ", ".join(row.missing_ids[:max_ids]) + (" ..." if len(row.missing_ids) > max_ids else "")
        lines.append(f"| {row.platform} | {row.shop_key} | {row.listed} | {row.held} | {row.missing} "
                     f"| {row.backfilled} | {ids} |")
    return "\n".join(lines)


def store_completeness(con: duckdb.DuckDBPyConnection, rows: Sequence[CompletenessRow]) -> int:
    """Upsert the rows into `main.rpt_order_completeness` by (business_date, shop_key); returns rows written."""
    con.execute(_DDL)
    if rows:
        con.executemany(_UPSERT, [
            [row.business_date, row.platform, row.shop_key, row.window_start, row.window_end, row.listed,
             row.held, row.missing, row.backfilled, row.checked_at] for row in rows])
    return len(rows)
