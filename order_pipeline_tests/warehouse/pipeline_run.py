"""Runs the main job against a simulator, the way the data team does, for the warehouse tests.

A test helper, not production code: one module-scoped environment (data dir, PII key, simulator, Dagster
instance) shared by the tests of a module, because a full run (pull, load, two dbt builds, gates, publish)
takes tens of seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from order_pipeline.landing.pii import new_key
from order_pipeline.platforms.transport import forget_limiters
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.conftest import _demo_env


@dataclass
class PipelineEnv:
    data_dir: Path
    pii_key: str
    simulator: RunningSimulator
    instance: dg.DagsterInstance

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.data_dir / "serving.duckdb"

    def run(self, now: datetime | None = None, raise_on_error: bool = True, job: str = "order_pipeline_job",
            partition_key: str | None = None) -> dg.ExecuteInProcessResult:
        from order_pipeline.definitions import defs

        now = now or self.simulator.world.now()
        run_config = {"resources": {
            "clock": {"config": {"fixed_now": now.isoformat()}},
            "ingestion": {"config": {"safety_lag_minutes": 0, "initial_lookback_days": 5,
                                     "data_dir": str(self.data_dir)}},
            "warehouse": {"config": {"data_dir": str(self.data_dir), "as_of": now.isoformat()}},
        }}
        job_def = defs.resolve_job_def(job)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("ORDER_PIPELINE_PII_KEY", self.pii_key)
            mp.setenv("ORDER_PIPELINE_SIM_URL", self.simulator.url)
            mp.setenv("ORDER_PIPELINE_DATA_DIR", str(self.data_dir))
            return job_def.execute_in_process(run_config=run_config, instance=self.instance,
                                              raise_on_error=raise_on_error, partition_key=partition_key)

    def query(self, sql: str, params: list | None = None, database: Path | None = None) -> list[tuple]:
        con = duckdb.connect(str(database or self.serving), read_only=True)
        con.execute("set TimeZone = 'UTC'")  # icu is built in, but loads only after connect
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@contextlib.contextmanager
def pipeline_env(tmp: Path, world: WorldConfig) -> Iterator[PipelineEnv]:
    forget_limiters()  # module fixtures start before the per-test reset in conftest
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _demo_env().items():
            mp.setenv(name, value)
        with RunningSimulator(world) as simulator, dg.instance_for_test() as instance:
            yield PipelineEnv(data_dir=tmp / "data", pii_key=new_key(), simulator=simulator, instance=instance)
