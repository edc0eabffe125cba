-- Taobao sub-orders (`orders.order` of taobao.trade.fullinfo.get): one row per line per landed trade version, from
-- trade versions with valid JSON. Each payload is parsed once (try(from_json), scalars as VARCHAR = the raw JSON
-- text, so int64 ids such as oid / num_iid stay exact).
{%- set shape = '{"tid_str": "VARCHAR", "tid": "VARCHAR", "modified": "VARCHAR", "post_fee": "VARCHAR",'
    ~ ' "orders": {"order": [{"oid_str": "VARCHAR", "oid": "VARCHAR", "sku_id": "VARCHAR",'
    ~ ' "outer_sku_id": "VARCHAR", "outer_iid": "VARCHAR", "num_iid": "VARCHAR", "title": "VARCHAR",'
    ~ ' "num": "VARCHAR", "price": "VARCHAR", "payment": "VARCHAR", "divide_order_fee": "VARCHAR",'
    ~ ' "status": "VARCHAR", "refund_status": "VARCHAR", "consign_time": "VARCHAR"}]}}' %}

with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'taobao') }} as landed_rows
),

parsed as (
    select landed.* exclude (payload), try(from_json(payload, '{{ shape }}')) as j
    from landed
),

lines as (
    -- invalid JSON (j is NULL) and trades without lines give no rows: unnest of NULL is empty. (No
    -- `where j is not null`: DuckDB would evaluate from_json a second time for the filter.)
    select
        parsed.* exclude (j),
        coalesce(nullif(trim(j.tid_str), ''), nullif(trim(j.tid), '')) as order_id,
        {{ local_time('j.modified') }} as modified_at,
        nullif(trim(j.post_fee), '') as post_fee,
        len(j.orders."order") as lines_in_trade,
        list_transform(j.orders."order", lambda o: coalesce(nullif(trim(o.oid_str), ''), nullif(trim(o.oid), '')))
            as line_ids,
        unnest(j.orders."order") as line,
        generate_subscripts(j.orders."order", 1) as line_position
    from parsed
),

typed as (
    select
        lines.*,
        line.status as status_raw,
        {{ local_time('line.consign_time') }} as consign_at,
        -- divide_order_fee is the line's paid amount after the trade's discounts were shared out. Without it, the
        -- sub-order `payment`: of a single-line trade it equals the trade's payment, postage included (TOP doc:
        -- "单笔子订单时子订单实付金额包含邮费"), so the postage is taken off again.
        coalesce(
            {{ major_units('line.divide_order_fee') }},
            case
                when lines_in_trade = 1
                    then {{ major_units('line.payment') }} - coalesce({{ major_units('post_fee') }}, 0)
                else {{ major_units('line.payment') }}
            end
        ) as paid
    from lines
)

select
    'taobao' as platform,
    typed.shop_key,
    typed.order_id,
    -- the sub-order id: oid_str, else the raw JSON text of oid (exact above 2^53)
    {{ line_key("coalesce(nullif(trim(line.oid_str), ''), nullif(trim(line.oid), ''))", 'typed.line_ids',
                'typed.line_position') }} as line_id,
    nullif(trim(line.sku_id), '') as sku_id,
    -- outer_sku_id is the merchant's SKU code; an item without SKUs has no sku_id, its code is the item's outer_iid
    coalesce(
        nullif(trim(line.outer_sku_id), ''),
        case when nullif(trim(line.sku_id), '') is null then nullif(trim(line.outer_iid), '') end
    ) as sku_code,
    nullif(trim(line.num_iid), '') as product_id,
    {{ visible_text("line.title") }} as title,
    try_cast(line.num as integer) as quantity,
    {{ major_units('line.price') }} as unit_price,
    try_cast(typed.paid as decimal(18, 2)) as line_amount,
    coalesce(shops.currency, 'CNY') as currency,
    case
        -- TRADE_CLOSED on a sub-order: closed after payment; with a successful refund the line was refunded
        when typed.status_raw = 'TRADE_CLOSED' and line.refund_status = 'SUCCESS' then 'refunded'
        when typed.status_raw in ('TRADE_NO_CREATE_PAY', 'WAIT_BUYER_PAY', 'PAY_PENDING', 'WAIT_PRE_AUTH_CONFIRM')
            then 'unpaid'
        when typed.status_raw in ('WAIT_SELLER_SEND_GOODS', 'PAID_FORBID_CONSIGN') then 'paid'
        -- a line never is half shipped in the contract: shipped once it has its own consign time
        when typed.status_raw = 'SELLER_CONSIGNED_PART'
            then case when typed.consign_at is not null then 'shipped' else 'paid' end
        when typed.status_raw in ('WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED') then 'shipped'
        when typed.status_raw = 'TRADE_FINISHED' then 'completed'
        when typed.status_raw in ('TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO') then 'cancelled'
        else 'unknown'
    end as status,
    typed.status_raw,
    typed.consign_at as shipped_at,
    typed.modified_at,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
