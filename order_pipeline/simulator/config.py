"""What world the simulator plays: seed, time span, volume, dirtiness and the merchant's shops.

One `WorldConfig` fully determines the generated merchant: the same config gives the same orders, refunds and
stock, byte for byte, so tests can compare what the pipeline loaded with the simulator's ground truth. The
shops come from the same `config/shops.yaml` the pipeline reads, so both sides agree on shop ids and on the
credentials (resolved from the environment; the simulator-only demo values fill in what is not set).
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from order_pipeline.clock import ensure_utc, parse_instant
from order_pipeline.inventory.systems import load_stock_systems
from order_pipeline.shops import PROJECT_ROOT, MissingSecretError, Shop, load_shops
from order_pipeline.simulator.model import SimShop

# Noon of Double 11 in Shanghai: a fixed default keeps every run without --start reproducible.
DEFAULT_START = datetime(2025, 11, 11, 4, 0, tzinfo=UTC)
DEMO_ENV_FILE = PROJECT_ROOT / "config" / "demo.env"


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    start: datetime = DEFAULT_START  # the clock's initial "now"
    history_days: int = 14  # orders created before start
    horizon_days: int = 7  # lifecycles pre-generated after start; nothing new happens beyond
    orders_per_shop_per_day: int = 150
    nasty_share: float = 0.05
    frozen: bool = True  # FrozenClock at start (tests) vs a clock that ticks with the wall clock (demo)
    # Share of orders the modified-time listings never return (created-time listings and details still do):
    # the platforms' incremental-index gaps that the nightly completeness pass backfills (simulator/missed.py).
    missed_by_incremental_rate: float = 0.0
    shops: list[SimShop] = field(default_factory=list)  # empty: the shops file with default credentials
    # Share of SKU codes whose WMS or stock-pool count is deliberately off (simulator/drift.py); 0 disables.
    stock_drift_rate: float = 0.05
    # The WMS and the stock pool (platform "wms" / "pool") with their credentials; empty: the stock systems file
    stock_systems: list[SimShop] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = ensure_utc(self.start).replace(microsecond=0)
        object.__setattr__(self, "start", start)
        if self.history_days < 0 or self.horizon_days < 0:
            raise ValueError("history_days and horizon_days must be >= 0")
        if self.orders_per_shop_per_day < 0:
            raise ValueError("orders_per_shop_per_day must be >= 0")
        if not 0.0 <= self.nasty_share <= 1.0:
            raise ValueError("nasty_share must be within [0, 1]")
        if not 0.0 <= self.missed_by_incremental_rate <= 1.0:
            raise ValueError("missed_by_incremental_rate must be within [0, 1]")
        if not 0.0 <= self.stock_drift_rate <= 1.0:
            raise ValueError("stock_drift_rate must be within [0, 1]")
        if not self.shops:
            object.__setattr__(self, "shops", default_sim_shops())
        if not self.stock_systems:
            object.__setattr__(self, "stock_systems", default_sim_systems())
        keys = [shop.key for shop in self.shops]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate shop keys in {keys}")


def demo_env(path: Path = DEMO_ENV_FILE) -> dict[str, str]:
    """The simulator-only demo credentials as a mapping (read from the file; os.environ is not touched)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def sim_shops_from_config(path: Path | None = None, env: Mapping[str, str] | None = None, *,
                          loader: Callable[[Path | None], list[Shop]] = load_shops) -> list[SimShop]:
    """The shops file as the simulator's shops. Credentials come from `env` if given, else from the process
    environment through `Credentials.resolve()` (which fails loudly on a missing variable). `loader` reads
    another file of the same shape (the stock systems)."""
    shops = []
    for shop in loader(path):
        if env is None:
            app_key, app_secret, token = shop.credentials.resolve()
        else:
            names = (shop.credentials.app_key, shop.credentials.app_secret, shop.credentials.access_token)
            missing = [name for name in names if not env.get(name)]
            if missing:
                raise MissingSecretError(f"shop {shop.key}: environment variable(s) {missing} not set")
            app_key, app_secret, token = (env[name] for name in names)
        shops.append(
            SimShop(
                key=shop.key,
                platform=shop.platform,
                platform_shop_id=shop.platform_shop_id,
                region=shop.region,
                timezone=shop.timezone,
                currency=shop.currency,
                app_key=app_key,
                app_secret=app_secret,
                access_token=token,
            )
        )
    return shops


def default_sim_shops(path: Path | None = None) -> list[SimShop]:
    """The environment wins (so a pipeline configured with other values still matches); the demo file's
    simulator-only values fill the gaps, so `WorldConfig()` works out of the box."""
    return sim_shops_from_config(path, env=ChainMap(dict(os.environ), demo_env()))


def default_sim_systems(path: Path | None = None) -> list[SimShop]:
    """The stock systems (WMS, stock pool) the simulator registers apps for, credentials as for the shops."""
    return sim_shops_from_config(path, env=ChainMap(dict(os.environ), demo_env()), loader=load_stock_systems)


def config_from_args(
    seed: int = 7,
    start: str | datetime | None = None,
    frozen: bool = False,
    orders_per_day: int | None = None,
    history_days: int | None = None,
    nasty_share: float | None = None,
    horizon_days: int | None = None,
    shops_file: Path | None = None,
    missed_by_incremental_rate: float = 0.0,
) -> WorldConfig:
    """Build a config from CLI-style arguments. `start=None` means "now" (the live demo); pass a start to get
    the same merchant on every run."""
    if start is None:
        instant = datetime.now(UTC).replace(microsecond=0)
    elif isinstance(start, str):
        instant = parse_instant(start)
    else:
        instant = ensure_utc(start)
    defaults = WorldConfig.__dataclass_fields__
    return WorldConfig(
        seed=seed,
        start=instant,
        frozen=frozen,
        orders_per_shop_per_day=(
            orders_per_day if orders_per_day is not None else defaults["orders_per_shop_per_day"].default
        ),
        history_days=history_days if history_days is not None else defaults["history_days"].default,
        horizon_days=horizon_days if horizon_days is not None else defaults["horizon_days"].default,
        nasty_share=nasty_share if nasty_share is not None else defaults["nasty_share"].default,
        missed_by_incremental_rate=missed_by_incremental_rate,
        shops=default_sim_shops(shops_file),
    )
