"""config/inventory.yaml: the checked-in file, the defaults, and errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from order_pipeline.inventory.config import (
    DEFAULT_INVENTORY_FILE,
    InventoryConfig,
    InventoryConfigError,
    load_inventory_config,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checked_in_file_holds_the_issue_defaults(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ORDER_PIPELINE_INVENTORY_FILE", raising=False)
    config = load_inventory_config()
    assert config == InventoryConfig()
    assert (config.unpaid_hold_minutes, config.source_preference, config.safety_stock_fallback) == (
        30, ("wms", "pool", "platform"), 0)
    assert load_inventory_config(DEFAULT_INVENTORY_FILE).delivery_settings().max_attempts == 5


def test_an_empty_file_means_the_defaults_and_the_environment_chooses_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDER_PIPELINE_INVENTORY_FILE", str(_write(tmp_path, "unpaid_hold_minutes: 15\n")))
    assert load_inventory_config().unpaid_hold_minutes == 15
    assert load_inventory_config(_write(tmp_path, "")) == InventoryConfig()


@pytest.mark.parametrize(("text", "expected"), [
    ("unpaid_hold_minutes: 45\n", "unpaid_hold_minutes: Input should be less than or equal to 30"),
    ("unpaid_hold_minutes: 10\n", "unpaid_hold_minutes: Input should be greater than or equal to 15"),
    ("source_preference: [wms, erp]\n", "source_preference[1]: Input should be 'wms', 'pool' or 'platform'"),
    ("source_preference: [wms, pool, wms]\n", "source_preference: each system may appear once, repeated: wms"),
    ("source_preference: []\n", "source_preference: Tuple should have at least 1 item"),
    ("safety_stock_fallback: -1\n", "safety_stock_fallback: Input should be greater than or equal to 0"),
    ("expiry_warning_days: soon\n", "expiry_warning_days: Input should be a valid integer"),
    ("alerts: {attempts: 0}\n", "alerts.attempts: Input should be greater than or equal to 1"),
    ("hold_minutes: 20\n", "hold_minutes: Extra inputs are not permitted"),
    ("- a list\n", "expected a mapping of settings"),
    ("unpaid_hold_minutes: [\n", "not valid YAML"),
])
def test_bad_files_name_the_file_and_the_field(tmp_path: Path, text: str, expected: str):
    path = _write(tmp_path, text)
    with pytest.raises(InventoryConfigError) as raised:
        load_inventory_config(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(InventoryConfigError, match="inventory file not found"):
        load_inventory_config(tmp_path / "nope.yaml")
