"""The WMS and stock-pool adapters against the running simulator: they fetch exactly the ground truth, honour
the systems' throttle signals and turn a refused token into a re-authorisation."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from order_pipeline.clock import FrozenClock
from order_pipeline.inventory.systems import load_stock_systems, system_adapter_class
from order_pipeline.platforms import ReauthorisationRequired, TransportSettings
from order_pipeline.platforms.beijing_time import parse_beijing
from order_pipeline.simulator.inventory import pool_item_rows, wms_batch_rows, wms_inventory_rows

FAST_RETRIES = TransportSettings(read_timeout=5.0, backoff_initial=0.01, backoff_max=0.2)


def _adapter(sim, platform: str):  # noqa: ANN001, ANN202 - the running simulator, an adapter
    system = next(s for s in load_stock_systems() if s.platform == platform)
    return system_adapter_class(platform)(system, FAST_RETRIES, clock=FrozenClock(sim.world.now()))


def _fetch(adapter) -> list[dict]:  # noqa: ANN001
    with adapter:
        batches = list(adapter.fetch_stock())
    assert all(batch.stream == "stock" for batch in batches)
    return [record for batch in batches for record in batch.records]


def test_wms_adapter_fetches_every_row_with_its_batches(sim):
    adapter = _adapter(sim, "wms")
    records = _fetch(adapter)
    lots = defaultdict(list)
    for lot in wms_batch_rows(sim.world):
        lots[(lot["wms_co_id"], lot["sku_id"])].append(
            {name: lot[name] for name in ("batch_no", "qty", "produced_date", "expiration_date")})
    expected = [{**row, "batches": lots[(row["wms_co_id"], row["sku_id"])]} for row in wms_inventory_rows(sim.world)]
    assert records == expected
    keys = [adapter.record_key("stock", record) for record in records]
    assert len(set(keys)) == len(keys) and keys[0] == f"{records[0]['wms_co_id']}:{records[0]['sku_id']}"
    assert adapter.record_modified("stock", records[0]) == parse_beijing(records[0]["modified"])
    assert list(adapter.fetch_orders(None)) == [] and list(adapter.fetch_refunds(None)) == []
    assert sim.stats()["calls"]["wms"]["wms.batch.query"] >= len({r["sku_id"] for r in records}) / 50


def test_pool_adapter_fetches_every_item_as_sent(sim):
    adapter = _adapter(sim, "pool")
    records = _fetch(adapter)
    assert records == pool_item_rows(sim.world)
    assert adapter.record_key("stock", records[0]) == f"{records[0]['channel']}:{records[0]['sku_code']}"
    assert adapter.record_modified("stock", records[0]).isoformat().replace("+00:00", "Z") == \
        records[0]["updated_at"]
    assert sim.stats()["calls"]["pool"]["stock-pool.items"] == 2, "500 items a page"


@pytest.mark.parametrize("platform, rate, burst", [("wms", 5, 10), ("pool", 1, 1)])
def test_throttle_is_honoured_and_nothing_is_lost(sim, platform, rate, burst):
    sim.set_rate_limit(rate, burst=burst, platform=platform)
    throttled_before = sim.stats()["rate_limited"]  # the server's count since it started
    started = time.monotonic()
    records = _fetch(_adapter(sim, platform))
    elapsed = time.monotonic() - started
    truth = wms_inventory_rows(sim.world) if platform == "wms" else pool_item_rows(sim.world)
    assert len(records) == len(truth)
    assert sim.stats()["rate_limited"] - throttled_before == 1, "told to wait 1 s, the adapter waited instead of hammering"
    assert elapsed >= 1.0


@pytest.mark.parametrize("platform, variable", [("wms", "WMS_ACCESS_TOKEN"), ("pool", "POOL_ACCESS_TOKEN")])
def test_a_refused_token_asks_for_reauthorisation(sim, monkeypatch, platform, variable):
    monkeypatch.setenv(variable, "revoked-token")
    with pytest.raises(ReauthorisationRequired):
        _fetch(_adapter(sim, platform))


@pytest.mark.parametrize("platform", ["wms", "pool"])
def test_gateway_faults_are_retried_until_the_snapshot_is_whole(sim, platform):
    sim.set_faults({"http_5xx": 0.25, "truncate": 0.15})
    records = _fetch(_adapter(sim, platform))
    sim.set_faults("none")
    assert sim.stats()["faults"]["http_5xx"] + sim.stats()["faults"]["truncated"] >= 1
    if platform == "pool":
        assert records == pool_item_rows(sim.world)
    else:
        assert [{k: v for k, v in r.items() if k != "batches"} for r in records] == wms_inventory_rows(sim.world)
