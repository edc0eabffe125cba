"""One running simulator per test module (building a world costs ~1 s); each test gets it with its URL in
the environment and no faults or rate limit left over from the previous test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.inventory.helpers import world_config


@pytest.fixture(scope="module")
def running() -> Iterator[RunningSimulator]:
    with RunningSimulator(world_config()) as simulator:
        yield simulator


@pytest.fixture
def sim(running: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSimulator]:
    monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", running.url)
    running.set_faults("none")
    running.set_rate_limit(None)
    running.ctx.reset_stats()
    running.world.set_now(running.world.config.start)
    yield running
    running.set_faults("none")
    running.set_rate_limit(None)
