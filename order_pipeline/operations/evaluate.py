"""Evaluate every open order against the SLA policies: deadline, alert level, queue (MISSION F7).

Pure: no Dagster, no writes. A sensor calls it to decide, a job calls it (or inserts from `evaluation`) to
record; both get the same answer for the same inputs and `now_utc`, which is why "now" is a parameter and
never read from the clock here. The input contracts are tables or views on the given connection:

- open_orders(order_key, platform, shop_key, shop_timezone, status, created_at TIMESTAMPTZ, paid_at, shipped_at,
  ship_by, paid_amount DECIMAL, currency, units, address_valid BOOLEAN, risk_flag BOOLEAN, payment_state)
  status in unpaid | paid | partly_shipped | shipped | completed | cancelled | unknown; only the first three
  are open. payment_state in pending | failed | paid | null (null: not known, no flag).
- open_order_lines(order_key, sku_code, quantity, line_status): lines whose status is shipped, completed,
  cancelled or refunded are not open; null or unknown counts as open (it still needs stock).
- available_stock(sku_code, available): several rows of a SKU (e.g. per warehouse) add up; a SKU without a
  row has unknown stock and is never the reason for level 3 (stock_status = 'stock_unknown').

Output, one row per open order, in no particular order (sort by order_key where it matters):
order_key, platform, shop_key, status, paid_at; category (the strictest of the open lines' categories, the
default category when none is open); sla_minutes; deadline_at = min(paid_at + sla, ship_by) in UTC (null while
unpaid without ship_by); deadline_rule 'sla:<rule id>' or 'platform_ship_by' (ship_by strictly earlier);
level 0-3 (0 while unpaid; 1 from paid_at + reminder_after; 2 once now > deadline_at; 3 = 2 and stock short);
queue 'standard' | 'manual_review' | 'frozen' (level 3); queue_reasons (list, in QUEUE_REASONS order);
stock_status 'sufficient' | 'stock_short' | 'stock_unknown' (null: no open line); overdue_minutes (0 before
the deadline); notify_at (when to alert: now for levels 2-3, the shop's next working-hour start for a level 1
raised outside working hours, null at level 0); business_date_local (shop-local date of payment, of creation
while unpaid); evaluated_at (= now_utc).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from order_pipeline.operations.evaluate_sql import EVALUATE_SQL
from order_pipeline.operations.policies import SlaPolicies

EVALUATION_COLUMNS = (
    "order_key", "platform", "shop_key", "status", "paid_at", "category", "sla_minutes", "deadline_at",
    "deadline_rule", "level", "queue", "queue_reasons", "stock_status", "overdue_minutes", "notify_at",
    "business_date_local", "evaluated_at",
)
QUEUE_REASONS = ("payment_pending", "payment_failed", "incomplete_address", "purchase_limit_exceeded",
                 "risk_control", "high_value", "on_hold_stock_short")


def as_utc(now_utc: datetime) -> datetime:
    """A naive "now" is refused: guessing its zone is exactly the seed's midnight incident (F16)."""
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware (UTC); got a naive datetime")
    return now_utc.astimezone(UTC)


def evaluation_params(now_utc: datetime, policies: SlaPolicies) -> dict[str, Any]:
    """The policies as bound parameters: small lists of structs the query unnests into tables."""
    categories = [policies.default_category, *policies.categories]
    limits = policies.routing.purchase_limit_units
    return {
        "now": as_utc(now_utc),
        "prefixes": [{"prefix": prefix, "category": name} for name, spec in policies.categories.items()
                     for prefix in spec.sku_code_prefixes],
        "category_rules": [{"category": name, "rule_category": policies.rule_category(name), "bit": bit}
                           for bit, name in enumerate(categories)],
        "rules": [{"rule_id": rule.id, "category": rule.category, "platform": rule.platform,
                   "shop_key": rule.shop_key, "specificity": rule.specificity,
                   "minutes": int(rule.ship_within.total_seconds() // 60)} for rule in policies.sla],
        "high_value": [{"currency": currency, "threshold": str(threshold)}
                       for currency, threshold in policies.routing.high_value.items()],
        "sku_limits": [{"prefix": prefix, "max_units": units} for prefix, units in limits.per_sku.items()],
        "per_order_limit": limits.per_order,
        "working_hours": [{"shop_key": shop, "start_time": hours.start.isoformat(),
                           "end_time": hours.end.isoformat()} for shop, hours in policies.working_hours.items()],
        "reminder_minutes": int(policies.levels.reminder_after.total_seconds() // 60),
    }


def evaluation(con: duckdb.DuckDBPyConnection, now_utc: datetime, policies: SlaPolicies) -> duckdb.DuckDBPyRelation:
    """The evaluation as a lazy relation, for a caller that inserts it into a table without a round trip
    through Python (`rel.insert_into(...)`, `rel.create(...)`). Each consumption re-runs the query."""
    return con.sql(EVALUATE_SQL, params=evaluation_params(now_utc, policies))


def evaluate(con: duckdb.DuckDBPyConnection, now_utc: datetime, policies: SlaPolicies) -> pa.Table:
    """Judge every open order at `now_utc`: one row per open order (EVALUATION_COLUMNS), unordered."""
    return utc_timestamps(evaluation(con, now_utc, policies).to_arrow_table())


def utc_timestamps(table: pa.Table) -> pa.Table:
    """Label zoned timestamps UTC whatever the connection's TimeZone setting (the instants are unchanged)."""
    fields = [pa.field(f.name, pa.timestamp(f.type.unit, "UTC"), f.nullable)
              if pa.types.is_timestamp(f.type) and f.type.tz else f for f in table.schema]
    return table.cast(pa.schema(fields))
