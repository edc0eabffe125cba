"""Returns attribution (F11): refund and return reasons mapped to one taxonomy across platforms, attributed to
SKU, product, category, shop, platform, warehouse and batch, with return rates, stage times and auto-approval.

`reasons.classify_reason` / `classify_many` turn a platform reason code and the buyer's free text into one of
`reasons.CATEGORIES`; `attribution.build_returns_attribution` builds the warehouse tables from the marts.
"""

from order_pipeline.returns.attribution import RETURNS_TABLES, AttributionSummary, build_returns_attribution
from order_pipeline.returns.config import ReturnsConfigError, ReturnsSettings, load_returns_settings
from order_pipeline.returns.reasons import CATEGORIES, ReasonMatch, classify_many, classify_reason

__all__ = [
    "CATEGORIES",
    "RETURNS_TABLES",
    "AttributionSummary",
    "ReasonMatch",
    "ReturnsConfigError",
    "ReturnsSettings",
    "build_returns_attribution",
    "classify_many",
    "classify_reason",
    "load_returns_settings",
]


def definitions():  # noqa: ANN201 - dagster.Definitions; Dagster is imported only when asked for
    """The returns attribution asset and a job to rebuild it alone (after editing the reason rules or
    config/returns.yaml). Its resources (`warehouse`, `clock`) come from the code location."""
    import dagster as dg

    from order_pipeline.returns.assets import returns_attribution

    returns_attribution_job = dg.define_asset_job(
        "returns_attribution_job", selection=dg.AssetSelection.assets(returns_attribution),
        description="Rebuild fct_refund_reasons, fct_refund_attribution and rpt_returns_attribution from the "
                    "current marts (the warehouse file; publish with the next main run).")
    return dg.Definitions(assets=[returns_attribution], jobs=[returns_attribution_job])
