"""The project's generic dbt tests (dbt_models/tests/generic/) fail on the rows they must and name the rule.

`not_null_columns` replaced ~200 per-column `not_null` tests and `column_rules` folds a staging model's
not-null, not-null-when-clean and accepted-values tests into one, so a bug in either would silently stop
testing those columns. The warehouse builds only show them passing; here each runs on a tiny dbt project (one
seed, the real macros copied in) with broken rows on purpose. One dbt invocation each, a few seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from order_pipeline.warehouse.dbt_project import DBT_PROJECT_DIR

GENERIC = DBT_PROJECT_DIR / "tests" / "generic"
SHARED_QUERY = DBT_PROJECT_DIR / "macros" / "broken_rows.sql"  # the query both tests render

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


def _project(root: Path, seed: str, csv: str, schema_yml: str) -> Path:
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / f"{seed}.csv").write_text(csv)
    (root / "seeds" / "_seeds.yml").write_text(schema_yml)
    shutil.copytree(GENERIC, root / "tests" / "generic")
    (root / "macros").mkdir()
    shutil.copy(SHARED_QUERY, root / "macros")
    (root / "dbt_project.yml").write_text(
        "name: not_null_columns_check\nversion: '1.0'\nconfig-version: 2\nprofile: check\n"
        "seed-paths: [seeds]\ntest-paths: [tests]\n")
    (root / "profiles.yml").write_text(
        f"check:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        f"      path: '{root / 'check.duckdb'}'\n      threads: 1\n")
    return root


def _build(tmp_path: Path, monkeypatch, project: Path) -> dict:
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    result = dbtRunner().invoke(["build", "--project-dir", str(project), "--profiles-dir", str(project),
                                 "--target-path", str(tmp_path / "target"), "--no-partial-parse"])
    assert result.result is not None, result.exception
    return {r.node.name: r for r in result.result if r.node.resource_type == "test"}


def _rows(project: Path, test) -> set[tuple]:  # noqa: ANN001 - a dbt RunResult
    # not read_only: dbt-duckdb still holds the file open in this process, and DuckDB refuses a second
    # connection with another configuration
    con = duckdb.connect(str(project / "check.duckdb"))
    try:
        return set(con.execute(test.node.compiled_code).fetchall())
    finally:
        con.close()


def test_not_null_columns_fails_on_a_null_and_names_the_column(tmp_path, monkeypatch):
    project = _project(tmp_path / "project", "people", PEOPLE_CSV, SCHEMA_YML)
    tests = _build(tmp_path, monkeypatch, project)
    assert {name: (r.status, r.failures) for name, r in tests.items()} == {
        "people_all_columns": ("fail", 3),  # failures = null cells: name 1 + order 2
        "people_id_only": ("pass", 0),
        "people_order_where_named": ("fail", 1),  # the where keeps rows 1 and 3: row 1 has no order
        "people_name_warn": ("warn", 1),
    }

    # the test's rows say which column has NULLs and how many
    assert _rows(project, tests["people_all_columns"]) == {("name", 1), ("order", 2)}
    assert _rows(project, tests["people_order_where_named"]) == {("order", 1)}
    assert _rows(project, tests["people_id_only"]) == set()


# Staging-like rows: row 2 is quarantined (its order_id may be missing), row 3 is clean but lacks its order_id,
# row 4 has a status outside the contract, row 5 a NULL status (accepted values let NULL pass, not_null not),
# row 6 a value with a quote in it, which is accepted.
ORDERS_CSV = ("id,platform,order_id,status,quarantine_reason\n1,jd,a,paid,\n2,jd,,paid,invalid_json\n"
              "3,jd,,paid,\n4,jd,d,shipping,\n5,jd,e,,\n6,jd,f,o'clock,\n")
ORDERS_YML = """
version: 2
seeds:
  - name: orders
    config:
      column_types: {id: integer, platform: varchar, order_id: varchar, status: varchar, quarantine_reason: varchar}
    data_tests:
      - column_rules:
          name: orders_all_rules
          arguments:
            not_null: [platform, status]
            not_null_when_clean: [order_id]
            accepted_values:
              platform: ['jd']
              status: ['paid', 'shipped', "o'clock"]
      - column_rules:
          name: orders_clean_rules_on_new_rows
          arguments:
            not_null_when_clean: [order_id]
            accepted_values:
              status: ['paid', 'shipped', "o'clock"]
          config:
            where: "id >= 4"
"""


def test_column_rules_count_each_broken_rule(tmp_path, monkeypatch):
    project = _project(tmp_path / "project", "orders", ORDERS_CSV, ORDERS_YML)
    tests = _build(tmp_path, monkeypatch, project)
    assert {name: (r.status, r.failures) for name, r in tests.items()} == {
        "orders_all_rules": ("fail", 3),  # order_id of row 3, status of row 4, NULL status of row 5
        "orders_clean_rules_on_new_rows": ("fail", 1),  # the where keeps rows 4-6: row 4's status
    }
    assert _rows(project, tests["orders_all_rules"]) == {
        ("order_id not null when clean", 1), ("status accepted values", 1), ("status not null", 1)}
