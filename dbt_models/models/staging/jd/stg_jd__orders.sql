-- JD POP orders (jingdong.pop.order.enGet `orderInfo`), one row per landed order version.
-- JD sends ids, amounts and quantities as strings, money in yuan, times as 'yyyy-MM-dd HH:mm:ss' Beijing time
-- without an offset. JD writes "0001-01-01 00:00:00" or "1970-01-01 00:00:00" into a time it has not reached
-- yet (orderEndTime of an open order, paymentConfirmTime of an unpaid one): those are NULL here, not instants.
{%- set zero_times = "('0001-01-01 00:00:00', '1970-01-01 00:00:00')" %}

with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'jd') }} as landed_rows
),

parsed as (
    -- one parse of the payload: the header fields, and the line list as JSON text (parsed again, small).
    -- try(): NULL for a payload that is not JSON, in the same parse (json_valid() first would parse it twice)
    select
        landed.* exclude (payload),
        try(json_extract_string(payload, [
            '$.orderId', '$.orderState', '$.orderStartTime', '$.paymentConfirmTime', '$.orderEndTime',
            '$.orderTotalPrice', '$.freightPrice', '$.sellerDiscount', '$.orderPayment', '$.orderSellerPrice',
            '$.modified', '$.orderRemark', '$.itemInfoList'
        ])) as f
    from landed
),

items as (
    -- the lines' prices are money fields of the record too: a bad one quarantines the order version
    select
        parsed.*,
        case when starts_with(f[13], '[') then try(from_json(f[13], '[{"jdPrice": "VARCHAR", "itemTotal": "VARCHAR"}]')) end as line_items
    from parsed
),

typed as (
    select
        items.*,
        f is not null as is_json,
        nullif(trim(f[1]), '') as order_id,
        trim(f[2]) as state,
        {{ major_units('f[6]') }} as goods_amount,
        {{ major_units('f[7]') }} as shipping_fee,
        {{ major_units('f[8]') }} as discount_amount,
        {{ major_units('f[9]') }} as paid_amount,
        {{ major_units('f[10]') }} as seller_amount,
        case when trim(f[3]) not in {{ zero_times }} then {{ local_time('f[3]') }} end as created_at,
        case when trim(f[4]) not in {{ zero_times }} then {{ local_time('f[4]') }} end as paid_at,
        case when trim(f[5]) not in {{ zero_times }} then {{ local_time('f[5]') }} end as ended_at,
        case when trim(f[11]) not in {{ zero_times }} then {{ local_time('f[11]') }} end as modified_at,
        len(line_items) as line_count,
        {{ lines_problem('line_items', 'itemTotal') }} as lines_problem,
        list_filter(list_transform(line_items, lambda i: nullif(trim(i.jdPrice), '')), lambda p: p is not null)
            as line_prices
    from items
),

mapped as (
    select
        typed.*,
        -- jingdong.pop.order.search / enGet `orderState`, every documented value. JD's POP list has no
        -- awaiting-payment state (unpaid orders are a separate API) and no partial shipment.
        case state
            when 'WAIT_SELLER_STOCK_OUT' then 'paid'  -- 等待出库
            when 'SEND_TO_DISTRIBUTION_CENER' then 'paid'  -- (sic) 发往配送中心: waiting to go to JD's centre
            when 'DISTRIBUTION_CENTER_RECEIVED' then 'paid'  -- 配送中心已收货: not yet on its way to the buyer
            when 'WAIT_SELLER_DELIVERY' then 'paid'  -- 等待发货 (cross-border: awaiting domestic dispatch)
            when 'WAIT_SEND_CODE' then 'paid'  -- 等待发码 (LOC voucher orders)
            when 'LOCKED' then 'paid'  -- 已锁定: held, e.g. while the buyer's cancellation is reviewed
            when 'PAUSE' then 'paid'  -- 暂停
            when 'POP_ORDER_PAUSE' then 'paid'  -- POP暂停
            when 'WAIT_GOODS_RECEIVE_CONFIRM' then 'shipped'  -- 等待确认收货
            when 'RECEIPTS_CONFIRM' then 'completed'  -- 收款确认（服务完成）
            when 'FINISHED_L' then 'completed'  -- 完成
            when 'TRADE_CANCELED' then 'cancelled'  -- 取消
            else 'unknown'
        end as status
    from typed
)

select
    'jd' as platform,
    mapped.shop_key,
    mapped.order_id,
    mapped.status,
    mapped.f[2] as status_raw,
    coalesce(shops.currency, 'CNY') as currency,
    mapped.goods_amount,
    mapped.shipping_fee,
    mapped.discount_amount,
    cast(mapped.goods_amount + coalesce(mapped.shipping_fee, 0) as decimal(18, 2)) as total_amount,
    mapped.paid_amount,
    mapped.created_at,
    mapped.paid_at,
    cast(null as timestamptz) as shipped_at,  -- JD's order has no shipment time
    case when mapped.status = 'completed' then mapped.ended_at end as completed_at,
    case when mapped.status = 'cancelled' then mapped.ended_at end as cancelled_at,
    cast(null as timestamptz) as ship_by,  -- nor a latest-ship promise among the fields we read
    mapped.modified_at,
    {{ business_date('mapped.created_at', "coalesce(shops.timezone, 'Asia/Shanghai')") }} as business_date,
    cast(coalesce(mapped.line_count, 0) as integer) as line_count,
    coalesce(trim(mapped.f[12]), '') <> '' as buyer_message_present,
    -- JD holds the order (locked, e.g. for a cancellation or risk review, or paused): it must not ship
    coalesce(mapped.state in ('LOCKED', 'PAUSE', 'POP_ORDER_PAUSE'), false) as risk_flag,
    mapped.load_id,
    mapped.landing_file,
    mapped.file_row,
    mapped.pull_id,
    mapped.pulled_at,
    case
        when not mapped.is_json then 'invalid_json'
        when mapped.order_id is null then 'missing_key'
        when mapped.created_at is null or mapped.modified_at is null then 'unparseable_time'
        when {{ implausible_times('mapped.created_at', 'mapped.modified_at', 'mapped.paid_at') }}
            then 'implausible_time'
        when (nullif(trim(mapped.f[6]), '') is not null and mapped.goods_amount is null)
            or (nullif(trim(mapped.f[7]), '') is not null and mapped.shipping_fee is null)
            or (nullif(trim(mapped.f[8]), '') is not null and mapped.discount_amount is null)
            or (nullif(trim(mapped.f[9]), '') is not null and mapped.paid_amount is null)
            or (nullif(trim(mapped.f[10]), '') is not null and mapped.seller_amount is null)
            or list_bool_or(list_transform(mapped.line_prices, lambda p: {{ major_units('p') }} is null))
            then 'unparseable_amount'
        when mapped.goods_amount < 0 or mapped.shipping_fee < 0 or mapped.discount_amount < 0
            or mapped.paid_amount < 0 or mapped.seller_amount < 0
            or list_bool_or(list_transform(mapped.line_prices, lambda p: {{ major_units('p') }} < 0))
            then 'negative_amount'
        else mapped.lines_problem
    end as quarantine_reason
from mapped
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = mapped.shop_key
