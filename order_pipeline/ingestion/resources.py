"""Dagster resources of the ingestion domain: where to land, which shops, how hard to pull, what "now" is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg

from order_pipeline.clock import Clock, FrozenClock, SystemClock, parse_instant
from order_pipeline.ingestion.pull import PullPolicy
from order_pipeline.landing.pii import PiiCipher, load_key
from order_pipeline.platforms import TransportSettings
from order_pipeline.settings import data_dir
from order_pipeline.shops import Shop, load_shops


class ClockResource(dg.ConfigurableResource):
    """The project's clock. Empty `fixed_now` = the system clock; an ISO instant freezes time (tests, replays
    against a simulator whose clock is frozen)."""

    fixed_now: str = ""

    def get_clock(self) -> Clock:
        return FrozenClock(parse_instant(self.fixed_now)) if self.fixed_now else SystemClock()


class IngestionResource(dg.ConfigurableResource):
    """Shops, landing location, PII key and pull policy. Secrets come only from the environment: the PII key
    through `EnvVar`, platform credentials through the variables each shop names in the shops file."""

    pii_key: str = dg.EnvVar("ORDER_PIPELINE_PII_KEY")
    data_dir: str = ""  # empty = ORDER_PIPELINE_DATA_DIR or <project>/data
    shops_file: str = ""  # empty = ORDER_PIPELINE_SHOPS_FILE or config/shops.yaml
    detail_concurrency: int = 4  # detail calls in flight per shop (platforms with one call per order)
    shop_concurrency: int = 3  # shops pulled at once in one run (per process)
    processes: int = 1  # worker processes; on a machine with spare cores 2 pulls ~1.6x faster
    requests_per_second: float | None = None  # client-side limit per app; None = platform throttles rule
    read_timeout_seconds: float = 20.0
    max_attempts: int = 8
    overlap_minutes: int = 10
    safety_lag_minutes: int = 3
    initial_lookback_days: int = 14

    def root(self) -> Path:
        return Path(self.data_dir) if self.data_dir else data_dir()

    def shops(self, keys: list[str] | None = None) -> list[Shop]:
        shops = load_shops(Path(self.shops_file) if self.shops_file else None)
        if keys:
            unknown = sorted(set(keys) - {shop.key for shop in shops})
            if unknown:
                raise dg.Failure(f"unknown shop keys {unknown}; configured: {[s.key for s in shops]}",
                                 allow_retries=False)
            shops = [shop for shop in shops if shop.key in keys]
        return shops

    def cipher(self) -> PiiCipher:
        return PiiCipher(load_key(self.pii_key))

    def policy(self) -> PullPolicy:
        return PullPolicy(
            overlap=timedelta(minutes=self.overlap_minutes),
            safety_lag=timedelta(minutes=self.safety_lag_minutes),
            initial_lookback=timedelta(days=self.initial_lookback_days),
        )

    def transport(self) -> TransportSettings:
        return TransportSettings(read_timeout=self.read_timeout_seconds, max_attempts=self.max_attempts,
                                 requests_per_second=self.requests_per_second)
