-- Taobao / Tmall stock (taobao.item.skus.get; an item without SKUs is its own record from
-- taobao.items.onsale.get), one row per landed record per snapshot. `quantity` (a SKU) or `num` (an item
-- without SKUs) is the sellable count; TOP reports no reservation, no physical count and no safety stock.
{%- set shape = '{"sku_id": "VARCHAR", "num_iid": "VARCHAR", "outer_id": "VARCHAR", "quantity": "VARCHAR",'
    ~ ' "num": "VARCHAR", "properties_name": "VARCHAR", "title": "VARCHAR", "modified": "VARCHAR"}' %}

with parsed as (
    {{ stock_parsed('taobao', shape) }}
),

typed as (
    select
        parsed.*,
        parsed.system_key as shop_key,
        parsed.system_key as location,
        nullif(trim(j.sku_id), '') as sku_id,
        -- a SKU's outer_id is its merchant code; an item's outer_id is the code of its only SKU
        nullif(trim(j.outer_id), '') as sku_code,
        nullif(trim(j.num_iid), '') as product_id,
        coalesce(nullif(trim(j.properties_name), ''), j.title) as title,
        cast(null as varchar) as on_hand_raw,
        case when nullif(trim(j.sku_id), '') is not null then j.quantity else coalesce(j.quantity, j.num) end
            as available_raw,
        cast(null as varchar) as reserved_raw,
        cast(null as varchar) as incoming_raw,
        cast(null as varchar) as safety_stock_raw,
        {{ local_time('j.modified') }} as modified_at
    from parsed
)

{{ stock_contract('taobao', 'platform') }}
