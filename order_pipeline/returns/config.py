"""Returns attribution settings (MISSION F11), from `config/returns.yaml`.

The merchant changes these (a new product line, a stricter auto-approval limit), so the file is validated when
it is loaded and every error names the file and the field: a typo in a special category must stop the run, not
quietly let fresh food through auto-approval. The SKU-prefix table stands in for the merchant's product master
until the pipeline reads one: a refund whose SKU code matches no prefix gets the category `unknown` and stays in
every table (it is never dropped).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from order_pipeline.config_files import describe, read_mapping
from order_pipeline.shops import PROJECT_ROOT

DEFAULT_RETURNS_FILE = PROJECT_ROOT / "config" / "returns.yaml"
RETURNS_FILE_ENV = "ORDER_PIPELINE_RETURNS_FILE"
UNKNOWN_CATEGORY = "unknown"  # what a SKU matching no prefix is attributed to
CategoryName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
SkuPrefix = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_]+$")]


class ReturnsConfigError(ValueError):
    """The returns settings file is wrong; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AutoApproval(_Model):
    """A refund may be approved without a human when its CNY value is at most `max_amount_cny` and its category
    is not special (perishable or hygiene goods need someone to look at the photos first)."""

    max_amount_cny: Decimal = Field(default=Decimal("50"), ge=0, max_digits=16, decimal_places=2)
    special_categories: tuple[CategoryName, ...] = ("fresh_food",)


class ReturnsSettings(_Model):
    """The validated settings. Construct in code for tests, or load the file with `load_returns_settings`."""

    auto_approval: AutoApproval = AutoApproval()
    category_by_sku_prefix: dict[SkuPrefix, CategoryName] = Field(min_length=1)

    @field_validator("category_by_sku_prefix")
    @classmethod
    def _prefixes(cls, table: dict[str, str]) -> dict[str, str]:
        seen: dict[str, str] = {}
        for prefix, category in table.items():
            if category == UNKNOWN_CATEGORY:
                raise ValueError(f"{prefix}: {UNKNOWN_CATEGORY!r} is what unmatched SKUs get; map the prefix "
                                 "to a real category or remove it")
            if prefix.upper() in seen:
                raise ValueError(f"{prefix}: the same prefix as {seen[prefix.upper()]!r} (prefixes are matched "
                                 "case-insensitively)")
            seen[prefix.upper()] = prefix
        return table

    @model_validator(mode="after")
    def _special_categories_exist(self) -> ReturnsSettings:
        known = sorted(set(self.category_by_sku_prefix.values()))
        for i, category in enumerate(self.auto_approval.special_categories):
            if category not in known:
                raise ValueError(f"auto_approval.special_categories[{i}]: unknown category {category!r} "
                                 f"(categories of category_by_sku_prefix: {', '.join(known)})")
        return self

    def prefix_table(self) -> tuple[list[str], list[str]]:
        """(upper-cased prefixes, their categories) as two lists, the shape the SQL binds."""
        return [p.upper() for p in self.category_by_sku_prefix], list(self.category_by_sku_prefix.values())


def returns_file() -> Path:
    return Path(os.environ.get(RETURNS_FILE_ENV) or DEFAULT_RETURNS_FILE)


def load_returns_settings(path: str | Path | None = None) -> ReturnsSettings:
    """Read and validate the settings file (default: $ORDER_PIPELINE_RETURNS_FILE or config/returns.yaml)."""
    source = Path(path) if path else returns_file()
    raw = read_mapping(source, ReturnsConfigError, "returns settings file",
                       "a mapping (auto_approval, category_by_sku_prefix)")
    try:
        return ReturnsSettings.model_validate(raw)
    except ValidationError as exc:
        raise ReturnsConfigError(f"{source}: {describe(exc, raw)}") from None
