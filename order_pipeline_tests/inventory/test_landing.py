"""`landing_system_stock` lands one snapshot of each stock system, and the warehouse loader puts those files into
`landing.stock` with platform "wms" / "pool", payloads exactly as the systems served them."""

from __future__ import annotations

import json

import dagster as dg
import duckdb

from order_pipeline.cleaning.contacts import ContactCleaner
from order_pipeline.cleaning.customers import CustomerKeys
from order_pipeline.ingestion.resources import ClockResource, IngestionResource
from order_pipeline.inventory import definitions
from order_pipeline.inventory.landing import landing_system_stock
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.settings import data_dir, landing_dir
from order_pipeline.shops import load_shops
from order_pipeline.simulator.inventory import pool_item_rows, wms_inventory_rows
from order_pipeline.warehouse.loader import load_landing


def _materialize(sim, **config: object) -> dg.ExecuteInProcessResult:  # noqa: ANN001 - the running simulator
    return dg.materialize(
        [landing_system_stock],
        resources={"ingestion": IngestionResource(), "clock": ClockResource(fixed_now=sim.world.now().isoformat())},
        run_config={"ops": {"landing_system_stock": {"config": config}}} if config else None,
    )


def test_asset_lands_both_systems_and_the_loader_loads_them(sim, tmp_path):
    result = _materialize(sim)
    assert result.success
    metadata = result.asset_materializations_for_node("landing_system_stock")[0].metadata
    wms, pool = wms_inventory_rows(sim.world), pool_item_rows(sim.world)
    assert metadata["records_main_wms"].value == len(wms) and metadata["records_central_pool"].value == len(pool)
    assert metadata["records"].value == len(wms) + len(pool)
    landing = landing_dir(data_dir())
    assert {p.relative_to(landing).parts[:3] for p in landing.rglob("*.parquet")} == {
        ("stock", "platform=wms", "shop=main_wms"), ("stock", "platform=pool", "shop=central_pool")}

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    cipher = PiiCipher.from_env()
    stats = load_landing(con, landing, load_shops(), cleaner=ContactCleaner(cipher, CustomerKeys(cipher.key)))
    assert stats.rows["stock"] == len(wms) + len(pool)
    # the payload stays in the landing file: each loaded row names its file and row there
    rows = con.execute(
        "select s.platform, s.shop_key, s.record_key, p.payload, s.record_modified from landing.stock as s "
        "join read_parquet(?, filename = true, file_row_number = true) as p "
        "on p.filename = ? || s.landing_file and p.file_row_number = s.file_row order by 1, 3",
        [str(landing / "stock" / "**" / "*.parquet"), landing.as_posix() + "/"]).fetchall()
    assert len(rows) == stats.rows["stock"]
    by_platform = {"wms": {}, "pool": {}}
    for platform, shop_key, key, payload, modified in rows:
        assert (platform, shop_key) in {("wms", "main_wms"), ("pool", "central_pool")}
        assert modified is not None
        by_platform[platform][key] = json.loads(payload)
    landed_rows = {key: {k: v for k, v in record.items() if k != "batches"} for key, record in by_platform["wms"].items()}
    assert landed_rows == {f"{row['wms_co_id']}:{row['sku_id']}": row for row in wms}
    assert all(sum(lot["qty"] for lot in r["batches"]) == r["qty"] for r in by_platform["wms"].values())
    assert by_platform["pool"] == {f"{item['channel']}:{item['sku_code']}": item for item in pool}
    assert load_landing(con, landing, load_shops(), cleaner=None).rows == {}, "a second load adds nothing"
    con.close()


def test_one_system_can_be_pulled_alone_and_an_unknown_one_is_refused(sim):
    assert _materialize(sim, systems=["central_pool"]).success
    assert [p.parent.parent.name for p in landing_dir(data_dir()).rglob("*.parquet")] == ["shop=central_pool"]
    refused = dg.materialize(
        [landing_system_stock], raise_on_error=False,
        resources={"ingestion": IngestionResource(), "clock": ClockResource(fixed_now=sim.world.now().isoformat())},
        run_config={"ops": {"landing_system_stock": {"config": {"systems": ["no_such_wms"]}}}})
    assert not refused.success


def test_a_merchant_without_stock_systems_lands_nothing_and_does_not_fail(sim, tmp_path):
    (tmp_path / "none.yaml").write_text("systems: []\n", encoding="utf-8")
    result = _materialize(sim, systems_file=str(tmp_path / "none.yaml"))
    assert result.success
    [materialization] = result.asset_materializations_for_node("landing_system_stock")
    assert materialization.metadata["records"].value == 0
    assert not list(landing_dir(data_dir()).rglob("*.parquet"))


def test_the_asset_is_described_owned_and_grouped_for_the_ingest_job():
    spec = landing_system_stock.get_asset_spec()
    assert spec.key.to_user_string() == "landing_system_stock" and spec.group_name == "ingestion"
    assert spec.owners == ["team:data-platform"] and spec.kinds == {"python"}
    assert "reconciliation" in spec.description
    assert landing_system_stock in list(definitions().assets)
