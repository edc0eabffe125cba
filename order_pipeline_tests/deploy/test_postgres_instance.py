"""deploy/postgres/dagster.yaml really stores runs and materializations in the local PostgreSQL."""

from __future__ import annotations

import shutil
import uuid

import dagster as dg
import psycopg2
import pytest

from order_pipeline.shops import PROJECT_ROOT
from order_pipeline_tests.services import require_service

PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test"}


@pytest.fixture
def pg_schema_env(tmp_path, monkeypatch):
    require_service("PostgreSQL", PG["host"], PG["port"])
    user = _pick_user()
    monkeypatch.setenv("DAGSTER_PG_HOST", PG["host"])
    monkeypatch.setenv("DAGSTER_PG_PORT", str(PG["port"]))
    monkeypatch.setenv("DAGSTER_PG_USER", user)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")
    monkeypatch.setenv("DAGSTER_PG_DB", PG["dbname"])
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return user


def _pick_user() -> str:
    for user in ("postgres", "root"):
        try:
            psycopg2.connect(user=user, **PG).close()
            return user
        except psycopg2.OperationalError:
            continue
    pytest.fail("PostgreSQL is up but neither user postgres nor root can connect to database test")


def test_materialization_is_stored_in_postgres(pg_schema_env):
    marker = f"pg_probe_{uuid.uuid4().hex[:8]}"

    @dg.asset(name=marker)
    def probe() -> int:
        return 1

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([probe], instance=instance)
        assert result.success
        run_id = result.run_id

    with psycopg2.connect(user=pg_schema_env, **PG) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM runs WHERE run_id = %s", (run_id,))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = %s AND asset_key LIKE %s",
                    (run_id, f"%{marker}%"))
        assert cur.fetchone()[0] >= 1
