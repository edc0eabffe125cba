"""One loopback robot server for the alert tests, reset before each test; fast retry settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from order_pipeline.alerts.channels import Channel, make_channel
from order_pipeline.alerts.delivery import DeliverySettings
from order_pipeline_tests.alerts.robots import FakeRobots

# Back-off of a few milliseconds: the tests exercise the retry logic, not the clock.
FAST = DeliverySettings(max_attempts=5, backoff_initial=0.002, backoff_max=0.01, read_timeout=5.0)


@pytest.fixture(scope="session")
def _robot_server() -> Iterator[FakeRobots]:
    server = FakeRobots()
    yield server
    server.close()


@pytest.fixture
def robots(_robot_server: FakeRobots) -> FakeRobots:
    _robot_server.reset()
    return _robot_server


def channel_for(robots: FakeRobots, kind: str, secret: str | None = "robot's") -> Channel:
    """The channel pointed at the fake robot of `kind`, with the robot's own secret unless told otherwise."""
    own = robots.robots[kind].secret
    return make_channel(kind, f"test_{kind}", robots.url(kind), own if secret == "robot's" else secret)
