"""config/returns.yaml: the shipped file is valid and sensible, and every mistake is refused with its field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from order_pipeline.returns.config import ReturnsConfigError, load_returns_settings
from order_pipeline.simulator.catalog import CATEGORY_CODES


def test_shipped_file_covers_the_catalog_and_keeps_fresh_food_manual():
    settings = load_returns_settings()
    assert settings.auto_approval.max_amount_cny == Decimal("50")
    assert "fresh_food" in settings.auto_approval.special_categories
    # every category code the demo merchant uses maps to that category
    assert {code: settings.category_by_sku_prefix[code] for code in CATEGORY_CODES.values()} == \
        {code: name for name, code in CATEGORY_CODES.items()}


def test_environment_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "returns.yaml"
    path.write_text("auto_approval: {max_amount_cny: 30.5, special_categories: []}\n"
                    "category_by_sku_prefix: {ff: fresh_food, FF9: frozen}\n", encoding="utf-8")
    monkeypatch.setenv("ORDER_PIPELINE_RETURNS_FILE", str(path))
    settings = load_returns_settings()
    assert settings.auto_approval.max_amount_cny == Decimal("30.5")
    assert settings.prefix_table() == (["FF", "FF9"], ["fresh_food", "frozen"])


@pytest.mark.parametrize(("text", "message"), [
    ("category_by_sku_prefix: {FF: fresh_food}\nauto_approval: {special_categories: [customised]}",
     "auto_approval.special_categories[0]: unknown category 'customised' (categories of category_by_sku_prefix: "
     "fresh_food)"),
    ("category_by_sku_prefix: {FF: fresh_food, ff: frozen}", "category_by_sku_prefix: ff: the same prefix as 'FF'"),
    ("category_by_sku_prefix: {XX: unknown}", "category_by_sku_prefix: XX: 'unknown' is what unmatched SKUs get"),
    ("category_by_sku_prefix: {FF: Fresh Food}", "category_by_sku_prefix.FF: String should match pattern"),
    ("category_by_sku_prefix: {FF: fresh_food}\nauto_approval: {max_amount_cny: -1}",
     "auto_approval.max_amount_cny: Input should be greater than or equal to 0"),
    ("category_by_sku_prefix: {FF: fresh_food}\nauto_approval: {max_amount_cny: 50.001}",
     "auto_approval.max_amount_cny: Decimal input should have no more than 2 decimal places"),
    ("category_by_sku_prefix: {FF: fresh_food}\nauto_aproval: {}", "auto_aproval: Extra inputs are not permitted"),
    ("auto_approval: {max_amount_cny: 50}", "category_by_sku_prefix: Field required"),
    ("[1, 2]", "expected a mapping"),
    ("category_by_sku_prefix: {FF: [", "not valid YAML"),
])
def test_mistakes_are_refused_naming_file_and_field(tmp_path: Path, text: str, message: str):
    path = tmp_path / "returns.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReturnsConfigError) as raised:
        load_returns_settings(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(ReturnsConfigError, match="returns settings file not found"):
        load_returns_settings(tmp_path / "nope.yaml")
