"""SLA policies for open orders (MISSION F7), from `config/sla_policies.yaml`.

Operators change these numbers (a fresh-food promotion, a shop with a slower warehouse), so the file is
validated up front and every error names the file and the field: a typo must stop the sensor loudly, not
quietly fall back to some other SLA. Rules are resolved by specificity (shop > platform > category only);
two rules that could both apply with the same specificity are refused rather than picked by file order.
A category with no rule of its own uses the default category's rules, so adding a category for its prefixes
does not require copying every rule.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from order_pipeline.config_files import describe, read_mapping
from order_pipeline.operations.durations import Duration, Hours
from order_pipeline.shops import PLATFORMS, PROJECT_ROOT, load_shops

DEFAULT_POLICIES_FILE = PROJECT_ROOT / "config" / "sla_policies.yaml"
_NAME = r"^[a-z][a-z0-9_]*$"
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Prefix = Annotated[str, Field(min_length=1, pattern=r"^\S+$")]


class PolicyConfigError(ValueError):
    """The policies file is wrong; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategorySpec(_Model):
    sku_code_prefixes: list[Prefix] = Field(min_length=1)


class SlaRule(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    category: str
    platform: str | None = None
    shop_key: str | None = None
    ship_within: Duration

    @property
    def specificity(self) -> int:
        """2 for a shop rule, 1 for a platform rule, 0 for a category-only rule: the higher one wins."""
        return 2 if self.shop_key else 1 if self.platform else 0

    @property
    def scope(self) -> tuple[str, str | None]:
        """Two rules of one category with the same scope would both apply with the same specificity."""
        return ("shop", self.shop_key) if self.shop_key else ("platform", self.platform)


class Levels(_Model):
    reminder_after: Duration = timedelta(minutes=15)


class PurchaseLimits(_Model):
    per_order: int | None = Field(default=None, gt=0)
    per_sku: dict[Prefix, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)


class Routing(_Model):
    high_value: dict[Currency, Annotated[Decimal, Field(gt=0)]] = Field(default_factory=dict)
    purchase_limit_units: PurchaseLimits = PurchaseLimits()


def _default_categories() -> dict[str, CategorySpec]:
    # The demo merchant's product codes (order_pipeline/simulator/catalog.py CATEGORY_CODES).
    codes = {"apparel": "AP", "fresh_food": "FF", "electronics": "EL", "beauty": "BE", "home": "HM",
             "mother_baby": "MB"}
    return {name: CategorySpec(sku_code_prefixes=[code]) for name, code in codes.items()}


def _default_rules() -> list[SlaRule]:
    return [SlaRule(id="normal", category="normal", ship_within=timedelta(hours=2)),
            SlaRule(id="fresh_food", category="fresh_food", ship_within=timedelta(minutes=30))]


class SlaPolicies(_Model):
    """The validated policies. Construct in code for tests, or load the file with `load_policies`."""

    default_category: str = Field(default="normal", pattern=_NAME)
    categories: dict[Annotated[str, Field(pattern=_NAME)], CategorySpec] = Field(default_factory=_default_categories)
    sla: list[SlaRule] = Field(default_factory=_default_rules, min_length=1)
    levels: Levels = Levels()
    routing: Routing = Routing()
    working_hours: dict[str, Hours] = Field(default_factory=dict)
    stuck_stage_after: Duration = timedelta(hours=2)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> SlaPolicies:
        shops: Mapping[str, str] | None = (info.context or {}).get("shops")
        if self.default_category in self.categories:
            raise ValueError(f"categories.{self.default_category}: the default category is what lines matching "
                             "no prefix get; it takes no prefixes")
        if len(self.categories) > 62:  # evaluate keeps an order's categories in a 64-bit set
            raise ValueError(f"categories: at most 62 categories besides the default, got {len(self.categories)}")
        self._check_prefixes()
        known = [self.default_category, *self.categories]
        seen_ids: set[str] = set()
        scopes: dict[tuple[str, tuple[str, str | None]], str] = {}
        for i, rule in enumerate(self.sla):
            where = f"sla[{i}] ({rule.id})"
            if rule.id in seen_ids:
                raise ValueError(f"{where}.id: duplicate rule id {rule.id!r}")
            seen_ids.add(rule.id)
            if rule.category not in known:
                raise ValueError(f"{where}.category: unknown category {rule.category!r} (known: {', '.join(known)})")
            if rule.platform is not None and rule.platform not in PLATFORMS:
                raise ValueError(f"{where}.platform: unknown platform {rule.platform!r} "
                                 f"(known: {', '.join(PLATFORMS)})")
            if rule.shop_key is not None and shops is not None:
                if rule.shop_key not in shops:
                    raise ValueError(f"{where}.shop_key: unknown shop {rule.shop_key!r} "
                                     f"(known: {', '.join(sorted(shops))})")
                if rule.platform is not None and shops[rule.shop_key] != rule.platform:
                    raise ValueError(f"{where}.platform: shop {rule.shop_key!r} is on "
                                     f"{shops[rule.shop_key]}, not {rule.platform}")
            key = (rule.category, rule.scope)
            if key in scopes:
                raise ValueError(f"{where}: overlaps rule {scopes[key]!r} with the same specificity "
                                 f"(category {rule.category}, {rule.scope[0]} {rule.scope[1] or 'any'}); "
                                 "make one of them more specific or remove one")
            scopes[key] = rule.id
        if (self.default_category, ("platform", None)) not in scopes:
            raise ValueError(f"sla: no rule for the default category {self.default_category!r} without "
                             "platform or shop_key; every order needs an SLA to fall back on")
        if shops is not None:
            for shop_key in self.working_hours:
                if shop_key not in shops:
                    raise ValueError(f"working_hours.{shop_key}: unknown shop {shop_key!r} "
                                     f"(known: {', '.join(sorted(shops))})")
        return self

    def _check_prefixes(self) -> None:
        """One line, one category: a prefix that starts another prefix would make a SKU match two."""
        owners: list[tuple[str, str]] = [(prefix, name) for name, spec in self.categories.items()
                                         for prefix in spec.sku_code_prefixes]
        for i, (prefix, name) in enumerate(owners):
            for other, other_name in owners[i + 1:]:
                if other.startswith(prefix) or prefix.startswith(other):
                    raise ValueError(f"categories.{other_name}.sku_code_prefixes: prefix {other!r} overlaps "
                                     f"prefix {prefix!r} of category {name}")

    def rule_category(self, category: str) -> str:
        """The category whose rules apply: its own if any rule names it, else the default category's."""
        return category if any(rule.category == category for rule in self.sla) else self.default_category


def policies_file() -> Path:
    return Path(os.environ.get("ORDER_PIPELINE_SLA_POLICIES_FILE") or DEFAULT_POLICIES_FILE)


def load_policies(path: str | Path | None = None, shops: Mapping[str, str] | None = None) -> SlaPolicies:
    """Read and validate the policies file. `shops` maps shop_key -> platform (default: config/shops.yaml)."""
    source = Path(path) if path else policies_file()
    if shops is None:
        shops = {shop.key: shop.platform for shop in load_shops()}
    raw = read_mapping(source, PolicyConfigError, "SLA policies file",
                       "a mapping (categories, sla, levels, routing, ...)")
    try:
        return SlaPolicies.model_validate(raw, context={"shops": dict(shops)})
    except ValidationError as exc:
        raise PolicyConfigError(f"{source}: {describe(exc, raw, _location)}") from None


def _location(loc: tuple[Any, ...], raw: Any) -> str:
    """pydantic's loc as the path an operator reads in the file: sla[2] (fresh_jd).ship_within."""
    text, node = "", raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            text += f"[{item}]"
            if item < len(node) and isinstance(node[item], dict) and node[item].get("id"):
                text += f" ({node[item]['id']})"
        else:
            text += ("." if text else "") + str(item)
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            node = None
    return re.sub(r"\.\[", "[", text)
