"""The GX gates of the warehouse, as code: one `Suite` per table, versioned.

Why in code and not in a GX file-backed store: the gates change with the dbt models, so they are reviewed
in the same pull request, and the suite's `version` (bump it whenever a gate changes) plus a fingerprint of
the definitions land in every check's metadata, so a result can always be traced to the rules that made it.

A gate names its expectation by GX Core class name plus keyword arguments instead of holding an instance:
`import great_expectations` costs seconds, so expectations are built only when a check actually runs.

Cross-column rules (paid_at >= created_at, the order total within tolerance) are *derived columns*: the
suite computes a boolean per row with pandas and a gate expects it to be True. Why not
`ExpectColumnPairValuesAToBeGreaterThanB`: the derived form is one vectorised comparison, treats a missing
optional value (no paid_at yet) explicitly, and lets every gate sample its failing rows by a readable key
(order_key) the same way. Derived booleans are True when a value they compare is missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import pandas as pd


class Severity(StrEnum):
    ERROR = "ERROR"  # blocks the downstream assets (serving database) in the same run
    WARN = "WARN"  # shown on the asset, downstream still runs


class Personal(StrEnum):
    """How to mask samples from a column holding personal data (even already-masked columns: a mart bug
    could leak the raw value there, and the check must not copy it into Dagster's event log)."""

    PHONE = "phone"  # 138****5678
    NAME = "name"  # 张*
    OTHER = "other"  # ***


@dataclass(frozen=True)
class FromNow:
    """A bound relative to the run's `now`, resolved when the expectation is built."""

    offset: timedelta

    def resolve(self, now: datetime) -> datetime:
        return now + self.offset


@dataclass(frozen=True)
class Gate:
    name: str
    expectation: str  # a class of great_expectations.expectations, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: Mapping[str, Any]
    severity: Severity
    sample_column: str  # failing rows are shown by this column's values (masked when personal)
    personal: Personal | None = None

    def build(self, now: datetime) -> Any:
        """The GX expectation, tagged with the gate name so its result can be mapped back."""
        import great_expectations.expectations as gxe

        values = {k: (v.resolve(now) if isinstance(v, FromNow) else v) for k, v in self.kwargs.items()}
        return getattr(gxe, self.expectation)(**values, meta={"gate": self.name})


Derivation = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Suite:
    name: str  # the check is called gx_<name>
    table: str  # the DuckDB table the caller reads
    version: int
    columns: tuple[str, ...]  # only these are read from DuckDB
    gates: tuple[Gate, ...]
    derived: Mapping[str, Derivation] = field(default_factory=dict)  # boolean columns added before validation
    row_filter: Derivation | None = None  # rows kept for validation (e.g. not quarantined)
    row_filter_doc: str = ""

    @property
    def fingerprint(self) -> str:
        """Short hash of the gate definitions: shows a changed suite whose version was not bumped."""
        text = repr([(g.name, g.expectation, sorted(g.kwargs.items(), key=str), g.severity) for g in self.gates])
        return hashlib.sha256((text + repr(sorted(self.derived)) + self.row_filter_doc).encode()).hexdigest()[:12]

    def for_table(self, table: str) -> Suite:
        return replace(self, name=table, table=table)


# Zero-width, control, BOM, bidi and soft-hyphen characters: invisible in a BI tool, break grouping and joins.
# Literal characters (not \u escapes) so both Python `re` and pyarrow's RE2 (pandas' str dtype) accept it.
INVISIBLE = "[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)  # no marketplace order in this project predates it
ORDER_STATUSES = ["unpaid", "paid", "partly_shipped", "shipped", "completed", "cancelled"]
LINE_STATUSES = ["unpaid", "paid", "shipped", "completed", "cancelled", "refunded"]
REFUND_STATUSES = ["requested", "waiting_buyer_return", "waiting_seller_receipt", "refunded", "rejected", "closed"]
REFUND_TYPES = ["refund_before_shipping", "refund_after_shipping", "return_and_refund", "exchange",
                "price_protection"]
CURRENCIES = ["CNY", "SGD", "IDR", "BRL", "MYR", "THB", "VND", "PHP", "TWD", "MXN", "USD"]
STAGING_ORDER_TABLES = ("stg_taobao__orders", "stg_jd__orders", "stg_douyin__orders", "stg_shopee__orders")
E, W = Severity.ERROR, Severity.WARN


def _gate(name: str, expectation: str, severity: Severity, sample: str, personal: Personal | None = None,
          **kwargs: Any) -> Gate:
    return Gate(name, expectation, kwargs, severity, sample, personal)


def _unique_key(column: str) -> list[Gate]:
    return [_gate(f"{column}_unique", "ExpectColumnValuesToBeUnique", E, column, column=column),
            _gate(f"{column}_not_null", "ExpectColumnValuesToNotBeNull", E, column, column=column)]


def _non_negative(key: str, *columns: str) -> list[Gate]:
    return [_gate(f"{c}_non_negative", "ExpectColumnValuesToBeBetween", E, key, column=c, min_value=0)
            for c in columns]


def _true(name: str, column: str, severity: Severity, sample: str, personal: Personal | None = None,
          mostly: float = 1.0) -> Gate:
    return _gate(name, "ExpectColumnValuesToBeInSet", severity, sample, personal, column=column,
                 value_set=[True], mostly=mostly)


def _visible(column: str, personal: Personal | None = None) -> Gate:
    return _gate(f"{column}_no_invisible_chars", "ExpectColumnValuesToNotMatchRegex", E, column, personal,
                 column=column, regex=INVISIBLE)


def _plausible(column: str) -> Gate:
    """Not before the project's epoch, not more than a day ahead of the run (clock skew, time zone bugs)."""
    return _gate(f"{column}_plausible", "ExpectColumnValuesToBeBetween", E, column, column=column,
                 min_value=EPOCH, max_value=FromNow(timedelta(days=1)))


def _not_before(later: str, earlier: str) -> Derivation:
    return lambda f: (f[later].isna() | f[earlier].isna() | (f[later] >= f[earlier])).astype(bool)


FCT_ORDERS = Suite(
    name="fct_orders", table="fct_orders", version=1,
    columns=("order_key", "status", "currency", "total_amount", "paid_amount", "shipping_fee", "order_total_gap",
             "order_total_tolerance", "created_at", "paid_at", "modified_at", "phone_valid", "address_valid",
             "phone_masked", "receiver_name_masked", "province", "city", "district"),
    derived={
        # order_total_gap = abs(paid - lines - shipping), computed in SQL; tolerance = 0.01 per line (upstream).
        # 1e-9 absorbs DECIMAL -> float64 rounding, far below a cent.
        "order_total_within_tolerance": lambda f: (
            f["order_total_gap"].isna() | (f["order_total_gap"] <= f["order_total_tolerance"] + 1e-9)
        ).astype(bool),
        "paid_not_before_created": _not_before("paid_at", "created_at"),
        "modified_not_before_created": _not_before("modified_at", "created_at"),
    },
    gates=(
        *_unique_key("order_key"),
        _gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status", value_set=ORDER_STATUSES),
        *_non_negative("order_key", "total_amount", "paid_amount", "shipping_fee"),
        _true("order_total_within_tolerance", "order_total_within_tolerance", E, "order_key"),
        _gate("created_at_not_null", "ExpectColumnValuesToNotBeNull", E, "order_key", column="created_at"),
        _plausible("created_at"),
        _true("paid_not_before_created", "paid_not_before_created", E, "order_key"),
        _true("modified_not_before_created", "modified_not_before_created", E, "order_key"),
        # Two gates per validity flag: WARN shows a degradation, ERROR blocks a broken parser.
        _true("phone_valid_warn", "phone_valid", W, "phone_masked", Personal.PHONE, mostly=0.95),
        _true("phone_valid_error", "phone_valid", E, "phone_masked", Personal.PHONE, mostly=0.80),
        _true("address_valid_warn", "address_valid", W, "order_key", mostly=0.95),
        _true("address_valid_error", "address_valid", E, "order_key", mostly=0.80),
        _visible("receiver_name_masked", Personal.NAME),
        _visible("province"), _visible("city"), _visible("district"),
        _gate("currency_known", "ExpectColumnValuesToBeInSet", E, "currency", column="currency",
              value_set=CURRENCIES),
    ),
)

FCT_ORDER_LINES = Suite(
    name="fct_order_lines", table="fct_order_lines", version=1,
    columns=("order_line_key", "order_key", "quantity", "unit_price", "line_amount", "status", "sku_id", "title"),
    gates=(
        *_unique_key("order_line_key"),
        _gate("order_key_not_null", "ExpectColumnValuesToNotBeNull", E, "order_line_key", column="order_key"),
        _gate("quantity_positive", "ExpectColumnValuesToBeBetween", E, "order_line_key", column="quantity",
              min_value=0, strict_min=True),
        *_non_negative("order_line_key", "unit_price", "line_amount"),
        _gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status", value_set=LINE_STATUSES),
        _gate("sku_id_not_null", "ExpectColumnValuesToNotBeNull", E, "order_line_key", column="sku_id"),
        _visible("title"),
    ),
)

FCT_REFUNDS = Suite(
    name="fct_refunds", table="fct_refunds", version=1,
    columns=("refund_key", "status", "refund_type", "amount", "quantity", "created_at", "modified_at"),
    derived={"modified_not_before_created": _not_before("modified_at", "created_at")},
    gates=(
        *_unique_key("refund_key"),
        _gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status",
              value_set=REFUND_STATUSES),
        _gate("refund_type_known", "ExpectColumnValuesToBeInSet", E, "refund_type", column="refund_type",
              value_set=REFUND_TYPES),
        *_non_negative("refund_key", "amount", "quantity"),
        _plausible("created_at"),
        _true("modified_not_before_created", "modified_not_before_created", E, "refund_key"),
    ),
)

DIM_CUSTOMERS = Suite(
    name="dim_customers", table="dim_customers", version=1,
    columns=("customer_id", "orders", "phone_masked"),
    gates=(
        *_unique_key("customer_id"),
        _gate("customer_id_format", "ExpectColumnValuesToMatchRegex", E, "customer_id", column="customer_id",
              regex=r"^cus_[0-9a-f]{24}$"),
        _gate("orders_at_least_one", "ExpectColumnValuesToBeBetween", E, "customer_id", column="orders",
              min_value=1),
        # Only digits and separators, no mask character: a raw phone number leaking into a mart.
        _gate("phone_masked_not_raw", "ExpectColumnValuesToNotMatchRegex", E, "phone_masked", Personal.PHONE,
              column="phone_masked", regex=r"^\+?[0-9 ().-]{7,}$"),
    ),
)

FCT_INVENTORY_SNAPSHOTS = Suite(
    name="fct_inventory_snapshots", table="fct_inventory_snapshots", version=1,
    columns=("snapshot_key", "system", "sku_code", "on_hand", "available", "reserved", "incoming",
             "safety_stock", "snapshot_at"),
    # only a warehouse system may report a negative available (it promised more than it holds: oversold)
    derived={"available_non_negative_off_wms": lambda f: (f["system"] == "wms") | f["available"].isna()
             | (f["available"] >= 0)},
    gates=(
        *_unique_key("snapshot_key"),
        _gate("system_known", "ExpectColumnValuesToBeInSet", E, "snapshot_key", column="system",
              value_set=["platform", "wms", "pool"]),
        *_non_negative("snapshot_key", "on_hand", "reserved", "incoming", "safety_stock"),
        _true("available_non_negative_off_wms", "available_non_negative_off_wms", E, "snapshot_key"),
        _plausible("snapshot_at"),
        # a listing without a merchant code cannot be reconciled or checked against orders: shown, not blocking
        _gate("sku_code_present", "ExpectColumnValuesToNotBeNull", W, "snapshot_key", column="sku_code",
              mostly=0.99),
    ),
)

# One suite for every platform's staging orders model. Quarantined rows are excluded: they are reported in
# fct_quarantine with their reason, and a NULL key or amount is exactly why many of them are there.
STG_ORDERS = Suite(
    name="stg_orders", table="stg_orders", version=1,
    columns=("platform", "shop_key", "order_id", "status", "status_raw", "total_amount", "paid_amount",
             "created_at", "modified_at", "quarantine_reason"),
    row_filter=lambda f: f["quarantine_reason"].isna(),
    row_filter_doc="quarantine_reason is null",
    derived={"modified_not_before_created": _not_before("modified_at", "created_at")},
    gates=(
        _gate("order_id_not_null", "ExpectColumnValuesToNotBeNull", E, "shop_key", column="order_id"),
        # WARN here: staging shows the unmapped raw status; the mart's status gate is the one that blocks.
        _gate("status_mapped", "ExpectColumnValuesToNotBeInSet", W, "status_raw", column="status",
              value_set=["unknown"]),
        *_non_negative("order_id", "total_amount", "paid_amount"),
        _true("modified_not_before_created", "modified_not_before_created", E, "order_id"),
    ),
)

MART_SUITES = (FCT_ORDERS, FCT_ORDER_LINES, FCT_REFUNDS, DIM_CUSTOMERS, FCT_INVENTORY_SNAPSHOTS)
STAGING_SUITES = tuple(STG_ORDERS.for_table(t) for t in STAGING_ORDER_TABLES)
ALL_SUITES = MART_SUITES + STAGING_SUITES
