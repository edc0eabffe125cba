-- JD order lines (`itemInfoList` of jingdong.pop.order.enGet): one row per line per landed order version, from
-- every version whose payload is valid JSON (its quarantine state is the order's: see stg_jd__orders).
-- JD lines carry no id of their own and no status: the line is keyed by its SKU (a SKU that appears twice in
-- one order gets '#<position>' on its later occurrences) and takes the order's state. `jdPrice` is the JD list
-- price per unit and `itemTotal` the quantity. JD does not split the order's seller discount onto its lines, so
-- line_amount spreads `sellerDiscount` over the lines in proportion to price x quantity, in fen, rounding each
-- share down and giving the remainder to the last line (the usual ERP allocation): the lines then sum to
-- exactly what the buyer paid for the goods.
with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'jd') }} as landed_rows
),

versions as (
    -- one parse of the payload; the line list comes out as JSON text and is parsed again (small) into structs.
    -- try(): NULL for a payload that is not JSON, in the same parse (no filter on it: the optimizer would push
    -- the filter below this projection and parse every payload twice)
    select
        landed.* exclude (payload),
        try(json_extract_string(payload, ['$.orderId', '$.orderState', '$.modified', '$.itemInfoList',
                                          '$.sellerDiscount'])) as f
    from landed
),

items as (
    select
        versions.* exclude (f),
        nullif(trim(f[1]), '') as order_id,
        f[2] as state,
        f[3] as modified,
        coalesce(try_cast(nullif(trim(f[5]), '') as decimal(18, 2)), 0) as seller_discount,
        case when starts_with(f[4], '[') then try(from_json(f[4], '[{"skuId": "VARCHAR", "outerSkuId": "VARCHAR",
            "wareId": "VARCHAR", "skuName": "VARCHAR", "jdPrice": "VARCHAR", "itemTotal": "VARCHAR"}]')) end
            as line_items  -- NULL for a payload that is not JSON: unnest() then yields no line
    from versions
),

keyed as (
    -- a SKU's first occurrence keys its line; a later occurrence of the same SKU (or a missing SKU) gets its
    -- position too, so the key stays unique within the order version
    select
        items.*,
        list_transform(items.line_items, lambda i: nullif(trim(i.skuId), '')) as skus
    from items
),

lines as (
    select
        keyed.* exclude (line_items, skus),
        unnest(keyed.line_items) as item,
        unnest(range(1, len(keyed.line_items) + 1)) as position,
        unnest(list_transform(keyed.skus, lambda s, n: case
            when s is null then '#' || n
            when list_position(keyed.skus, s) = n then s
            else s || '#' || n
        end)) as line_id
    from keyed
),

typed as (
    select
        lines.*,
        {{ major_units('item.jdPrice') }} as unit_price,
        try_cast(nullif(trim(item.itemTotal), '') as integer) as quantity
    from lines
),

allocated as (
    select
        typed.*,
        cast(typed.unit_price * typed.quantity * 100 as hugeint) as list_fen,
        sum(cast(typed.unit_price * typed.quantity * 100 as hugeint))
            over (partition by typed.landing_file, typed.file_row) as subtotal_fen,
        max(typed.position) over (partition by typed.landing_file, typed.file_row) as last_position
    from typed
),

shared as (
    select
        allocated.*,
        case when subtotal_fen > 0
            then (cast(seller_discount * 100 as hugeint) * list_fen) // subtotal_fen else 0 end as share_fen
    from allocated
),

discounted as (
    select
        shared.*,
        case when position = last_position
            then cast(seller_discount * 100 as hugeint)
                - (sum(share_fen) over (partition by landing_file, file_row) - share_fen)
            else share_fen end as discount_fen
    from shared
)

select
    'jd' as platform,
    typed.shop_key,
    typed.order_id,
    typed.line_id,
    nullif(trim(typed.item.skuId), '') as sku_id,
    nullif(trim(typed.item.outerSkuId), '') as sku_code,
    nullif(trim(typed.item.wareId), '') as product_id,
    {{ visible_text("typed.item.skuName") }} as title,
    typed.quantity,
    typed.unit_price,
    cast((typed.list_fen - typed.discount_fen) / 100 as decimal(18, 2)) as line_amount,
    coalesce(shops.currency, 'CNY') as currency,
    -- the order's state (see stg_jd__orders); JD has no per-line state, so no line is 'refunded' here
    case trim(typed.state)
        when 'WAIT_SELLER_STOCK_OUT' then 'paid'
        when 'SEND_TO_DISTRIBUTION_CENER' then 'paid'
        when 'DISTRIBUTION_CENTER_RECEIVED' then 'paid'
        when 'WAIT_SELLER_DELIVERY' then 'paid'
        when 'WAIT_SEND_CODE' then 'paid'
        when 'LOCKED' then 'paid'
        when 'PAUSE' then 'paid'
        when 'POP_ORDER_PAUSE' then 'paid'
        when 'WAIT_GOODS_RECEIVE_CONFIRM' then 'shipped'
        when 'RECEIPTS_CONFIRM' then 'completed'
        when 'FINISHED_L' then 'completed'
        when 'TRADE_CANCELED' then 'cancelled'
        else 'unknown'
    end as status,
    typed.state as status_raw,
    cast(null as timestamptz) as shipped_at,  -- JD sends no shipment time, per line or per order
    case when trim(typed.modified) not in ('0001-01-01 00:00:00', '1970-01-01 00:00:00')
        then {{ local_time('typed.modified') }} end as modified_at,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at
from discounted as typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
