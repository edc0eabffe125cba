"""The Dagster side: the code location loads, and `ingest_job` lands every shop's data from the simulator."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from order_pipeline.definitions import defs
from order_pipeline.ingestion.state import IngestionState
from order_pipeline.settings import data_dir, landing_dir, state_dir
from order_pipeline.shops import PLATFORMS, load_shops
from order_pipeline.simulator.config import WorldConfig
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.landing_truth import mismatches


def test_definitions_load_with_described_owned_assets():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"landing_orders", "landing_refunds", "landing_stock"} <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.owners and node.kinds, f"{key} lacks description, owners or kinds"
    assert defs.resolve_job_def("ingest_job") is not None


def _run_config(now, **pull) -> dict:
    return {
        "resources": {"clock": {"config": {"fixed_now": now.isoformat()}},
                      "ingestion": {"config": {"safety_lag_minutes": 0, "initial_lookback_days": 4}}},
        "ops": {f"landing_{s}": {"config": pull} for s in ("orders", "refunds", "stock")} if pull else {},
    }


def test_ingest_job_lands_every_shop_then_backfills_a_window(monkeypatch):
    world = WorldConfig(seed=5, start=TEST_START, history_days=3, horizon_days=1, orders_per_shop_per_day=20)
    with RunningSimulator(world) as sim, dg.instance_for_test() as instance:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
        now = sim.world.now()
        job = defs.resolve_job_def("ingest_job")
        result = job.execute_in_process(run_config=_run_config(now), instance=instance)
        assert result.success
        truth = {s: list(sim.world.ground_truth(s)) for s in ("orders", "refunds", "stock")}
        platforms = {shop.key: shop.platform for shop in load_shops()}
        assert mismatches(landing_dir(data_dir()), truth, platforms) == []
        materialization = result.asset_materializations_for_node("landing_orders")[0]
        assert materialization.metadata["records"].value == len(truth["orders"])

        state = IngestionState(state_dir(data_dir()) / "ingestion.sqlite")
        watermark = state.watermark("taobao", "tmall_flagship", "orders")
        assert watermark == now
        window = {"window_start": (now - timedelta(hours=6)).isoformat(), "window_end": now.isoformat(),
                  "shops": ["tmall_flagship", "shopee_br"]}
        backfill = job.execute_in_process(run_config=_run_config(now, **window), instance=instance)
        assert backfill.success
        # the shops asked for (the stock systems' snapshot is pulled by its own asset, whatever the shops)
        logged = [e for e in state.pull_log(backfill.run_id) if e.platform in PLATFORMS]
        assert {e.shop_key for e in logged} == {"tmall_flagship", "shopee_br"}
        assert all(e.records == 0 for e in logged if e.stream != "stock"), "nothing new in a re-read window"
        assert state.watermark("taobao", "tmall_flagship", "orders") == watermark


def test_bad_backfill_window_fails_with_a_clear_error():
    result = defs.resolve_job_def("ingest_job").execute_in_process(
        run_config={"ops": {"landing_orders": {"config": {"window_start": "2026-11-01T00:00:00+08:00"}}}},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, op_selection=["landing_orders"])
    assert not result.success
    failure = result.failure_data_for_node("landing_orders")
    assert "give both window_start and window_end" in str(failure.error.message)
