-- Douyin sku orders (`sku_order_list` of order.orderDetail): one row per line per landed order version, from
-- every order version whose payload is valid JSON (a quarantined order keeps its lines here; the order row
-- says why it is quarantined). Money is integer fen, times epoch seconds, ids kept as their JSON text.
with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'douyin') }} as landed_rows
),

parsed as (
    select
        landed.* exclude (payload),
        try(json_transform(payload, '{
            "order_id": "VARCHAR", "update_time": "VARCHAR", "ship_time": "VARCHAR",
            "logistics_info": [ {"ship_time": "VARCHAR", "product_info": [ {"sku_order_id": "VARCHAR"} ]} ],
            "sku_order_list": [ {
                "order_id": "VARCHAR", "sku_id": "VARCHAR", "code": "VARCHAR", "out_sku_id": "VARCHAR",
                "product_id": "VARCHAR", "product_name": "VARCHAR", "item_num": "VARCHAR",
                "origin_amount": "VARCHAR", "sum_amount": "VARCHAR", "pay_amount": "VARCHAR",
                "order_status": "VARCHAR", "main_status": "VARCHAR", "ship_time": "VARCHAR",
                "after_sale_info": {"after_sale_status": "VARCHAR", "refund_status": "VARCHAR"}
            } ]
        }')) as j
    from landed
),

lines as (
    select
        parsed.* exclude (j),
        nullif(j.order_id, '') as order_id,
        -- order-level times converted once per order, before the lines multiply the rows
        {{ epoch_time("case when try_cast(j.update_time as bigint) between 1 and 253402300799 then j.update_time end") }}
            as modified_at,
        {{ epoch_time("case when try_cast(j.ship_time as bigint) between 1 and 253402300799 then j.ship_time end") }}
            as order_shipped_at,
        j.logistics_info as parcels,
        -- no WHERE on j here: a filter on j is pushed below the projection and parses every payload twice;
        -- unnest of a NULL list (unreadable JSON, no sku_order_list) yields no row anyway
        list_transform(j.sku_order_list, lambda o: nullif(o.order_id, '')) as line_ids,
        unnest(j.sku_order_list) as line,
        generate_subscripts(j.sku_order_list, 1) as line_position
    from parsed
),

raw as (
    select
        lines.* exclude (line, parcels, line_ids, line_position),
        {{ line_key("nullif(line.order_id, '')", 'line_ids', 'line_position') }} as line_id,
        nullif(line.sku_id, '') as sku_id,
        -- the merchant's SKU code: `code` (商家后台商品编码, the same code sku.list returns), else out_sku_id
        coalesce(nullif(line.code, ''), nullif(line.out_sku_id, '')) as sku_code,
        nullif(line.product_id, '') as product_id,
        {{ visible_text("line.product_name") }} as title,
        try_cast(line.item_num as integer) as quantity,
        -- unit price: the real platform sends origin_amount = unit price (商品现价) with sum_amount = price x qty;
        -- without sum_amount (the simulator) origin_amount is the line's list total
        case
            when nullif(line.sum_amount, '') is not null then try_cast(line.origin_amount as decimal(38, 0))
            else try_cast(line.origin_amount as decimal(38, 0)) / nullif(try_cast(line.item_num as integer), 0)
        end as unit_price_fen,
        try_cast(line.pay_amount as decimal(38, 0)) as line_amount_fen,
        coalesce(nullif(trim(line.order_status), ''), nullif(trim(line.main_status), '')) as status_code,
        trim(line.main_status) as main_status,
        trim(line.after_sale_info.after_sale_status) as after_sale_status,
        trim(line.after_sale_info.refund_status) as refund_status,
        -- the line's ship time: its own ship_time, else the first parcel (logistics_info) that carries it
        case when try_cast(line.ship_time as bigint) between 1 and 253402300799 then line.ship_time end
            as line_ship_time,
        case when parcels is not null then list_min(list_transform(
            list_filter(parcels, lambda p: list_contains(
                list_transform(p.product_info, lambda i: i.sku_order_id), line.order_id)),
            lambda p: case when try_cast(p.ship_time as bigint) between 1 and 253402300799
                then try_cast(p.ship_time as bigint) end)) end as parcel_ship_time
    from lines
),

typed as (
    select
        raw.*,
        case
            -- closed by a completed refund: main_status 21/22/39 (退款完结), or closed (4) with the line's
            -- after-sale refunded (refund_status 3 退款成功; after_sale_status 12 售后成功, 53 逆向交易完成)
            when main_status in ('21', '22', '39') then 'refunded'
            when status_code = '4' and (refund_status = '3' or after_sale_status in ('12', '53')) then 'refunded'
            when status_code in ('1', '103') then 'unpaid'
            when status_code in ('105', '2') then 'paid'
            when status_code in ('101', '3') then 'shipped'
            when status_code = '5' then 'completed'
            when status_code = '4' then 'cancelled'
            else 'unknown'
        end as status,
        {{ minor_units('case when abs(unit_price_fen) < 1e16 then round(unit_price_fen) end') }} as unit_price,
        {{ minor_units('case when abs(line_amount_fen) < 1e16 then line_amount_fen end') }} as line_amount,
        {{ epoch_time('line_ship_time') }} as line_shipped_at,
        {{ epoch_time('parcel_ship_time') }} as parcel_shipped_at
    from raw
)

select
    'douyin' as platform,
    typed.shop_key,
    typed.order_id,
    typed.line_id,
    typed.sku_id,
    typed.sku_code,
    typed.product_id,
    typed.title,
    typed.quantity,
    typed.unit_price,
    typed.line_amount,
    coalesce(shops.currency, 'CNY') as currency,
    typed.status,
    typed.status_code as status_raw,
    -- the line's own ship time when sent, else its parcel's, else the order's (set once every line has shipped:
    -- an upper bound for lines that left earlier; a line of a partly shipped order without either stays NULL)
    coalesce(
        typed.line_shipped_at,
        typed.parcel_shipped_at,
        case when typed.status in ('shipped', 'completed') then typed.order_shipped_at end
    ) as shipped_at,
    typed.modified_at,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
