"""Shared fixtures: the demo merchant's simulator-only credentials, a fresh PII key, a private data dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from order_pipeline.landing.pii import new_key
from order_pipeline.platforms.transport import forget_limiters
from order_pipeline.shops import PROJECT_ROOT

# A fixed instant for simulator worlds in tests: every run sees the same merchant.
TEST_START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _demo_env() -> dict[str, str]:
    values = {}
    for raw in (PROJECT_ROOT / "config" / "demo.env").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets the demo credentials, its own PII key and its own data directory."""
    for name, value in _demo_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ORDER_PIPELINE_PII_KEY", new_key())
    monkeypatch.setenv("ORDER_PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDER_PIPELINE_SHOPS_FILE", raising=False)
    assert os.environ["ORDER_PIPELINE_DATA_DIR"].startswith(str(tmp_path))
    forget_limiters()  # a throttle pause one test provoked on purpose must not stall the next
    yield


# Figures a test measured that belong in the run's output (e.g. the return-reason accuracy): a test records
# them with `record_property("measured", text)`; they are printed at the end of every run, also from xdist
# workers (user properties travel with the test reports) and whether or not output capture is on.
def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    measured = [value for reports in terminalreporter.stats.values() for report in reports
                for name, value in getattr(report, "user_properties", ()) if name == "measured"
                and getattr(report, "when", "call") == "call"]
    if measured:
        terminalreporter.section("measured by the tests")
        for text in measured:
            terminalreporter.write_line(str(text))
