-- Douyin shop (抖店) orders: the `order.orderDetail` record (`data.shop_order_detail`) as landed, one row per
-- landed version. Times are epoch seconds (0 = "not yet"), money is integer fen, statuses small integers.
-- The payload is parsed once per row (json_transform into a struct, NULL for unreadable JSON); numbers are read
-- as their JSON text, so ids above 2^53 keep every digit.
with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'douyin') }} as landed_rows
),

parsed as (
    select
        landed.* exclude (payload),
        try(json_transform(payload, '{
            "order_id": "VARCHAR", "order_status": "VARCHAR", "main_status": "VARCHAR",
            "create_time": "VARCHAR", "pay_time": "VARCHAR", "ship_time": "VARCHAR", "finish_time": "VARCHAR",
            "exp_ship_time": "VARCHAR", "update_time": "VARCHAR",
            "order_amount": "VARCHAR", "pay_amount": "VARCHAR", "post_amount": "VARCHAR",
            "promotion_amount": "VARCHAR", "buyer_words": "VARCHAR",
            "sku_order_list": [ {"origin_amount": "VARCHAR", "sum_amount": "VARCHAR", "item_num": "VARCHAR"} ]
        }')) as j,
        payload
    from landed
),

raw as (
    select
        parsed.* exclude (j, payload),
        -- json_transform is NULL only for unreadable text and for the JSON literal null
        case when j is not null then true else coalesce(json_valid(payload), false) end as is_json,
        nullif(j.order_id, '') as order_id,
        coalesce(nullif(trim(j.order_status), ''), nullif(trim(j.main_status), '')) as status_code,
        -- epoch seconds; outside 1970..9999 is unreadable (to_timestamp would raise, not return NULL)
        {%- for field in ['create_time', 'pay_time', 'ship_time', 'finish_time', 'exp_ship_time', 'update_time'] %}
        case when try_cast(j.{{ field }} as bigint) between 1 and 253402300799 then j.{{ field }} end as {{ field }},
        {%- endfor %}
        -- fen; raw text kept to tell "absent" from "not a number"; beyond 10^16 fen is unreadable (see minor_units)
        {%- for field in ['order_amount', 'pay_amount', 'post_amount', 'promotion_amount'] %}
        nullif(trim(j.{{ field }}), '') as {{ field }}_raw,
        case when abs(try_cast(j.{{ field }} as decimal(38, 0))) < 1e16 then j.{{ field }} end as {{ field }},
        {%- endfor %}
        -- goods at list price: the lines' sum_amount (现价 x 件数) when every line sends it (the real platform),
        -- else origin_amount, which the simulator sends as the line's list total
        case when len(j.sku_order_list) > 0 then list_sum(list_transform(j.sku_order_list,
            lambda x: try_cast(coalesce(x.sum_amount, x.origin_amount) as decimal(18, 0)))) end as lines_list_fen,
        case when len(j.sku_order_list) > 0 then list_bool_and(list_transform(j.sku_order_list,
            lambda x: try_cast(coalesce(x.sum_amount, x.origin_amount) as decimal(18, 0)) is not null)) end as lines_complete,
        coalesce(len(j.sku_order_list), 0) as line_count,
        {{ lines_problem('j.sku_order_list', 'item_num') }} as lines_problem,
        coalesce(j.buyer_words, '') <> '' as buyer_message_present
    from parsed
),

typed as (
    select
        raw.*,
        case status_code
            when '1' then 'unpaid'  -- 待确认/待支付
            when '103' then 'unpaid'  -- 部分支付 (deposit pre-sale: not fully paid), main_status only
            when '105' then 'paid'  -- 已支付, held by risk control (风控订单不发货)
            when '2' then 'paid'  -- 备货中: paid, awaiting shipment
            when '101' then 'partly_shipped'  -- 部分发货
            when '3' then 'shipped'  -- 已发货 (全部发货)
            when '5' then 'completed'  -- 已完成 (已收货)
            when '4' then 'cancelled'  -- 已取消 / 已关闭
            when '21' then 'cancelled'  -- 发货前退款完结 (closed by a full refund), main_status only
            when '22' then 'cancelled'  -- 发货后退款完结, main_status only
            when '39' then 'cancelled'  -- 收货后退款完结, main_status only
            else 'unknown'
        end as status,
        {{ minor_units('order_amount') }} as order_amount_major,
        {{ minor_units('post_amount') }} as shipping_fee,
        {{ minor_units('promotion_amount') }} as discount_amount,
        {{ minor_units('pay_amount') }} as paid_amount,
        {{ minor_units('case when abs(lines_list_fen) < 1e16 then lines_list_fen end') }} as lines_list_amount,
        {{ epoch_time('create_time') }} as created_at,
        {{ epoch_time('pay_time') }} as paid_at,
        {{ epoch_time('ship_time') }} as shipped_at,
        {{ epoch_time('finish_time') }} as finished_at,
        {{ epoch_time('exp_ship_time') }} as ship_by,
        {{ epoch_time('update_time') }} as modified_at
    from raw
),

amounts as (
    select
        typed.*,
        cast(case
            when lines_complete then lines_list_amount
            else order_amount_major - coalesce(shipping_fee, 0)
        end as decimal(18, 2)) as goods_amount
    from typed
)

select
    'douyin' as platform,
    amounts.shop_key,
    amounts.order_id,
    amounts.status,
    amounts.status_code as status_raw,
    coalesce(shops.currency, 'CNY') as currency,
    amounts.goods_amount,
    amounts.shipping_fee,
    amounts.discount_amount,
    cast(amounts.goods_amount + coalesce(amounts.shipping_fee, 0) as decimal(18, 2)) as total_amount,
    amounts.paid_amount,
    amounts.created_at,
    amounts.paid_at,
    amounts.shipped_at,
    case when amounts.status = 'completed' then amounts.finished_at end as completed_at,
    case when amounts.status = 'cancelled' then amounts.finished_at end as cancelled_at,
    amounts.ship_by,
    amounts.modified_at,
    {{ business_date('amounts.created_at', "coalesce(shops.timezone, 'Asia/Shanghai')") }} as business_date,
    cast(amounts.line_count as integer) as line_count,
    amounts.buyer_message_present,
    coalesce(amounts.status_code = '105', false) as risk_flag,
    amounts.load_id,
    amounts.landing_file,
    amounts.file_row,
    amounts.pull_id,
    amounts.pulled_at,
    case
        when not amounts.is_json then 'invalid_json'
        when amounts.order_id is null then 'missing_key'
        when amounts.created_at is null or amounts.modified_at is null then 'unparseable_time'
        when {{ implausible_times('amounts.created_at', 'amounts.modified_at', 'amounts.paid_at') }}
            then 'implausible_time'
        when (amounts.order_amount_raw is not null and amounts.order_amount_major is null)
            or (amounts.pay_amount_raw is not null and amounts.paid_amount is null)
            or (amounts.post_amount_raw is not null and amounts.shipping_fee is null)
            or (amounts.promotion_amount_raw is not null and amounts.discount_amount is null) then 'unparseable_amount'
        when amounts.order_amount_major < 0 or amounts.paid_amount < 0 or amounts.shipping_fee < 0
            or amounts.discount_amount < 0 or amounts.goods_amount < 0 then 'negative_amount'
        else amounts.lines_problem
    end as quarantine_reason
from amounts
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = amounts.shop_key
