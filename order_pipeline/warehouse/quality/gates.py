"""The building blocks of the warehouse's GX gates (`suites.py` holds the suites themselves).

A `Gate` names its expectation by GX Core class name plus keyword arguments instead of holding an instance:
`import great_expectations` costs seconds, so expectations are built only when a check actually runs. The
helpers below spell the project's common gates (a unique non-null key, non-negative amounts, a derived
boolean that must hold, no invisible characters, a plausible time) the same way in every suite.
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
    # The column naming the load a row came from (or was rebuilt by): a run validates only rows of loads after
    # the last one this suite passed on, so an incremental run checks its change, not the whole history.
    # None: the whole table every run (a table rebuilt whole each time has nothing to skip). A suite with an
    # ERROR gate on a share (`mostly` < 1) must not set it: a share of a small batch is noise.
    load_column: str | None = None

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


def gate(name: str, expectation: str, severity: Severity, sample: str, personal: Personal | None = None,
          **kwargs: Any) -> Gate:
    return Gate(name, expectation, kwargs, severity, sample, personal)


def unique_key(column: str) -> list[Gate]:
    return [gate(f"{column}_unique", "ExpectColumnValuesToBeUnique", E, column, column=column),
            gate(f"{column}_not_null", "ExpectColumnValuesToNotBeNull", E, column, column=column)]


def non_negative(key: str, *columns: str) -> list[Gate]:
    return [gate(f"{c}_non_negative", "ExpectColumnValuesToBeBetween", E, key, column=c, min_value=0)
            for c in columns]


def all_true(name: str, column: str, severity: Severity, sample: str, personal: Personal | None = None,
          mostly: float = 1.0) -> Gate:
    return gate(name, "ExpectColumnValuesToBeInSet", severity, sample, personal, column=column,
                 value_set=[True], mostly=mostly)


def visible(column: str, personal: Personal | None = None) -> Gate:
    return gate(f"{column}_no_invisible_chars", "ExpectColumnValuesToNotMatchRegex", E, column, personal,
                 column=column, regex=INVISIBLE)


def plausible(column: str) -> Gate:
    """Not before the project's epoch, not more than a day ahead of the run (clock skew, time zone bugs)."""
    return gate(f"{column}_plausible", "ExpectColumnValuesToBeBetween", E, column, column=column,
                 min_value=EPOCH, max_value=FromNow(timedelta(days=1)))


def not_before(later: str, earlier: str) -> Derivation:
    return lambda f: (f[later].isna() | f[earlier].isna() | (f[later] >= f[earlier])).astype(bool)
