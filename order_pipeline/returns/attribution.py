"""Returns attribution (MISSION F11): why refunds happen, where, how long they take, which need no human.

Builds three tables in the warehouse from the dbt marts `fct_refunds`, `fct_order_lines` and the seed
`currency_rates`:

- `main.fct_refund_reasons`: every refund's reason category (`reasons.classify_reason`), how it was decided,
  and the platform's code and the buyer's text as they came.
- `main.fct_refund_attribution`: one row per refund with its SKU, product, category, shop, platform,
  (warehouse, batch), CNY amount, hours in each stage, the bottleneck stage and auto-approval eligibility.
- `main.rpt_returns_attribution`: returns and return rate by reason and by each attribute, per reason too.

Classification is Python (the rules are regular expressions over normalised text), but only over the distinct
(platform, code, text) triples: a million refunds hold a few thousand, so Python sees thousands of rows and
SQL joins the result back. Everything else is one SQL statement per table (`attribution_sql`). The tables are
replaced as a whole in one transaction, so a rerun with the same marts and `as_of` gives the same tables, and
a failed run leaves the previous ones.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from order_pipeline.clock import ensure_utc
from order_pipeline.returns.attribution_sql import (
    FCT_REFUND_REASONS,
    fct_refund_attribution_sql,
    rpt_returns_attribution_sql,
)
from order_pipeline.returns.config import ReturnsSettings
from order_pipeline.returns.reasons import CATEGORIES, classify_many

RETURNS_TABLES = ("fct_refund_reasons", "fct_refund_attribution", "rpt_returns_attribution")


@dataclass(frozen=True)
class AttributionSummary:
    """What a build produced, for the asset's metadata and the benchmark."""

    refunds: int
    distinct_reasons_classified: int
    by_reason_category: dict[str, int]
    other_share: float  # share of refunds whose reason maps to `other` (high = rules to extend)
    auto_approval_eligible: int
    unknown_category: int  # refunds whose SKU matched no prefix of category_by_sku_prefix
    report_rows: int


def classify_distinct_reasons(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The distinct (platform, reason_code, reason_text) of fct_refunds with their category, matched_by, rule."""
    triples = con.execute("select distinct platform, reason_code, reason_text from main.fct_refunds").fetchall()
    matches = classify_many(triples)
    return pa.table({
        "platform": pa.array([t[0] for t in triples], pa.string()),
        "reason_code": pa.array([t[1] for t in triples], pa.string()),
        "reason_text": pa.array([t[2] for t in triples], pa.string()),
        "reason_category": pa.array([m.category for m in matches], pa.string()),
        "matched_by": pa.array([m.matched_by for m in matches], pa.string()),
        "matched_rule": pa.array([m.rule for m in matches], pa.string()),
    })


def order_line_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("""select column_name from information_schema.columns
                          where table_catalog = current_database() and table_schema = 'main'
                            and table_name = 'fct_order_lines'""").fetchall()
    if not rows:
        raise LookupError("main.fct_order_lines does not exist: build the marts first")
    return {row[0] for row in rows}


def build_returns_attribution(con: duckdb.DuckDBPyConnection, as_of: datetime,
                              settings: ReturnsSettings) -> AttributionSummary:
    """Replace the three returns tables from the current marts. `as_of` is the instant an open stage counts up
    to (the run's "now"); the same marts and `as_of` give the same tables."""
    classes = classify_distinct_reasons(con)
    line_columns = order_line_columns(con)
    prefixes, categories = settings.prefix_table()
    params = {"prefixes": prefixes, "categories": categories, "as_of": ensure_utc(as_of),
              "max_amount_cny": str(settings.auto_approval.max_amount_cny),
              "special_categories": list(settings.auto_approval.special_categories)}
    con.register("reason_classes", classes)
    try:
        con.execute("begin transaction")
        con.execute(FCT_REFUND_REASONS)
        con.execute(fct_refund_attribution_sql(line_columns), params)
        con.execute(rpt_returns_attribution_sql(line_columns), {"prefixes": prefixes, "categories": categories})
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed commit has already rolled back
            con.execute("rollback")
        raise
    finally:
        con.unregister("reason_classes")
    return summarise(con, classes.num_rows)


def summarise(con: duckdb.DuckDBPyConnection, distinct_reasons: int = 0) -> AttributionSummary:
    by_reason = dict(con.execute("""select reason_category, count(*) from main.fct_refund_attribution
                                    group by all""").fetchall())
    refunds, eligible, unknown = con.execute("""
        select count(*), count(*) filter (where auto_approval_eligible),
               count(*) filter (where category = 'unknown')
        from main.fct_refund_attribution""").fetchall()[0]
    report_rows = con.execute("select count(*) from main.rpt_returns_attribution").fetchall()[0][0]
    return AttributionSummary(
        refunds=refunds, distinct_reasons_classified=distinct_reasons,
        by_reason_category={category: by_reason.get(category, 0) for category in CATEGORIES},
        other_share=round(by_reason.get("other", 0) / refunds, 4) if refunds else 0.0,
        auto_approval_eligible=eligible, unknown_category=unknown, report_rows=report_rows)
