-- The warehouse system's stock (Jushuitan-style /open/inventory/query, see docs/platform-api.md "Stock
-- systems"), one row per landed (warehouse, SKU) per snapshot. `qty` is on hand; `order_lock` (paid orders
-- awaiting shipment) and `pick_lock` (being picked) are the reservation; available = qty - locks, which is
-- negative when the warehouse promised more than it holds (kept: that is the oversell the checks look for).
-- `purchase_qty` is in transit from suppliers, `min_qty` the safety stock. Times are Beijing time.
{%- set shape = '{"wms_co_id": "VARCHAR", "sku_id": "VARCHAR", "i_id": "VARCHAR", "name": "VARCHAR",'
    ~ ' "qty": "VARCHAR", "order_lock": "VARCHAR", "pick_lock": "VARCHAR", "purchase_qty": "VARCHAR",'
    ~ ' "min_qty": "VARCHAR", "modified": "VARCHAR"}' %}

with parsed as (
    {{ stock_parsed('wms', shape) }}
),

typed as (
    select
        parsed.*,
        cast(null as varchar) as shop_key,
        nullif(trim(j.wms_co_id), '') as location,
        -- the WMS knows goods by the merchant's code only: it is both the SKU id and the code here
        nullif(trim(j.sku_id), '') as sku_id,
        nullif(trim(j.sku_id), '') as sku_code,
        nullif(trim(j.i_id), '') as product_id,
        j.name as title,
        j.qty as on_hand_raw,
        case when {{ stock_count('j.qty') }} is not null
            then cast({{ stock_count('j.qty') }} - coalesce({{ stock_count('j.order_lock') }}, 0)
                      - coalesce({{ stock_count('j.pick_lock') }}, 0) as varchar) end as available_raw,
        case when j.order_lock is not null or j.pick_lock is not null
            then cast(coalesce({{ stock_count('j.order_lock') }}, 0) + coalesce({{ stock_count('j.pick_lock') }}, 0)
                      as varchar) end as reserved_raw,
        j.purchase_qty as incoming_raw,
        j.min_qty as safety_stock_raw,
        {{ local_time('j.modified') }} as modified_at,
        j.order_lock as order_lock_raw,
        j.pick_lock as pick_lock_raw
    from parsed
)

-- a lock that is not a whole number would vanish into the sums above: the row is quarantined instead
{%- set unreadable_lock = "(typed.order_lock_raw is not null and " ~ stock_count('typed.order_lock_raw')
    ~ " is null) or (typed.pick_lock_raw is not null and " ~ stock_count('typed.pick_lock_raw') ~ " is null)" %}
{{ stock_contract('wms', 'wms', unreadable=unreadable_lock) }}
