"""At one frozen instant the platforms, the WMS and the stock pool agree on every SKU except exactly where a
drift is injected, by exactly the delta the simulator reports; drifts are mixed as the reconciliation needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.simulator.drift import HOLD_ALL
from order_pipeline.simulator.inventory import active_drifts, inventory_of, wms_inventory_rows
from order_pipeline.simulator.world import SimWorld
from order_pipeline_tests.inventory.helpers import deviations, drift_deviations, world_config


@pytest.fixture(scope="module")
def world() -> SimWorld:
    return SimWorld(world_config(stock_drift_rate=0.3))


@pytest.mark.parametrize("hours", [0, -30, 7.5, 40])
def test_systems_agree_except_exactly_where_drift_is_injected(world, hours):
    at = world.config.start + timedelta(hours=hours)
    found = deviations(world, at)
    assert found == drift_deviations(world, at)
    assert len(found) >= 5 and {key[1] for key in found} == {"wms", "pool"}


def test_without_drift_every_sku_agrees_everywhere():
    calm = SimWorld(world_config(stock_drift_rate=0.0))
    for hours in (0, -50, 20):
        at = calm.config.start + timedelta(hours=hours)
        assert deviations(calm, at) == {} and active_drifts(calm, at) == []


def test_drifts_are_mixed_in_size_sign_system_and_start(world):
    plan = inventory_of(world).plan
    codes = {place for place in inventory_of(world).places}
    assert len({d.sku_code for d in plan}) == round(0.3 * len(codes))
    places = inventory_of(world).places
    losses = {d.sku_code for d in plan if d.delta == -HOLD_ALL}
    assert all({d.location for d in plan if d.sku_code == code} == set(places[code].warehouses) for code in losses)
    assert losses, "some SKUs are on a quality hold: blocked in every warehouse"
    start, begin = world.config.start, world.config.start - timedelta(days=world.config.history_days)
    since = [datetime.fromtimestamp(d.since, UTC) for d in plan]
    assert any(s < begin for s in since), "some drifts predate the world"
    assert any(begin <= s <= start for s in since) and any(s > start for s in since)
    for system in ("wms", "pool"):
        signs = {d.delta > 0 for d in plan if d.system == system}
        assert signs == {True, False}, f"{system} drifts both ways"
    at = start + timedelta(days=world.config.horizon_days)  # every drift in effect
    totals = {}
    for row in wms_inventory_rows(world, at):
        totals[row["sku_id"]] = totals.get(row["sku_id"], 0) + row["qty"] - row["order_lock"] - row["pick_lock"]
    assert all(totals[code] == 0 for code in losses), "a quality hold leaves nothing available"
    shares = [abs(d["delta"]) / max(1, totals[d["sku_code"]]) for d in active_drifts(world, at)
              if d["sku_code"] not in losses]
    below = sum(share < 0.05 for share in shares)
    assert 0 < below < len(shares) / 2, f"some deviations under 5%, most over: {sorted(shares)}"


def test_a_drift_appears_at_its_since_and_clamps_instead_of_going_negative(world):
    later = next(d for d in inventory_of(world).plan if d.since > int(world.config.start.timestamp()))
    moment = datetime.fromtimestamp(later.since, UTC)
    keys = {(d["sku_code"], d["system"], d["location"]) for d in active_drifts(world, moment - timedelta(seconds=1))}
    assert (later.sku_code, later.system, later.location) not in keys
    now_active = {(d["sku_code"], d["system"], d["location"]): d for d in active_drifts(world, moment)}
    applied = now_active.get((later.sku_code, later.system, later.location))
    assert applied is None or applied["since"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    clamped = [d for at in range(0, 48, 6) for d in active_drifts(world, world.config.start + timedelta(hours=at))
               if d["delta"] != d["planned_delta"]]
    assert clamped, "some negative drift meets a count it would push below zero"
    assert all(d["planned_delta"] < d["delta"] <= 0 for d in clamped)


def test_the_same_config_gives_the_same_systems(world):
    again = SimWorld(world_config(stock_drift_rate=0.3))
    at = world.config.start + timedelta(hours=3)
    assert wms_inventory_rows(again, at) == wms_inventory_rows(world, at)
    assert active_drifts(again, at) == active_drifts(world, at)
