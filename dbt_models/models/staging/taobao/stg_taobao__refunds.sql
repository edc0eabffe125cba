-- Taobao refunds (taobao.refunds.receive.get; the list carries every field), one row per landed version.
-- Times are 'yyyy-MM-dd HH:mm:ss' GMT+8; money is yuan decimal strings; refund_id / tid / oid are int64 JSON numbers
-- (read as the raw JSON text, never a double). Approval and receipt times are not in the record: they show as
-- status changes between versions (fct_refunds takes the first version in each stage). Each payload is parsed
-- once (try(from_json), scalars as VARCHAR).
{%- set shape = '{"refund_id": "VARCHAR", "tid": "VARCHAR", "oid": "VARCHAR", "sku": "VARCHAR",'
    ~ ' "outer_id": "VARCHAR", "dispute_type": "VARCHAR", "special_refund_type": "VARCHAR", "status": "VARCHAR",'
    ~ ' "reason": "VARCHAR", "desc": "VARCHAR", "refund_fee": "VARCHAR", "payment": "VARCHAR",'
    ~ ' "total_fee": "VARCHAR", "num": "VARCHAR", "created": "VARCHAR", "modified": "VARCHAR",'
    ~ ' "good_return_time": "VARCHAR", "good_status": "VARCHAR", "has_good_return": "VARCHAR",'
    ~ ' "refund_phase": "VARCHAR"}' %}

with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('refunds', 'taobao') }} as landed_rows
),

parsed as (
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
        nullif(trim(j.refund_id), '') as refund_id,
        nullif(trim(j.tid), '') as tid,
        nullif(trim(j.oid), '') as oid,
        -- `sku` is '<sku_id>|<properties>' with properties 'name:value;name:value' (the merchant code, when the
        -- item has one, as '商家编码:<code>'); an item without SKUs sends no sku_id before the bar
        nullif(regexp_extract(j.sku, '^\s*(\d+)\s*(\||$)', 1), '') as sku_id,
        nullif(trim(regexp_extract(j.sku, '商家编码[:：]([^;|]*)', 1)), '') as sku_code_in_sku,
        nullif(trim(j.outer_id), '') as outer_id,
        j.dispute_type, j.special_refund_type, j.status as status_raw, j.reason, j."desc",
        nullif(trim(j.refund_fee), '') as refund_fee_raw,
        nullif(trim(j.payment), '') as payment_raw,
        nullif(trim(j.total_fee), '') as total_fee_raw,
        j.num, j.good_status, lower(trim(j.has_good_return)) as has_good_return, lower(trim(j.refund_phase)) as refund_phase,
        {{ local_time('j.created') }} as created_at,
        {{ local_time('j.modified') }} as modified_at,
        {{ local_time('j.good_return_time') }} as good_return_at
    from parsed
),

typed as (
    select
        fields.*,
        {{ major_units('refund_fee_raw') }} as amount,
        {{ major_units('payment_raw') }} as payment_amount,
        {{ major_units('total_fee_raw') }} as total_fee_amount
    from fields
)

select
    'taobao' as platform,
    typed.shop_key,
    typed.refund_id,
    typed.tid as order_id,
    typed.oid as line_id,
    typed.sku_id,
    -- the item-level outer_id is the SKU code only for an item without SKUs
    coalesce(typed.sku_code_in_sku, case when typed.sku_id is null then typed.outer_id end) as sku_code,
    case
        -- price protection / cash back are refund-only partial refunds flagged by special_refund_type
        when typed.special_refund_type in ('priceProtect', 'cashBack') then 'price_protection'
        when typed.dispute_type in ('TAOBAO_EXCHANGE', 'TMALL_EXCHANGE') then 'exchange'
        when typed.dispute_type = 'REFUND_AND_RETURN' then 'return_and_refund'
        -- REPAIR, RESHIPPING, OTHERS: after-sale cases the contract has no type for
        when typed.dispute_type in ('REPAIR', 'RESHIPPING', 'OTHERS') then 'unknown'
        -- refund only (dispute_type REFUND; records without dispute_type: has_good_return false)
        when typed.dispute_type = 'REFUND' or (typed.dispute_type is null and typed.has_good_return = 'false') then
            case
                -- after-sale phase = after the trade finished: the goods were shipped, whatever good_status says
                when typed.refund_phase = 'aftersale' then 'refund_after_shipping'
                when typed.good_status in ('BUYER_RECEIVED', 'BUYER_RETURNED_GOODS') then 'refund_after_shipping'
                when typed.good_status = 'BUYER_NOT_RECEIVED' then 'refund_before_shipping'
                else 'unknown'
            end
        when typed.dispute_type is null and typed.has_good_return = 'true' then 'return_and_refund'
        else 'unknown'
    end as refund_type,
    case typed.status_raw
        when 'WAIT_SELLER_AGREE' then 'requested'
        when 'WAIT_SELLER_CONFIRM_RETURN_ADDRESS' then 'requested'       -- Tmall: seller still to give the address
        when 'POST_FEE_DISPUTE_WAIT_ACTIVATE' then 'requested'           -- Tmall: postage claim created, not active
        when 'WAIT_BUYER_RETURN_GOODS' then 'waiting_buyer_return'
        when 'WAIT_SELLER_CONFIRM_GOODS' then 'waiting_seller_receipt'
        -- Tmall exchange stages after the goods came back, before the case succeeds: still open on the seller side
        when 'WAIT_SELLER_CONSIGN_GOOGDS' then 'waiting_seller_receipt'  -- sic (TOP's spelling)
        when 'WAIT_SELLER_CONSIGN_GOODS' then 'waiting_seller_receipt'
        when 'EXCHANGE_WAIT_BUYER_CONFIRM_GOODS' then 'waiting_seller_receipt'
        when 'WAIT_BUYER_CONFIRM_REDO_SEND_GOODS' then 'waiting_seller_receipt'
        when 'SELLER_REFUSE_BUYER' then 'rejected'
        when 'CLOSED' then 'closed'
        when 'EXCHANGE_TRANSFORM_TO_REFUND' then 'closed'                -- exchange closed, a refund case follows
        when 'SUCCESS' then 'refunded'
        else 'unknown'
    end as status,
    typed.status_raw,
    typed.reason as reason_code,
    typed."desc" as reason_text,
    typed.amount,
    coalesce(shops.currency, 'CNY') as currency,
    try_cast(typed.num as integer) as quantity,
    typed.created_at,
    cast(null as timestamptz) as approved_at,
    typed.good_return_at as goods_returned_at,
    case when typed.status_raw = 'SUCCESS' then typed.modified_at end as refunded_at,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.refund_id is null or typed.tid is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when {{ implausible_times('typed.created_at', 'typed.modified_at') }} then 'implausible_time'
        when (typed.refund_fee_raw is not null and typed.amount is null)
            or (typed.payment_raw is not null and typed.payment_amount is null)
            or (typed.total_fee_raw is not null and typed.total_fee_amount is null) then 'unparseable_amount'
        when typed.amount < 0 or typed.payment_amount < 0 or typed.total_fee_amount < 0 then 'negative_amount'
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
