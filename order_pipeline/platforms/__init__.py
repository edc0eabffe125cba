"""One httpx adapter per marketplace, each a client of its platform's contract (docs/platform-api.md)."""

from __future__ import annotations

from importlib import import_module

from order_pipeline.platforms.base import Batch, PlatformAdapter, Window
from order_pipeline.platforms.errors import ErrorAction, PlatformError, ReauthorisationRequired
from order_pipeline.platforms.transport import TransportSettings

_ADAPTER_CLASSES = {
    "taobao": "order_pipeline.platforms.taobao:TaobaoAdapter",
    "jd": "order_pipeline.platforms.jd:JdAdapter",
    "douyin": "order_pipeline.platforms.douyin:DouyinAdapter",
    "shopee": "order_pipeline.platforms.shopee:ShopeeAdapter",
}


def adapter_class(platform: str) -> type[PlatformAdapter]:
    """The adapter class of a platform (imported on demand: a shop list with one platform loads one module)."""
    try:
        module_name, class_name = _ADAPTER_CLASSES[platform].split(":")
    except KeyError as exc:
        raise ValueError(f"no adapter for platform {platform!r}; known: {sorted(_ADAPTER_CLASSES)}") from exc
    return getattr(import_module(module_name), class_name)


__all__ = [
    "Batch",
    "ErrorAction",
    "PlatformAdapter",
    "PlatformError",
    "ReauthorisationRequired",
    "TransportSettings",
    "Window",
    "adapter_class",
]
