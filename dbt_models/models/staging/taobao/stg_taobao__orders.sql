-- Taobao/Tmall trades (taobao.trade.fullinfo.get), one row per landed version.
-- Times are 'yyyy-MM-dd HH:mm:ss' in GMT+8 without offset (whatever the shop's zone); money is yuan as decimal
-- strings. tid is an int64 JSON number: the id is taken from tid_str, else the raw JSON text of tid (never a
-- double). Each payload is parsed once: try(from_json) into the shape below, scalars as VARCHAR (the raw JSON
-- text, so ids stay exact and a bad amount stays visible for the quarantine check).
{%- set shape = '{"tid_str": "VARCHAR", "tid": "VARCHAR", "status": "VARCHAR", "created": "VARCHAR",'
    ~ ' "pay_time": "VARCHAR", "consign_time": "VARCHAR", "end_time": "VARCHAR", "modified": "VARCHAR",'
    ~ ' "delivery_time": "VARCHAR", "total_fee": "VARCHAR", "post_fee": "VARCHAR", "discount_fee": "VARCHAR",'
    ~ ' "payment": "VARCHAR", "buyer_message": "VARCHAR", "orders": {"order": [{"oid": "VARCHAR", "num": "VARCHAR"}]}}' %}

with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'taobao') }} as landed_rows
),

parsed as (
    -- try() turns malformed JSON into NULL instead of failing the build; json_valid runs only for those rows
    -- (a valid non-object payload such as `null` is not invalid_json: it is missing_key)
    select
        typed_json.* exclude (payload),
        case when j is not null then true else coalesce(json_valid(payload), false) end as is_json
    from (
        select landed.*, try(from_json(payload, '{{ shape }}')) as j
        from landed
    ) as typed_json
),

fields as (
    select
        parsed.* exclude (j),
        coalesce(nullif(trim(j.tid_str), ''), nullif(trim(j.tid), '')) as tid,
        j.status as status_raw,
        nullif(trim(j.total_fee), '') as total_fee_raw,
        nullif(trim(j.post_fee), '') as post_fee_raw,
        nullif(trim(j.discount_fee), '') as discount_fee_raw,
        nullif(trim(j.payment), '') as payment_raw,
        j.created, j.pay_time, j.consign_time, j.end_time, j.modified, j.delivery_time,
        j.buyer_message,
        len(j.orders."order") as line_count,
        {{ lines_problem('j.orders."order"', 'num') }} as lines_problem
    from parsed
),

typed as (
    select
        fields.*,
        case status_raw
            when 'TRADE_NO_CREATE_PAY' then 'unpaid'      -- no Alipay trade created yet
            when 'WAIT_BUYER_PAY' then 'unpaid'
            when 'PAY_PENDING' then 'unpaid'              -- payment being confirmed (international cards)
            when 'WAIT_PRE_AUTH_CONFIRM' then 'unpaid'    -- 0-yuan purchase: pre-authorisation pending
            when 'WAIT_SELLER_SEND_GOODS' then 'paid'
            when 'PAID_FORBID_CONSIGN' then 'paid'        -- paid, shipping blocked (group buy forming, controls)
            when 'SELLER_CONSIGNED_PART' then 'partly_shipped'
            when 'WAIT_BUYER_CONFIRM_GOODS' then 'shipped'
            when 'TRADE_BUYER_SIGNED' then 'shipped'      -- cash on delivery: signed for, not yet finished
            when 'TRADE_FINISHED' then 'completed'
            when 'TRADE_CLOSED' then 'cancelled'          -- closed after payment (full refund)
            when 'TRADE_CLOSED_BY_TAOBAO' then 'cancelled' -- closed before payment (buyer/seller/timeout)
            else 'unknown'
        end as status,
        {{ major_units('total_fee_raw') }} as goods_amount,
        {{ major_units('post_fee_raw') }} as shipping_fee,
        {{ major_units('payment_raw') }} as paid_amount,
        {{ local_time('created') }} as created_at,
        {{ local_time('modified') }} as modified_at
    from fields
)

select
    'taobao' as platform,
    typed.shop_key,
    typed.tid as order_id,
    typed.status,
    typed.status_raw,
    coalesce(shops.currency, 'CNY') as currency,  -- Taobao sends no currency: CNY yuan
    typed.goods_amount,
    typed.shipping_fee,
    -- every reduction between list price + shipping and what the buyer pays: the trade's discount_fee holds only
    -- system promotions, not sub-order discounts or the seller's manual price changes (adjust_fee)
    try_cast(typed.goods_amount + coalesce(typed.shipping_fee, 0) - typed.paid_amount as decimal(18, 2))
        as discount_amount,
    try_cast(typed.goods_amount + coalesce(typed.shipping_fee, 0) as decimal(18, 2)) as total_amount,
    typed.paid_amount,
    typed.created_at,
    {{ local_time('typed.pay_time') }} as paid_at,
    {{ local_time('typed.consign_time') }} as shipped_at,
    case when typed.status_raw = 'TRADE_FINISHED' then {{ local_time('typed.end_time') }} end as completed_at,
    case when typed.status_raw in ('TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO') then {{ local_time('typed.end_time') }} end
        as cancelled_at,
    {{ local_time('typed.delivery_time') }} as ship_by,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    cast(typed.line_count as integer) as line_count,
    case when typed.is_json then coalesce(typed.buyer_message, '') <> '' end as buyer_message_present,
    case when typed.is_json then false end as risk_flag,  -- the trade detail carries no risk / fraud hold
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.tid is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when {{ implausible_times('typed.created_at', 'typed.modified_at', local_time('typed.pay_time')) }}
            then 'implausible_time'
        when (typed.total_fee_raw is not null and typed.goods_amount is null)
            or (typed.post_fee_raw is not null and typed.shipping_fee is null)
            or (typed.discount_fee_raw is not null and {{ major_units('typed.discount_fee_raw') }} is null)
            or (typed.payment_raw is not null and typed.paid_amount is null) then 'unparseable_amount'
        when typed.goods_amount < 0 or typed.shipping_fee < 0 or typed.paid_amount < 0
            or {{ major_units('typed.discount_fee_raw') }} < 0 then 'negative_amount'
        else typed.lines_problem
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
