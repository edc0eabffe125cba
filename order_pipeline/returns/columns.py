"""The columns the returns tables promise analysts: name, DuckDB type, meaning.

Shown in the Dagster UI as each asset's column schema, and checked against the built tables by the tests, so
the documentation cannot drift from the SQL (`attribution_sql`).
"""

from __future__ import annotations

import dagster as dg

TEXT, MONEY, TS, HOURS = "VARCHAR", "DECIMAL(18,2)", "TIMESTAMP WITH TIME ZONE", "DOUBLE"
STAGES = "approval (applied -> approved), goods_return (approved -> goods sent back), refund (goods back, or " \
         "approved when no goods come back -> refunded)"

FCT_REFUND_REASONS = (
    ("refund_key", TEXT, "platform:shop_key:refund_id (fct_refunds)"),
    ("platform", TEXT, "taobao | jd | douyin | shopee"),
    ("reason_code", TEXT, "the platform's reason code or label, as sent"),
    ("reason_text", TEXT, "the buyer's free text, as sent"),
    ("reason_category", TEXT, "one of the ten reason categories (order_pipeline/returns/reasons.py); "
                              "nothing recognisable = other"),
    ("matched_by", TEXT, "code | keyword | fallback: what decided the category"),
    ("matched_rule", TEXT, "the rule that decided, e.g. code:shopee:WRONG_ITEM or size_fit:偏小"),
)

FCT_REFUND_ATTRIBUTION = (
    ("refund_key", TEXT, "one row per refund of fct_refunds (its latest version)"),
    ("order_key", TEXT, "the order (fct_orders)"),
    ("platform", TEXT, "taobao | jd | douyin | shopee"),
    ("shop_key", TEXT, "the shop"),
    ("sku_code", TEXT, "merchant SKU code: the refund's, else the refunded order line's"),
    ("product_code", TEXT, "the SKU code's product part (before the first '-'), the same on every platform"),
    ("product_id", TEXT, "the platform's product id of the refunded line (null when the line is not found)"),
    ("product_title", TEXT, "the refunded line's title"),
    ("category", TEXT, "category by SKU prefix (config/returns.yaml); unknown when no prefix matches"),
    ("warehouse_code", TEXT, "shipping warehouse of the line; null until fct_order_lines carries it"),
    ("batch_no", TEXT, "batch / lot shipped; null until fct_order_lines carries it"),
    ("refund_type", TEXT, "refund_before_shipping, refund_after_shipping, return_and_refund, exchange, "
                          "price_protection, unknown"),
    ("status", TEXT, "requested, waiting_buyer_return, waiting_seller_receipt, refunded, rejected, closed, unknown"),
    ("reason_category", TEXT, "fct_refund_reasons.reason_category"),
    ("reason_matched_by", TEXT, "fct_refund_reasons.matched_by"),
    ("reason_code", TEXT, "the platform's reason code, as sent"),
    ("reason_text", TEXT, "the buyer's text, as sent"),
    ("amount", MONEY, "refund amount in `currency`"),
    ("currency", TEXT, "ISO 4217"),
    ("amount_cny", MONEY, "amount x currency_rates.cny_per_unit, rounded to 0.01; null without a rate"),
    ("quantity", "INTEGER", "units the refund covers"),
    ("created_at", TS, "applied (UTC)"),
    ("approved_at", TS, "approved by the seller or platform (UTC)"),
    ("goods_returned_at", TS, "buyer sent the goods back (UTC)"),
    ("refunded_at", TS, "money paid back / exchange completed (UTC)"),
    ("closed_at", TS, "when a rejected or closed case ended (its last modification, UTC)"),
    ("hours_to_approve", HOURS, "applied -> approved; an open stage counts up to as_of, a stage a rejected or "
                                "closed case ended in counts up to closed_at"),
    ("hours_to_return_goods", HOURS, "approved -> goods sent back; null for types without returned goods"),
    ("hours_to_refund", HOURS, "goods sent back (or approved, when no goods come back) -> refunded"),
    ("open_stage", TEXT, "the stage an open case is in now; null when it ended"),
    ("bottleneck_stage", TEXT, f"the longest stage: {STAGES}"),
    ("auto_approval_eligible", "BOOLEAN", "amount_cny <= auto_approval.max_amount_cny and the category known "
                                          "and not special"),
    ("auto_approval_reason", TEXT, "why not auto-approvable (null when eligible)"),
    ("as_of", TS, "the instant open stages were measured up to"),
)

RPT_RETURNS_ATTRIBUTION = (
    ("dimension", TEXT, "all, reason, platform, shop, category, product, sku, warehouse, batch"),
    ("dimension_value", TEXT, "the slice (null = not known, e.g. warehouse today); 'all' for dimension all"),
    ("reason_category", TEXT, "null = all reasons; else the slice's refunds with this reason"),
    ("refunds", "BIGINT", "refund cases of any type and status"),
    ("returns", "BIGINT", "cases counted as returns: not rejected or closed, and not price protection"),
    ("returned_units", "BIGINT", "units of the cases counted as returns"),
    ("units_sold", "BIGINT", "units of the slice's order lines not unpaid or cancelled (all reasons)"),
    ("return_rate", "DOUBLE", "returned_units / units_sold; null when the slice sold no units"),
    ("refund_amount_cny", MONEY, "CNY amount of cases not rejected or closed (price protection included)"),
    ("refunds_without_cny_amount", "BIGINT", "cases whose amount could not be converted to CNY"),
    ("auto_approval_eligible", "BIGINT", "cases that could be approved without a person"),
    ("median_hours_to_approve", HOURS, "median over the slice's cases that reached the stage"),
    ("median_hours_to_return_goods", HOURS, "median over the slice's cases that reached the stage"),
    ("median_hours_to_refund", HOURS, "median over the slice's cases that reached the stage"),
    ("bottleneck_stage", TEXT, "the stage with the longest median"),
)

COLUMNS = {"fct_refund_reasons": FCT_REFUND_REASONS, "fct_refund_attribution": FCT_REFUND_ATTRIBUTION,
           "rpt_returns_attribution": RPT_RETURNS_ATTRIBUTION}


def table_schema(table: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, kind, description=meaning)
                                   for name, kind, meaning in COLUMNS[table]])
