"""How available-to-promise, safety stock and expiry are judged, from `config/inventory.yaml`.

Operators tune these numbers (a promotion that lets unpaid orders hold stock longer, a fresh-food range that
needs earlier expiry warnings), so the file is validated when it is loaded and every error names the file and
the field: a typo must stop the run loudly, not quietly promise stock under some other rule.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from order_pipeline.alerts import DeliverySettings
from order_pipeline.config_files import describe, read_mapping
from order_pipeline.shops import PROJECT_ROOT

DEFAULT_INVENTORY_FILE = PROJECT_ROOT / "config" / "inventory.yaml"
INVENTORY_FILE_ENV = "ORDER_PIPELINE_INVENTORY_FILE"
StockSystem = Literal["wms", "pool", "platform"]


class InventoryConfigError(ValueError):
    """The inventory file is wrong; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertDelivery(_Model):
    """Retries inside one run; what still fails stays pending and the next run tries again."""

    attempts: int = Field(default=5, ge=1, le=10)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=30.0, ge=0)
    max_examples: int = Field(default=10, ge=1, le=50)  # SKUs named in one digest; the rest are counted


class InventoryConfig(_Model):
    # MISSION F9: an unpaid order reserves its units for 15-30 minutes; after that the hold is released (the
    # platforms close or release such orders, and the stock goes back on sale).
    unpaid_hold_minutes: int = Field(default=30, ge=15, le=30)
    # Which system's count of a SKU is trusted first: the warehouse system counts physical goods, the central
    # pool what it allocated to the channels, the platforms only what each shop may sell.
    source_preference: tuple[StockSystem, ...] = Field(default=("wms", "pool", "platform"), min_length=1)
    # The safety stock of a SKU that no system reports one for.
    safety_stock_fallback: int = Field(default=0, ge=0)
    # A batch expiring within this many days (Asia/Shanghai calendar days, today included) is alerted.
    expiry_warning_days: int = Field(default=7, ge=0, le=365)
    alerts: AlertDelivery = AlertDelivery()

    @field_validator("source_preference")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({system for system in value if value.count(system) > 1})
        if repeated:
            raise ValueError(f"each system may appear once, repeated: {', '.join(repeated)}")
        return value

    def delivery_settings(self) -> DeliverySettings:
        return DeliverySettings(max_attempts=self.alerts.attempts,
                                backoff_initial=self.alerts.backoff_initial_seconds,
                                backoff_max=self.alerts.backoff_max_seconds)


def load_inventory_config(path: str | Path | None = None) -> InventoryConfig:
    """Read and validate the inventory file (default `$ORDER_PIPELINE_INVENTORY_FILE` or
    `config/inventory.yaml`); a missing file is an error, an empty one means every default."""
    source = Path(path or os.environ.get(INVENTORY_FILE_ENV) or DEFAULT_INVENTORY_FILE)
    raw = read_mapping(source, InventoryConfigError, "inventory file", "a mapping of settings")
    try:
        return InventoryConfig.model_validate(raw)
    except ValidationError as exc:
        raise InventoryConfigError(f"{source}: {describe(exc, raw)}") from None
