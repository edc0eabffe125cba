-- Taobao/Tmall trades (taobao.trade.fullinfo.get), one row per landed version.
-- Times are 'yyyy-MM-dd HH:mm:ss' in GMT+8 without offset; money is yuan as decimal strings.
with landed as (
    select * from {{ source('landing', 'orders') }}
    where platform = 'taobao' and {{ new_loads() }}
),

parsed as (
    select
        landed.*,
        json_valid(payload) as is_json,
        case when json_valid(payload) then json_extract_string(payload, [
            '$.tid_str', '$.tid', '$.status', '$.created', '$.pay_time', '$.consign_time', '$.end_time',
            '$.modified', '$.delivery_time', '$.total_fee', '$.post_fee', '$.discount_fee', '$.payment',
            '$.buyer_message'
        ]) end as f,
        case when json_valid(payload) then json_array_length(payload, '$.orders.order') end as line_count
    from landed
),

typed as (
    select
        'taobao' as platform,
        shop_key,
        coalesce(nullif(f[1], ''), nullif(f[2], '')) as order_id,
        case f[3]
            when 'TRADE_NO_CREATE_PAY' then 'unpaid'
            when 'WAIT_BUYER_PAY' then 'unpaid'
            when 'PAY_PENDING' then 'unpaid'
            when 'WAIT_PRE_AUTH_CONFIRM' then 'unpaid'
            when 'WAIT_SELLER_SEND_GOODS' then 'paid'
            when 'PAID_FORBID_CONSIGN' then 'paid'
            when 'SELLER_CONSIGNED_PART' then 'partly_shipped'
            when 'WAIT_BUYER_CONFIRM_GOODS' then 'shipped'
            when 'TRADE_BUYER_SIGNED' then 'shipped'
            when 'TRADE_FINISHED' then 'completed'
            when 'TRADE_CLOSED' then 'cancelled'
            when 'TRADE_CLOSED_BY_TAOBAO' then 'cancelled'
            else 'unknown'
        end as status,
        f[3] as status_raw,
        {{ major_units('f[10]') }} as goods_amount,
        {{ major_units('f[11]') }} as shipping_fee,
        {{ major_units('f[12]') }} as discount_amount,
        {{ major_units('f[13]') }} as paid_amount,
        {{ local_time('f[4]') }} as created_at,
        {{ local_time('f[5]') }} as paid_at,
        {{ local_time('f[6]') }} as shipped_at,
        case when f[3] = 'TRADE_FINISHED' then {{ local_time('f[7]') }} end as completed_at,
        case when f[3] in ('TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO') then {{ local_time('f[7]') }} end
            as cancelled_at,
        {{ local_time('f[9]') }} as ship_by,
        {{ local_time('f[8]') }} as modified_at,
        coalesce(line_count, 0) as line_count,
        coalesce(f[14], '') <> '' as buyer_message_present,
        false as risk_flag,
        is_json,
        f,
        load_id, landing_file, file_row, pull_id, pulled_at
    from parsed
)

select
    typed.platform,
    typed.shop_key,
    typed.order_id,
    typed.status,
    typed.status_raw,
    coalesce(shops.currency, 'CNY') as currency,
    typed.goods_amount,
    typed.shipping_fee,
    typed.discount_amount,
    typed.goods_amount + coalesce(typed.shipping_fee, 0) as total_amount,
    typed.paid_amount,
    typed.created_at,
    typed.paid_at,
    typed.shipped_at,
    typed.completed_at,
    typed.cancelled_at,
    typed.ship_by,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    typed.line_count,
    typed.buyer_message_present,
    typed.risk_flag,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not coalesce(typed.is_json, false) then 'invalid_json'
        when typed.order_id is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when (nullif(typed.f[10], '') is not null and typed.goods_amount is null)
            or (nullif(typed.f[11], '') is not null and typed.shipping_fee is null)
            or (nullif(typed.f[12], '') is not null and typed.discount_amount is null)
            or (nullif(typed.f[13], '') is not null and typed.paid_amount is null) then 'unparseable_amount'
        when typed.goods_amount < 0 or typed.shipping_fee < 0 or typed.paid_amount < 0 then 'negative_amount'
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
