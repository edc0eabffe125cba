"""Configuration of the operations domain: which policy and alert files, how deliveries retry and group."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from order_pipeline.alerts import AlertConfig, DeliverySettings, load_alert_config
from order_pipeline.operations.policies import SlaPolicies, load_policies
from order_pipeline.shops import Shop, load_shops


class OperationsResource(dg.ConfigurableResource):
    """SLA policies (config/sla_policies.yaml), alert channels (config/alerts.yaml; their URLs and secrets come
    from the environment variables the file names), and delivery behaviour."""

    policies_file: str = ""  # empty = ORDER_PIPELINE_SLA_POLICIES_FILE or config/sla_policies.yaml
    alerts_file: str = ""  # empty = ORDER_PIPELINE_ALERTS_FILE or config/alerts.yaml
    shops_file: str = ""  # empty = ORDER_PIPELINE_SHOPS_FILE or config/shops.yaml
    # more new alerts than this for one channel and level in one run are sent as one digest message
    digest_threshold: int = 10
    delivery_attempts: int = 5
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 30.0

    def shops(self) -> list[Shop]:
        return load_shops(Path(self.shops_file) if self.shops_file else None)

    def policies(self) -> SlaPolicies:
        return load_policies(self.policies_file or None, shops={s.key: s.platform for s in self.shops()})

    def alert_config(self) -> AlertConfig:
        return load_alert_config(self.alerts_file or None)

    def delivery_settings(self) -> DeliverySettings:
        return DeliverySettings(max_attempts=self.delivery_attempts, backoff_initial=self.backoff_initial_seconds,
                                backoff_max=self.backoff_max_seconds)
