-- Shopee stock (product.get_model_list per item of product.get_item_list), one row per landed model per
-- snapshot. `stock_info_v2.summary_info` holds the sellable total (`total_available_stock`) and the units
-- reserved by unpaid orders and promotions (`total_reserved_stock`); the location is the first seller stock
-- location (a shop with several locations still reports one total). Models carry no update time.
{%- set shape = '{"model_id": "VARCHAR", "item_id": "VARCHAR", "model_sku": "VARCHAR", "stock_info_v2":'
    ~ ' {"summary_info": {"total_reserved_stock": "VARCHAR", "total_available_stock": "VARCHAR"},'
    ~ ' "seller_stock": [{"location_id": "VARCHAR", "stock": "VARCHAR"}]}}' %}

with parsed as (
    {{ stock_parsed('shopee', shape) }}
),

typed as (
    select
        parsed.*,
        parsed.system_key as shop_key,
        coalesce(nullif(trim(j.stock_info_v2.seller_stock[1].location_id), ''), parsed.system_key) as location,
        nullif(trim(j.model_id), '') as sku_id,
        nullif(trim(j.model_sku), '') as sku_code,
        nullif(trim(j.item_id), '') as product_id,
        cast(null as varchar) as title,
        cast(null as varchar) as on_hand_raw,
        coalesce(j.stock_info_v2.summary_info.total_available_stock,
                 cast(list_sum(list_transform(j.stock_info_v2.seller_stock,
                                              lambda s: try_cast(s.stock as bigint))) as varchar))
            as available_raw,
        j.stock_info_v2.summary_info.total_reserved_stock as reserved_raw,
        cast(null as varchar) as incoming_raw,
        cast(null as varchar) as safety_stock_raw,
        cast(null as timestamptz) as modified_at
    from parsed
)

{{ stock_contract('shopee', 'platform') }}
