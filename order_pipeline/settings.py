"""Where the project keeps its files, from the environment, never from the current directory."""

from __future__ import annotations

import os
from pathlib import Path

from order_pipeline.shops import PROJECT_ROOT


def data_dir() -> Path:
    """`ORDER_PIPELINE_DATA_DIR`, default `<project>/data` (absolute, whatever the working directory)."""
    configured = os.environ.get("ORDER_PIPELINE_DATA_DIR")
    path = Path(configured).expanduser() if configured else PROJECT_ROOT / "data"
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def landing_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "landing"


def state_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "state"
