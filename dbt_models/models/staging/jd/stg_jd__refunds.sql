-- JD refund applications (jingdong.pop.afs.soa.refundapply.queryPageList), one row per landed version.
-- This API is JD's "取消订单退款审核单": the buyer cancels a paid order (or part of it) before receiving it, so
-- every record is a refund before shipping; returns and exchanges live in JD's after-sale service APIs
-- (jingdong.asc.*), which this pipeline does not pull.
-- Money: JD documents `applyRefundSum` as a number in fen (分); docs/platform-api.md (and the simulator) send a
-- yuan string with two decimals. A string with a decimal point is read as yuan, anything else as fen.
-- Times: 'yyyy-MM-dd HH:mm:ss' Beijing time; JD's zero dates ("0001-01-01 00:00:00", "1970-01-01 00:00:00")
-- mean "not yet" and are NULL here.
{%- set zero_times = "('0001-01-01 00:00:00', '1970-01-01 00:00:00')" %}

with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('refunds', 'jd') }} as landed_rows
),

parsed as (
    -- try(): NULL for a payload that is not JSON. json_extract (not _string) keeps the amount's JSON form:
    -- quoted when JD sent a string
    select
        landed.* exclude (payload),
        try(json_extract_string(payload, [
            '$.id', '$.orderId', '$.skuId', '$.status', '$.reason', '$.reasonDesc', '$.applyRefundSum',
            '$.applyNum', '$.applyTime', '$.checkTime', '$.modifiedTime', '$.modified'
        ])) as f,
        case when f is not null then json_extract(payload, '$.applyRefundSum') end as amount_json
    from landed
),

typed as (
    select
        parsed.*,
        f is not null as is_json,
        nullif(trim(f[1]), '') as refund_id,
        trim(f[4]) as state,
        case
            when starts_with(amount_json, '"') and contains(f[7], '.') then {{ major_units('f[7]') }}
            else {{ minor_units('f[7]') }}
        end as amount,
        case when trim(f[9]) not in {{ zero_times }} then {{ local_time('f[9]') }} end as created_at,
        case when trim(f[10]) not in {{ zero_times }} then {{ local_time('f[10]') }} end as checked_at,
        case when trim(coalesce(f[11], f[12])) not in {{ zero_times }}
            then {{ local_time('coalesce(f[11], f[12])') }} end as modified_at
    from parsed
),

mapped as (
    select
        typed.*,
        -- refundapply `status`, every documented value
        case state
            when '0' then 'requested'  -- 未审核
            when '19' then 'requested'  -- 纠纷介入: JD arbitrates, no outcome yet
            when '1' then 'waiting_buyer_return'  -- 审核通过: the seller agreed, the refund is not paid yet
            when '5' then 'waiting_buyer_return'  -- 人工审核通过
            when '17' then 'waiting_buyer_return'  -- 协商退货退款: agreed on a return, goods to come back
            when '7' then 'waiting_seller_receipt'  -- 青龙拦截成功: parcel intercepted, on its way back
            when '10' then 'waiting_seller_receipt'  -- 物流待跟进(线下拦截)
            when '27' then 'waiting_seller_receipt'  -- 京东承诺拦截
            when '3' then 'refunded'  -- 京东财务审核通过 (退款成功)
            when '6' then 'refunded'  -- (京东)拦截并退款
            when '9' then 'refunded'  -- 强制关单并退款
            when '16' then 'refunded'  -- 拒收后退款
            when '2' then 'rejected'  -- 审核不通过
            when '4' then 'rejected'  -- 京东财务审核不通过 (退款失败)
            when '8' then 'closed'  -- 青龙拦截失败: the parcel reached the buyer, this application ends
            when '11' then 'closed'  -- 用户撤销
            when '18' then 'closed'  -- 协商关闭
            else 'unknown'
        end as status
    from typed
)

select
    'jd' as platform,
    mapped.shop_key,
    mapped.refund_id,
    nullif(trim(mapped.f[2]), '') as order_id,
    nullif(trim(mapped.f[3]), '') as line_id,  -- JD order lines are keyed by SKU
    nullif(trim(mapped.f[3]), '') as sku_id,
    cast(null as varchar) as sku_code,
    case when mapped.is_json then 'refund_before_shipping' else 'unknown' end as refund_type,
    mapped.status,
    mapped.f[4] as status_raw,
    mapped.f[5] as reason_code,
    mapped.f[6] as reason_text,
    mapped.amount,
    coalesce(shops.currency, 'CNY') as currency,
    try_cast(nullif(trim(mapped.f[8]), '') as integer) as quantity,
    mapped.created_at,
    -- checkTime is the review time: an approval only where the status says the application was approved
    case when mapped.state in ('1', '3', '4', '5', '6', '7', '8', '9', '10', '16', '17', '27')
        then mapped.checked_at end as approved_at,
    cast(null as timestamptz) as goods_returned_at,
    case when mapped.status = 'refunded' then mapped.modified_at end as refunded_at,
    mapped.modified_at,
    {{ business_date('mapped.created_at', "coalesce(shops.timezone, 'Asia/Shanghai')") }} as business_date,
    mapped.load_id,
    mapped.landing_file,
    mapped.file_row,
    mapped.pull_id,
    mapped.pulled_at,
    case
        when not mapped.is_json then 'invalid_json'
        when mapped.refund_id is null then 'missing_key'
        when mapped.created_at is null or mapped.modified_at is null then 'unparseable_time'
        when {{ implausible_times('mapped.created_at', 'mapped.modified_at') }} then 'implausible_time'
        when nullif(trim(mapped.f[7]), '') is not null and mapped.amount is null then 'unparseable_amount'
        when mapped.amount < 0 then 'negative_amount'
    end as quarantine_reason
from mapped
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = mapped.shop_key
