"""Warehouse assets: landing files -> `landing` tables (Python) -> dbt staging -> dbt marts -> serving copy.

Every asset that opens `warehouse.duckdb` is in the pool `warehouse_writer` (limit 1, dagster.yaml): DuckDB
allows one read-write process per file. dbt runs in two steps so the staging quality gates (blocking GX
checks) sit between staging and the marts: a broken platform mapping stops before analysts see numbers.
"""

import hashlib
import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from order_pipeline.ingestion.resources import IngestionResource
from order_pipeline.warehouse import schema
from order_pipeline.warehouse.dbt_project import warehouse_dbt_project
from order_pipeline.warehouse.dbt_translator import WarehouseTranslator
from order_pipeline.warehouse.loader import load_landing
from order_pipeline.warehouse.publish import MART_TABLES, publish_serving
from order_pipeline.warehouse.quality.runner import warm_up_in_background
from order_pipeline.warehouse.resources import WRITER_POOL, WarehouseResource

OWNERS = ["team:data-platform"]
# The columns of landing.orders / refunds / stock.
LANDING_TABLE_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("load_id", "BIGINT", description="the loader run that inserted the row"),
    dg.TableColumn("landing_file", "VARCHAR", description="landing file, relative to data/landing"),
    dg.TableColumn("file_row", "INTEGER", description="row inside the landing file"),
    dg.TableColumn("platform", "VARCHAR"),
    dg.TableColumn("shop_key", "VARCHAR"),
    dg.TableColumn("stream", "VARCHAR", description="orders | refunds | stock"),
    dg.TableColumn("record_key", "VARCHAR", description="the platform's id of the record"),
    dg.TableColumn("record_modified", "TIMESTAMPTZ", description="platform modification time (UTC)"),
    dg.TableColumn("pulled_at", "TIMESTAMPTZ"),
    dg.TableColumn("pull_id", "VARCHAR", description="the pull (Dagster run) that saw the record"),
])
LANDING_ASSETS = [dg.AssetKey("landing_orders"), dg.AssetKey("landing_refunds"), dg.AssetKey("landing_stock"),
                  dg.AssetKey("landing_system_stock"), dg.AssetKey("order_completeness")]
# Python assets over the marts whose tables the serving database publishes in the same run (when selected)
DERIVED_TABLE_ASSETS = [dg.AssetKey(name) for name in (
    "fct_refund_reasons", "fct_refund_attribution", "rpt_returns_attribution", "rpt_available_to_promise",
    "rpt_fefo_pick_suggestions", "rpt_expired_batches", "fct_inventory_alerts")]


@dg.asset(
    group_name="warehouse", pool=WRITER_POOL, owners=OWNERS, kinds={"python", "duckdb"}, deps=LANDING_ASSETS,
    metadata={"dagster/column_schema": LANDING_TABLE_SCHEMA},
    description="Loads landing files not loaded before into the warehouse's `landing` schema (one load_id per "
                "run; each row's origin and metadata: the payloads stay in the landing files, where staging "
                "reads them), and cleans the receiver data of new order versions in Python: decrypted in memory, "
                "phones validated, addresses split with the gazetteer, masked and hashed. Unusable records go "
                "to landing.quarantine with the reason. A rerun with no new files changes nothing.",
)
def warehouse_raw(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  ingestion: IngestionResource) -> dg.MaterializeResult:
    from order_pipeline.cleaning.contacts import ContactCleaner
    from order_pipeline.cleaning.customers import CustomerKeys

    cipher = warehouse.cipher()
    cleaner = ContactCleaner(cipher, CustomerKeys(cipher.key))
    with warehouse.connect() as con:
        stats = load_landing(con, warehouse.landing(), ingestion.shops(), cleaner=cleaner)
    contacts = stats.contacts
    for path in stats.unreadable_files:
        context.log.warning(f"landing file {path} is unreadable: quarantined as a whole")
    return dg.MaterializeResult(metadata={
        "load_id": stats.load_id,
        "new_files": sum(stats.files.values()),
        "rows_orders": stats.rows.get("orders", 0),
        "rows_refunds": stats.rows.get("refunds", 0),
        "rows_stock": stats.rows.get("stock", 0),
        "contacts_cleaned": contacts.cleaned if contacts else 0,
        "distinct_receivers_cleaned": contacts.receivers if contacts else 0,
        "contacts_quarantined": dict(contacts.quarantined) if contacts else {},
        "unreadable_files": len(stats.unreadable_files),
    })


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # "buildable": a test runs in the step that builds all of its parents or their descendants, so the
    # books-balance test (staging + marts parents) runs with the marts, not half-way in the staging step.
    # Unit tests pin the SQL, not the data: they run in `make test` (test_dbt_unit_tests.py), not on every
    # production build, where they cost ~0.2 s each on a path that should scale with the data only.
    args = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    if warehouse.as_of:
        args += ["--vars", json.dumps({"as_of": warehouse.as_of})]
    # One target folder per step and warehouse, kept between runs: dbt then re-parses only what changed. Its
    # partial-parse state is tied to the profile, which holds the warehouse path, so a folder per invocation
    # (dagster-dbt's default) or one shared by two warehouses would parse the whole project every time (~5 s).
    key = hashlib.sha256(str(warehouse.warehouse_path().resolve()).encode()).hexdigest()[:12]
    target = warehouse_dbt_project.project_dir / "target" / f"{context.op_def.name}-{key}"
    warm_up_in_background()  # the gates after this step need GX: import it while dbt works in its process
    with warehouse.dbt_environment():
        yield from dbt.cli(args, context=context, target_path=target).stream()


def _newest_load(warehouse: WarehouseResource) -> int:
    with warehouse.connect() as con:
        return con.execute("select coalesce(max(load_id), 0) from (select load_id from landing.orders "
                           "union all select load_id from landing.refunds union all select load_id "
                           "from landing.stock)").fetchall()[0][0]


def _record_tested(warehouse: WarehouseResource, load_id: int) -> None:
    """The staging tests passed on every load up to `load_id`: later builds test only newer loads (the
    `where` of the staging tests in dbt_project.yml). Reached only when dbt succeeded: dagster-dbt raises on a
    failed build before this runs, so a failing load is tested again next time."""
    with warehouse.connect() as con:
        schema.record_tested_load(con, "staging", load_id)


@dbt_assets(manifest=warehouse_dbt_project.manifest_path, project=warehouse_dbt_project,
            dagster_dbt_translator=WarehouseTranslator(), select="staging intermediate", pool=WRITER_POOL,
            name="warehouse_staging_models")
def warehouse_staging_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                             warehouse: WarehouseResource):
    """Staging per platform and the union layer: parse, type, map statuses, convert money and time."""
    newest = _newest_load(warehouse)
    yield from _dbt_build(context, dbt, warehouse)
    _record_tested(warehouse, newest)


@dbt_assets(manifest=warehouse_dbt_project.manifest_path, project=warehouse_dbt_project,
            dagster_dbt_translator=WarehouseTranslator(), select="marts currency_rates", pool=WRITER_POOL,
            name="warehouse_mart_models")
def warehouse_mart_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """The analyst contract: fct_orders, fct_order_lines, fct_refunds, dim_customers, fct_order_changes,
    fct_quarantine (incremental where the data grows)."""
    yield from _dbt_build(context, dbt, warehouse)


@dg.asset(
    group_name="serving", pool=WRITER_POOL, owners=OWNERS, kinds={"duckdb"},
    deps=[*(dg.AssetKey(name) for name in MART_TABLES), *DERIVED_TABLE_ASSETS],
    description="The marts published to data/serving.duckdb for analysts: written to a temporary file next "
                "to it and renamed over it in one step, only after the marts' blocking checks passed. An "
                "analyst holding the old file open keeps reading it and never blocks a run. The big marts are "
                "updated by key in a copy of the previous file when both sides agree on what it holds "
                "(`publish_modes` in the metadata).",
)
def serving_database(warehouse: WarehouseResource) -> dg.MaterializeResult:
    published = publish_serving(warehouse.warehouse_path(), warehouse.serving_path())
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(published.path)),
        "tables": published.row_counts,
        "publish_modes": published.modes,
        "bytes": published.bytes,
        "example_query": dg.MetadataValue.md(
            "```sql\nselect platform, count(*) as orders, sum(paid_amount) as revenue, any_value(currency)\n"
            "from fct_orders where status <> 'cancelled' group by platform order by platform;\n```"),
    })
