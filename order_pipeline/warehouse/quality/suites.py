"""The GX gates of the warehouse, as code: one `Suite` per table, versioned.

Why in code and not in a GX file-backed store: the gates change with the dbt models, so they are reviewed
in the same pull request, and the suite's `version` (bump it whenever a gate changes) plus a fingerprint of
the definitions land in every check's metadata, so a result can always be traced to the rules that made it.

The building blocks (`Gate`, `Suite` and the helpers that spell common gates) are in `gates.py`.

Cross-column rules (paid_at >= created_at, the order total within tolerance) are *derived columns*: the
suite computes a boolean per row with pandas and a gate expects it to be True. Why not
`ExpectColumnPairValuesAToBeGreaterThanB`: the derived form is one vectorised comparison, treats a missing
optional value (no paid_at yet) explicitly, and lets every gate sample its failing rows by a readable key
(order_key) the same way. Derived booleans are True when a value they compare is missing.
"""

from __future__ import annotations

from order_pipeline.warehouse.quality.gates import (
    CURRENCIES,
    LINE_STATUSES,
    ORDER_STATUSES,
    REFUND_STATUSES,
    REFUND_TYPES,
    STAGING_ORDER_TABLES,
    E,
    Personal,
    Suite,
    W,
    all_true,
    gate,
    non_negative,
    not_before,
    plausible,
    unique_key,
    visible,
)

# The row rules of fct_orders: validated on the orders rebuilt since they last passed. dbt rebuilds an order
# whenever a version of it is loaded, with its last load in last_load_id.
FCT_ORDERS = Suite(
    name="fct_orders", table="fct_orders", version=2, load_column="last_load_id",
    columns=("order_key", "status", "currency", "total_amount", "paid_amount", "shipping_fee", "order_total_gap",
             "order_total_tolerance", "created_at", "paid_at", "modified_at", "receiver_name_masked", "province",
             "city", "district"),
    derived={
        # order_total_gap = abs(paid - lines - shipping), computed in SQL; tolerance = 0.01 per line (upstream).
        # 1e-9 absorbs DECIMAL -> float64 rounding, far below a cent.
        "order_total_within_tolerance": lambda f: (
            f["order_total_gap"].isna() | (f["order_total_gap"] <= f["order_total_tolerance"] + 1e-9)
        ).astype(bool),
        "paid_not_before_created": not_before("paid_at", "created_at"),
        "modified_not_before_created": not_before("modified_at", "created_at"),
    },
    gates=(
        *unique_key("order_key"),
        gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status", value_set=ORDER_STATUSES),
        *non_negative("order_key", "total_amount", "paid_amount", "shipping_fee"),
        all_true("order_total_within_tolerance", "order_total_within_tolerance", E, "order_key"),
        gate("created_at_not_null", "ExpectColumnValuesToNotBeNull", E, "order_key", column="created_at"),
        plausible("created_at"),
        all_true("paid_not_before_created", "paid_not_before_created", E, "order_key"),
        all_true("modified_not_before_created", "modified_not_before_created", E, "order_key"),
        visible("receiver_name_masked", Personal.NAME),
        visible("province"), visible("city"), visible("district"),
        gate("currency_known", "ExpectColumnValuesToBeInSet", E, "currency", column="currency",
              value_set=CURRENCIES),
    ),
)

# The receiver shares of fct_orders, validated whole every run (no load_column): they are ERROR below a share,
# and a share judged on a small incremental batch (20 new orders, 5 overseas phones) would block publishing on
# noise. Four narrow columns: a million orders cost a fraction of a second.
FCT_ORDERS_RECEIVER_SHARES = Suite(
    name="fct_orders_receiver_shares", table="fct_orders", version=1,
    columns=("order_key", "phone_valid", "address_valid", "phone_masked"),
    gates=(
        # Two gates per validity flag: WARN shows a degradation, ERROR blocks a broken parser.
        all_true("phone_valid_warn", "phone_valid", W, "phone_masked", Personal.PHONE, mostly=0.95),
        all_true("phone_valid_error", "phone_valid", E, "phone_masked", Personal.PHONE, mostly=0.80),
        all_true("address_valid_warn", "address_valid", W, "order_key", mostly=0.95),
        all_true("address_valid_error", "address_valid", E, "order_key", mostly=0.80),
    ),
)

FCT_ORDER_LINES = Suite(
    name="fct_order_lines", table="fct_order_lines", version=2, load_column="last_load_id",
    columns=("order_line_key", "order_key", "quantity", "unit_price", "line_amount", "status", "sku_id",
             "product_id", "title"),
    derived={
        # A Taobao item without SKUs has no sku_id (its product is the item, num_iid), so sku_id alone is no rule;
        # a line naming neither is shown, not blocked: its money and quantity still count.
        "product_identified": lambda f: (f["sku_id"].notna() | f["product_id"].notna()).astype(bool),
    },
    gates=(
        *unique_key("order_line_key"),
        gate("order_key_not_null", "ExpectColumnValuesToNotBeNull", E, "order_line_key", column="order_key"),
        gate("quantity_positive", "ExpectColumnValuesToBeBetween", E, "order_line_key", column="quantity",
              min_value=0, strict_min=True),
        *non_negative("order_line_key", "unit_price", "line_amount"),
        gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status", value_set=LINE_STATUSES),
        all_true("product_identified", "product_identified", W, "order_line_key"),
        visible("title"),
    ),
)

FCT_REFUNDS = Suite(
    name="fct_refunds", table="fct_refunds", version=1, load_column="last_load_id",
    columns=("refund_key", "status", "refund_type", "amount", "quantity", "created_at", "modified_at"),
    derived={"modified_not_before_created": not_before("modified_at", "created_at")},
    gates=(
        *unique_key("refund_key"),
        gate("status_known", "ExpectColumnValuesToBeInSet", E, "status", column="status",
              value_set=REFUND_STATUSES),
        gate("refund_type_known", "ExpectColumnValuesToBeInSet", E, "refund_type", column="refund_type",
              value_set=REFUND_TYPES),
        *non_negative("refund_key", "amount", "quantity"),
        plausible("created_at"),
        all_true("modified_not_before_created", "modified_not_before_created", E, "refund_key"),
    ),
)

DIM_CUSTOMERS = Suite(
    name="dim_customers", table="dim_customers", version=1,
    columns=("customer_id", "orders", "phone_masked"),
    gates=(
        *unique_key("customer_id"),
        gate("customer_id_format", "ExpectColumnValuesToMatchRegex", E, "customer_id", column="customer_id",
              regex=r"^cus_[0-9a-f]{24}$"),
        gate("orders_at_least_one", "ExpectColumnValuesToBeBetween", E, "customer_id", column="orders",
              min_value=1),
        # Only digits and separators, no mask character: a raw phone number leaking into a mart.
        gate("phone_masked_not_raw", "ExpectColumnValuesToNotMatchRegex", E, "phone_masked", Personal.PHONE,
              column="phone_masked", regex=r"^\+?[0-9 ().-]{7,}$"),
    ),
)

FCT_INVENTORY_SNAPSHOTS = Suite(
    name="fct_inventory_snapshots", table="fct_inventory_snapshots", version=1, load_column="load_id",
    columns=("snapshot_key", "system", "sku_code", "on_hand", "available", "reserved", "incoming",
             "safety_stock", "snapshot_at"),
    # only a warehouse system may report a negative available (it promised more than it holds: oversold)
    derived={"available_non_negative_off_wms": lambda f: (f["system"] == "wms") | f["available"].isna()
             | (f["available"] >= 0)},
    gates=(
        *unique_key("snapshot_key"),
        gate("system_known", "ExpectColumnValuesToBeInSet", E, "snapshot_key", column="system",
              value_set=["platform", "wms", "pool"]),
        *non_negative("snapshot_key", "on_hand", "reserved", "incoming", "safety_stock"),
        all_true("available_non_negative_off_wms", "available_non_negative_off_wms", E, "snapshot_key"),
        plausible("snapshot_at"),
        # a listing without a merchant code cannot be reconciled or checked against orders: shown, not blocking
        gate("sku_code_present", "ExpectColumnValuesToNotBeNull", W, "snapshot_key", column="sku_code",
              mostly=0.99),
    ),
)

# One suite for every platform's staging orders model. Quarantined rows are excluded: they are reported in
# fct_quarantine with their reason, and a NULL key or amount is exactly why many of them are there.
STG_ORDERS = Suite(
    name="stg_orders", table="stg_orders", version=1, load_column="load_id",
    columns=("platform", "shop_key", "order_id", "status", "status_raw", "total_amount", "paid_amount",
             "created_at", "modified_at", "quarantine_reason"),
    row_filter=lambda f: f["quarantine_reason"].isna(),
    row_filter_doc="quarantine_reason is null",
    derived={"modified_not_before_created": not_before("modified_at", "created_at")},
    gates=(
        gate("order_id_not_null", "ExpectColumnValuesToNotBeNull", E, "shop_key", column="order_id"),
        # WARN here: staging shows the unmapped raw status; the mart's status gate is the one that blocks.
        gate("status_mapped", "ExpectColumnValuesToNotBeInSet", W, "status_raw", column="status",
              value_set=["unknown"]),
        *non_negative("order_id", "total_amount", "paid_amount"),
        all_true("modified_not_before_created", "modified_not_before_created", E, "order_id"),
    ),
)

MART_SUITES = (FCT_ORDERS, FCT_ORDERS_RECEIVER_SHARES, FCT_ORDER_LINES, FCT_REFUNDS, DIM_CUSTOMERS, FCT_INVENTORY_SNAPSHOTS)
STAGING_SUITES = tuple(STG_ORDERS.for_table(t) for t in STAGING_ORDER_TABLES)
ALL_SUITES = MART_SUITES + STAGING_SUITES
