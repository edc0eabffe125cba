-- Taobao sub-orders (`orders.order` of taobao.trade.fullinfo.get): one row per line per landed trade version.
with landed as (
    select * from {{ source('landing', 'orders') }}
    where platform = 'taobao' and {{ new_loads() }} and json_valid(payload)
),

lines as (
    select
        landed.shop_key,
        coalesce(nullif(json_extract_string(payload, '$.tid_str'), ''), json_extract_string(payload, '$.tid'))
            as order_id,
        {{ local_time("json_extract_string(payload, '$.modified')") }} as modified_at,
        unnest(json_extract(payload, '$.orders.order[*]')) as line,
        load_id, landing_file, file_row, pull_id, pulled_at
    from landed
),

fields as (
    select
        lines.*,
        json_extract_string(line, [
            '$.oid_str', '$.oid', '$.sku_id', '$.outer_sku_id', '$.num_iid', '$.title', '$.num', '$.price',
            '$.payment', '$.status', '$.refund_status', '$.consign_time'
        ]) as f
    from lines
)

select
    'taobao' as platform,
    fields.shop_key,
    fields.order_id,
    coalesce(nullif(f[1], ''), f[2]) as line_id,
    f[3] as sku_id,
    f[4] as sku_code,
    f[5] as product_id,
    f[6] as title,
    try_cast(f[7] as integer) as quantity,
    {{ major_units('f[8]') }} as unit_price,
    {{ major_units('f[9]') }} as line_amount,
    coalesce(shops.currency, 'CNY') as currency,
    case
        when f[10] in ('TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO') and f[11] = 'SUCCESS' then 'refunded'
        when f[10] in ('TRADE_NO_CREATE_PAY', 'WAIT_BUYER_PAY', 'PAY_PENDING', 'WAIT_PRE_AUTH_CONFIRM') then 'unpaid'
        when f[10] in ('WAIT_SELLER_SEND_GOODS', 'PAID_FORBID_CONSIGN') then 'paid'
        when f[10] in ('SELLER_CONSIGNED_PART', 'WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED') then 'shipped'
        when f[10] = 'TRADE_FINISHED' then 'completed'
        when f[10] in ('TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO') then 'cancelled'
        else 'unknown'
    end as status,
    f[10] as status_raw,
    {{ local_time('f[12]') }} as shipped_at,
    fields.modified_at,
    fields.load_id,
    fields.landing_file,
    fields.file_row,
    fields.pull_id,
    fields.pulled_at
from fields
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = fields.shop_key
