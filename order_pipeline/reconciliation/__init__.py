"""The nightly reconciliation (F10): stock compared across systems per business day, and order completeness.

Dagster is imported only when the code location asks for the definitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def definitions() -> dg.Definitions:
    import dagster as dg

    from order_pipeline.reconciliation.assets import (
        nightly_reconciliation_summary,
        rpt_inventory_reconciliation,
        rpt_order_completeness,
    )
    from order_pipeline.reconciliation.completeness_assets import order_completeness
    from order_pipeline.reconciliation.schedules import (
        nightly_reconciliation_job,
        nightly_reconciliation_schedule,
    )

    return dg.Definitions(assets=[order_completeness, rpt_order_completeness, rpt_inventory_reconciliation,
                                  nightly_reconciliation_summary], jobs=[nightly_reconciliation_job],
                          schedules=[nightly_reconciliation_schedule])
