-- Douyin shop stock (sku.list per product of product.listV2), one row per landed SKU per snapshot. `stock_num`
-- is the sellable count; `prehold_stock_num` (units held by unpaid orders), where the shop sends it, is the
-- reservation. `update_time` is epoch seconds.
{%- set shape = '{"id": "VARCHAR", "product_id": "VARCHAR", "code": "VARCHAR", "stock_num": "VARCHAR",'
    ~ ' "prehold_stock_num": "VARCHAR", "spec_detail_name1": "VARCHAR", "update_time": "VARCHAR"}' %}

with parsed as (
    {{ stock_parsed('douyin', shape) }}
),

typed as (
    select
        parsed.*,
        parsed.system_key as shop_key,
        parsed.system_key as location,
        nullif(trim(j.id), '') as sku_id,
        nullif(trim(j.code), '') as sku_code,
        nullif(trim(j.product_id), '') as product_id,
        j.spec_detail_name1 as title,
        cast(null as varchar) as on_hand_raw,
        j.stock_num as available_raw,
        j.prehold_stock_num as reserved_raw,
        cast(null as varchar) as incoming_raw,
        cast(null as varchar) as safety_stock_raw,
        {{ epoch_time('j.update_time') }} as modified_at
    from parsed
)

{{ stock_contract('douyin', 'platform') }}
