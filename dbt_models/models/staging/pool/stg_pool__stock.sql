-- The central stock pool's allocations (GET /api/v1/stock-pool/items, see docs/platform-api.md "Stock
-- systems"): one row per landed (SKU, sales channel) per snapshot. `allocated` is what the pool holds for the
-- channel (on hand for that channel), `reserved` what unpaid orders hold, `available` what the channel may sell.
-- The location is the channel (a shop key of config/shops.yaml). `updated_at` is RFC 3339 UTC.
{%- set shape = '{"sku_code": "VARCHAR", "channel": "VARCHAR", "allocated": "VARCHAR", "reserved": "VARCHAR",'
    ~ ' "available": "VARCHAR", "safety_stock": "VARCHAR", "updated_at": "VARCHAR"}' %}

with parsed as (
    {{ stock_parsed('pool', shape) }}
),

typed as (
    select
        parsed.*,
        nullif(trim(j.channel), '') as shop_key,
        nullif(trim(j.channel), '') as location,
        nullif(trim(j.sku_code), '') as sku_id,
        nullif(trim(j.sku_code), '') as sku_code,
        cast(null as varchar) as product_id,
        cast(null as varchar) as title,
        j.allocated as on_hand_raw,
        j.available as available_raw,
        j.reserved as reserved_raw,
        cast(null as varchar) as incoming_raw,
        j.safety_stock as safety_stock_raw,
        try_cast(nullif(trim(j.updated_at), '') as timestamptz) as modified_at
    from parsed
)

{{ stock_contract('pool', 'pool') }}
