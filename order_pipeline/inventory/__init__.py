"""Inventory beyond the marketplaces (MISSION F9/F10): the warehouse system (WMS) and the central stock pool.

`systems.py` reads `config/stock_systems.yaml`; `landing.py` pulls a stock snapshot of every system into the
landing zone; `assets.py` (`inventory_positions`) turns the stock marts into available-to-promise, FEFO picks
and stock alerts. Dagster is imported only when the code location asks for the definitions, and the simulator
imports `systems` alone (to register the systems' apps), so nothing here pulls Dagster in on import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def definitions() -> dg.Definitions:
    import dagster as dg

    from order_pipeline.inventory.assets import inventory_positions
    from order_pipeline.inventory.landing import landing_system_stock

    return dg.Definitions(assets=[landing_system_stock, inventory_positions])
