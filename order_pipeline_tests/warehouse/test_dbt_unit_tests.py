"""The dbt unit tests (status mapping, times, money, quarantine reasons per platform) run here, in `make test`.

Production builds exclude them (order_pipeline/warehouse/assets.py): they check the SQL, which does not change
between runs. dbt introspects the sources' columns, so the warehouse needs the landing schema, nothing more.
"""

from __future__ import annotations

import duckdb
from dbt.cli.main import dbtRunner

from order_pipeline.warehouse import schema
from order_pipeline.warehouse.dbt_project import warehouse_dbt_project
from order_pipeline.warehouse.resources import WAREHOUSE_PATH_ENV


def test_every_dbt_unit_test_passes(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    schema.ensure(con)
    # The fixtures describe landed records as the `landed` macro yields them: the landing table's columns plus
    # the payload, which the warehouse reads from the landing file instead of storing it.
    for stream in ("orders", "refunds", "stock"):
        con.execute(f"alter table landing.{stream} add column payload varchar")
    con.close()
    monkeypatch.setenv(WAREHOUSE_PATH_ENV, str(warehouse))
    project = warehouse_dbt_project
    result = dbtRunner().invoke(["test", "--select", "test_type:unit", "--project-dir", str(project.project_dir),
                                 "--profiles-dir", str(project.profiles_dir),
                                 "--target-path", str(tmp_path / "target")])
    outcomes = {r.node.unique_id: r.status for r in result.result} if result.result else {}
    assert result.success, {node: status for node, status in outcomes.items() if status != "pass"}
    assert len(outcomes) >= 24, f"expected every unit test to run, ran {len(outcomes)}"
