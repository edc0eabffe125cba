-- JD stock (jingdong.sku.read.searchSkuList), one row per landed SKU per snapshot. `stockNum` is the sellable
-- count; JOS reports no reservation, physical count or safety stock on this API. Times are GMT+8.
{%- set shape = '{"skuId": "VARCHAR", "wareId": "VARCHAR", "outerId": "VARCHAR", "skuName": "VARCHAR",'
    ~ ' "stockNum": "VARCHAR", "modified": "VARCHAR"}' %}

with parsed as (
    {{ stock_parsed('jd', shape) }}
),

typed as (
    select
        parsed.*,
        parsed.system_key as shop_key,
        parsed.system_key as location,
        nullif(trim(j.skuId), '') as sku_id,
        nullif(trim(j.outerId), '') as sku_code,
        nullif(trim(j.wareId), '') as product_id,
        j.skuName as title,
        cast(null as varchar) as on_hand_raw,
        j.stockNum as available_raw,
        cast(null as varchar) as reserved_raw,
        cast(null as varchar) as incoming_raw,
        cast(null as varchar) as safety_stock_raw,
        {{ local_time('j.modified') }} as modified_at
    from parsed
)

{{ stock_contract('jd', 'platform') }}
