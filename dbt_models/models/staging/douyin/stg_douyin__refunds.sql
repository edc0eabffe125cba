-- Douyin after-sale cases (afterSale.List items), one row per landed version. The adapter lands the whole
-- item: `aftersale_info` (the case), and on the real platform also `order_info` (shop order id and the related
-- sku orders) and `text_part` (labels); an item without the `aftersale_info` wrapper is read flat, as the
-- adapter's record_key does. Money is integer fen, times epoch seconds (0 = "not yet").
-- The platform sends no approval or goods-received time: fct_refunds takes them from the first version that
-- showed the stage.
with landed as (
    select load_id, landing_file, file_row, shop_key, payload, pull_id, pulled_at
    from {{ landed('refunds', 'douyin') }} as landed_rows
),

{%- set case_fields = [
    'aftersale_id', 'order_id', 'sku_order_id', 'related_id', 'sku_id', 'sku_code', 'aftersale_type',
    'aftersale_status', 'refund_status', 'refund_amount', 'reason', 'reason_remark', 'apply_time', 'create_time',
    'update_time', 'refund_time', 'item_num', 'aftersale_num'
] %}

parsed as (
    select
        landed.* exclude (payload),
        try(json_transform(payload, '{
            "aftersale_info": { {%- for f in case_fields %}"{{ f }}": "VARCHAR"{{ ", " if not loop.last }}{% endfor -%} },
            {% for f in case_fields %}"{{ f }}": "VARCHAR", {% endfor %}
            "order_info": {"shop_order_id": "VARCHAR", "related_order_info": [ {
                "sku_order_id": "VARCHAR", "sku_id": "VARCHAR", "shop_sku_code": "VARCHAR",
                "aftersale_item_num": "VARCHAR", "item_num": "VARCHAR"
            } ]},
            "text_part": {"reason_text": "VARCHAR"}
        }')) as j,
        payload
    from landed
),

raw as (
    select
        parsed.* exclude (j, payload),
        case when j is not null then true else coalesce(json_valid(payload), false) end as is_json,
        -- the case fields: inside aftersale_info when the item has it, else at the item's top level
        -- (blank is absent; ids are kept exactly as sent, status codes trimmed, the buyer's texts kept as sent)
        {%- for f in case_fields %}
        {%- set value = 'case when j.aftersale_info is not null then j.aftersale_info.' ~ f ~ ' else j.' ~ f ~ ' end' %}
        {%- if f in ('reason', 'reason_remark') %}
        {{ value }} as {{ f }},
        {%- elif f in ('aftersale_type', 'aftersale_status', 'refund_status') %}
        nullif(trim({{ value }}), '') as {{ f }},
        {%- else %}
        nullif({{ value }}, '') as {{ f }},
        {%- endif %}
        {%- endfor %}
        j.order_info.shop_order_id as info_order_id,
        j.order_info.related_order_info[1] as related,
        nullif(trim(j.text_part.reason_text), '') as reason_label
    from parsed
),

fields as (
    select
        raw.* exclude (
            order_id, sku_id, sku_code, apply_time, create_time, update_time, refund_time, refund_amount
        ),
        coalesce(order_id, nullif(info_order_id, '')) as order_id,
        coalesce(sku_order_id, nullif(related.sku_order_id, ''), related_id) as line_id,
        coalesce(sku_id, nullif(related.sku_id, '')) as sku_id,
        coalesce(sku_code, nullif(related.shop_sku_code, '')) as sku_code,
        coalesce(try_cast(item_num as integer), try_cast(aftersale_num as integer),
            try_cast(related.aftersale_item_num as integer)) as quantity,
        refund_amount as amount_raw,
        case when abs(try_cast(refund_amount as decimal(38, 0))) < 1e16 then refund_amount end as refund_amount,
        case when try_cast(coalesce(apply_time, create_time) as bigint) between 1 and 253402300799
            then coalesce(apply_time, create_time) end as apply_time,
        case when try_cast(update_time as bigint) between 1 and 253402300799 then update_time end as update_time,
        case when try_cast(refund_time as bigint) between 1 and 253402300799 then refund_time end as refund_time
    from raw
),

typed as (
    select
        fields.*,
        {{ minor_units('refund_amount') }} as amount,
        {{ epoch_time('apply_time') }} as created_at,
        {{ epoch_time('update_time') }} as modified_at,
        {{ epoch_time('refund_time') }} as refunded_at
    from fields
)

select
    'douyin' as platform,
    typed.shop_key,
    typed.aftersale_id as refund_id,
    typed.order_id,
    typed.line_id,
    typed.sku_id,
    typed.sku_code,
    case typed.aftersale_type
        when '0' then 'return_and_refund'  -- 退货退款
        when '1' then 'refund_after_shipping'  -- 已发货仅退款
        when '2' then 'refund_before_shipping'  -- 未发货仅退款
        when '3' then 'exchange'  -- 换货
        when '6' then 'price_protection'  -- 价保
        when '7' then 'exchange'  -- 补寄 (resend): settled with goods, not money
        when '8' then 'exchange'  -- 维修 (repair): goods back and forth, no money
        when '4' then 'refund_before_shipping'  -- 系统取消 (order's after_sale_info enum): cancelled before shipping
        when '5' then 'refund_before_shipping'  -- 用户取消 (order's after_sale_info enum)
        else 'unknown'
    end as refund_type,
    case typed.aftersale_status
        when '6' then 'requested'  -- 待商家同意
        when '0' then 'requested'  -- 售后初始化 (order's after_sale_info enum)
        when '7' then 'waiting_buyer_return'  -- 待买家退货
        when '11' then 'waiting_seller_receipt'  -- 待商家二次同意: buyer sent the goods back
        when '8' then 'waiting_seller_receipt'  -- 待商家发货: exchange / resend / repair, seller ships
        when '3' then 'waiting_seller_receipt'  -- 换货待买家收货 (output enum)
        when '13' then 'waiting_seller_receipt'  -- 换货/补寄/维修待买家收货 (filter enum)
        when '12' then 'refunded'  -- 售后成功
        when '14' then 'refunded'  -- 换货/补寄/维修成功
        when '51' then 'refunded'  -- 取消成功 (order's after_sale_info enum)
        when '53' then 'refunded'  -- 逆向交易完成 (order's after_sale_info enum)
        when '27' then 'rejected'  -- 商家一次拒绝 (refused the request)
        when '29' then 'rejected'  -- 商家二次拒绝 (refused after the return)
        when '28' then 'closed'  -- 售后失败: withdrawn / closed
        else 'unknown'
    end as status,
    typed.aftersale_status as status_raw,
    coalesce(nullif(trim(typed.reason), ''), typed.reason_label) as reason_code,
    typed.reason_remark as reason_text,
    typed.amount,
    coalesce(shops.currency, 'CNY') as currency,
    typed.quantity,
    typed.created_at,
    cast(null as timestamptz) as approved_at,
    cast(null as timestamptz) as goods_returned_at,
    typed.refunded_at,
    typed.modified_at,
    {{ business_date('typed.created_at', "coalesce(shops.timezone, 'Asia/Shanghai')") }} as business_date,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.aftersale_id is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when {{ implausible_times('typed.created_at', 'typed.modified_at') }} then 'implausible_time'
        when typed.amount_raw is not null and typed.amount is null then 'unparseable_amount'
        when typed.amount < 0 then 'negative_amount'
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
