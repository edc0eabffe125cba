"""The generic test `not_null_columns` (dbt_models/tests/generic/) fails on a NULL in any listed column and names it.

It replaced ~200 per-column `not_null` tests, so a bug in it would silently stop testing those columns. The
warehouse builds only show it passing; here it runs on a tiny dbt project (one seed, the real macro copied in)
with NULLs on purpose. One dbt invocation, a few seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from order_pipeline.warehouse.dbt_project import DBT_PROJECT_DIR

MACRO = DBT_PROJECT_DIR / "tests" / "generic" / "not_null_columns.sql"

# id never null; name null once; "order" (a reserved word: the macro must quote it) null twice, once on a row
# whose name is set - the row the `where` test keeps
PEOPLE_CSV = "id,name,order\n1,ann,\n2,,\n3,cho,x\n"

SCHEMA_YML = """
version: 2
seeds:
  - name: people
    config:
      column_types: {id: integer, name: varchar, order: varchar}
    data_tests:
      - not_null_columns:
          name: people_all_columns
          arguments:
            columns: [id, name, order]
      - not_null_columns:
          name: people_id_only
          arguments:
            columns: [id]
      - not_null_columns:
          name: people_order_where_named
          arguments:
            columns: [order]
          config:
            where: "name is not null"
      - not_null_columns:
          name: people_name_warn
          arguments:
            columns: [name]
          config:
            severity: warn
"""


def _project(root: Path) -> Path:
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "people.csv").write_text(PEOPLE_CSV)
    (root / "seeds" / "_seeds.yml").write_text(SCHEMA_YML)
    (root / "tests" / "generic").mkdir(parents=True)
    shutil.copy(MACRO, root / "tests" / "generic" / MACRO.name)
    (root / "dbt_project.yml").write_text(
        "name: not_null_columns_check\nversion: '1.0'\nconfig-version: 2\nprofile: check\n"
        "seed-paths: [seeds]\ntest-paths: [tests]\n")
    (root / "profiles.yml").write_text(
        f"check:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        f"      path: '{root / 'check.duckdb'}'\n      threads: 1\n")
    return root


def test_not_null_columns_fails_on_a_null_and_names_the_column(tmp_path, monkeypatch):
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    project = _project(tmp_path / "project")
    result = dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                 "--target-path", str(tmp_path / "target"), "--no-partial-parse"])
    assert result.result is not None, result.exception
    tests = {r.node.name: r for r in result.result if r.node.resource_type == "test"}
    assert {name: (r.status, r.failures) for name, r in tests.items()} == {
        "people_all_columns": ("fail", 3),  # failures = null cells: name 1 + order 2
        "people_id_only": ("pass", 0),
        "people_order_where_named": ("fail", 1),  # the where keeps rows 1 and 3: row 1 has no order
        "people_name_warn": ("warn", 1),
    }

    # the test's rows say which column has NULLs and how many (not read_only: dbt-duckdb still holds the file
    # open in this process, and DuckDB refuses a second connection with another configuration)
    con = duckdb.connect(str(project / "check.duckdb"))
    try:
        def rows(name: str) -> set[tuple]:
            return set(con.execute(tests[name].node.compiled_code).fetchall())

        assert rows("people_all_columns") == {("name", 1), ("order", 2)}
        assert rows("people_order_where_named") == {("order", 1)}
        assert rows("people_id_only") == set()
    finally:
        con.close()
