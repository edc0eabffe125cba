-- Taobao refunds (taobao.refunds.receive.get), one row per landed version. Stage times other than creation
-- are not in the refund record: approval and receipt are visible only as status changes between versions.
with landed as (
    select * from {{ source('landing', 'refunds') }}
    where platform = 'taobao' and {{ new_loads() }}
),

parsed as (
    select
        landed.*,
        json_valid(payload) as is_json,
        case when json_valid(payload) then json_extract_string(payload, [
            '$.refund_id', '$.tid', '$.oid', '$.sku', '$.dispute_type', '$.status', '$.reason', '$.desc',
            '$.refund_fee', '$.num', '$.created', '$.modified', '$.good_status', '$.has_good_return',
            '$.refund_phase'
        ]) end as f
    from landed
),

typed as (
    select
        parsed.*,
        nullif(f[1], '') as refund_id,
        {{ major_units('f[9]') }} as amount,
        {{ local_time('f[11]') }} as created_at,
        {{ local_time('f[12]') }} as modified_at
    from parsed
)

select
    'taobao' as platform,
    typed.shop_key,
    typed.refund_id,
    f[2] as order_id,
    f[3] as line_id,
    split_part(f[4], '|', 1) as sku_id,
    nullif(regexp_extract(f[4], '商家编码:(.*)$', 1), '') as sku_code,
    case
        when f[5] = 'TAOBAO_EXCHANGE' or f[5] = 'TMALL_EXCHANGE' then 'exchange'
        when f[5] = 'PRICE_PROTECT' then 'price_protection'
        when f[5] = 'REFUND_AND_RETURN' or f[14] = 'true' then 'return_and_refund'
        when f[5] = 'REFUND' and f[13] = 'BUYER_NOT_RECEIVED' then 'refund_before_shipping'
        when f[5] = 'REFUND' then 'refund_after_shipping'
        else 'unknown'
    end as refund_type,
    case f[6]
        when 'WAIT_SELLER_AGREE' then 'requested'
        when 'WAIT_BUYER_RETURN_GOODS' then 'waiting_buyer_return'
        when 'WAIT_SELLER_CONFIRM_GOODS' then 'waiting_seller_receipt'
        when 'SELLER_REFUSE_BUYER' then 'rejected'
        when 'CLOSED' then 'closed'
        when 'SUCCESS' then 'refunded'
        else 'unknown'
    end as status,
    f[6] as status_raw,
    f[7] as reason_code,
    f[8] as reason_text,
    typed.amount,
    coalesce(shops.currency, 'CNY') as currency,
    try_cast(f[10] as integer) as quantity,
    typed.created_at,
    cast(null as timestamptz) as approved_at,
    cast(null as timestamptz) as goods_returned_at,
    case when f[6] = 'SUCCESS' then typed.modified_at end as refunded_at,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not coalesce(typed.is_json, false) then 'invalid_json'
        when typed.refund_id is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when nullif(f[9], '') is not null and typed.amount is null then 'unparseable_amount'
        when typed.amount < 0 then 'negative_amount'
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
