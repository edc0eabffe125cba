"""The stock systems the pipeline pulls besides the marketplaces, from `config/stock_systems.yaml`.

A stock system is described exactly like a shop (key, platform, base URL, the environment variables naming its
credentials) so the adapters, the landing zone and the watermark store treat it as one: `load_stock_systems`
returns `order_pipeline.shops.Shop` objects, validated by the shops file's own rules. Only the platform list
differs: `wms` (the warehouse system) and `pool` (the central stock pool).
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from order_pipeline.shops import PROJECT_ROOT, Shop, ShopConfigError, _parse_shop

if TYPE_CHECKING:
    from order_pipeline.platforms.base import PlatformAdapter

STOCK_SYSTEM_PLATFORMS = ("wms", "pool")
DEFAULT_STOCK_SYSTEMS_FILE = PROJECT_ROOT / "config" / "stock_systems.yaml"
_ADAPTER_CLASSES = {
    "wms": "order_pipeline.platforms.wms:WmsAdapter",
    "pool": "order_pipeline.platforms.stock_pool:StockPoolAdapter",
}


def stock_systems_file() -> Path:
    return Path(os.environ.get("ORDER_PIPELINE_STOCK_SYSTEMS_FILE", DEFAULT_STOCK_SYSTEMS_FILE))


def load_stock_systems(path: Path | None = None) -> list[Shop]:
    """Load and validate the stock systems file; every error names the file, the system and the field."""
    path = path or stock_systems_file()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ShopConfigError(f"stock systems file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ShopConfigError(f"stock systems file {path} is not valid YAML: {exc}") from exc
    entries = document.get("systems") if isinstance(document, dict) else None
    if not isinstance(entries, list):  # `systems: []` is valid: a merchant without a WMS or a stock pool
        raise ShopConfigError(f"{path}: expected a list under 'systems' (`systems: []` for none)")
    systems = [_parse_shop(entry, index, path, STOCK_SYSTEM_PLATFORMS) for index, entry in enumerate(entries)]
    keys = [system.key for system in systems]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ShopConfigError(f"{path}: duplicate stock system keys {duplicates}")
    return systems


def system_adapter_class(platform: str) -> type[PlatformAdapter]:
    """The adapter class of a stock system platform (imported on demand, like the marketplaces')."""
    try:
        module_name, class_name = _ADAPTER_CLASSES[platform].split(":")
    except KeyError as exc:
        raise ValueError(f"no adapter for stock system {platform!r}; known: {sorted(_ADAPTER_CLASSES)}") from exc
    return getattr(import_module(module_name), class_name)
