-- Shopee returns / refunds (v2.returns.get_return_list as the adapter lands it): one row per landed return version.
--
-- Times are epoch seconds; money is a JSON float in major units (IDR/VND whole). Shopee's return record has no
-- approval, goods-returned or refund time: the version's update_time stands for the one its status reports
-- (ACCEPTED -> approved_at, PROCESSING -> goods_returned_at, refunded -> refunded_at, and approved_at too when
-- the case has no return leg); the earliest version in that state is the best estimate. It has no order line id
-- either (items are item_id / model_id): line_id is NULL, sku_id / sku_code are set when the return holds exactly
-- one item. Each payload is parsed once; scalars are read as VARCHAR so ids (return_sn may come as a number)
-- stay exact.
{%- set shape = '{"return_sn": "VARCHAR", "order_sn": "VARCHAR", "reason": "VARCHAR", "text_reason": "VARCHAR",'
    ~ ' "refund_amount": "VARCHAR", "amount_before_discount": "VARCHAR", "currency": "VARCHAR", "status": "VARCHAR",'
    ~ ' "create_time": "VARCHAR", "update_time": "VARCHAR", "tracking_number": "VARCHAR",'
    ~ ' "needs_logistics": "VARCHAR", "return_solution": "VARCHAR",'
    ~ ' "item": [{"item_id": "VARCHAR", "model_id": "VARCHAR", "item_sku": "VARCHAR", "model_sku": "VARCHAR",'
    ~ ' "variation_sku": "VARCHAR", "amount": "VARCHAR", "item_price": "VARCHAR"}]}' %}

with landed as (
    select load_id, landing_file, file_row, platform, shop_key, payload, pull_id, pulled_at
    from {{ landed('refunds', 'shopee') }} as landed_rows
),

parsed as (
    -- one parse per payload: try() turns malformed JSON into NULL instead of failing the build, and json_valid
    -- runs only for those rows (a valid non-object payload such as `null` is not invalid_json)
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
        nullif(trim(j.return_sn), '') as return_sn,
        nullif(trim(j.order_sn), '') as order_sn,
        j.status as status_raw,
        j.reason,
        j.text_reason,
        nullif(trim(j.currency), '') as payload_currency,
        case when try_cast(j.create_time as bigint) <= 32503680000 then j.create_time end as create_time,
        case when try_cast(j.update_time as bigint) <= 32503680000 then j.update_time end as update_time,
        nullif(trim(j.refund_amount), '') as refund_amount_raw,
        nullif(trim(j.amount_before_discount), '') as amount_before_discount_raw,
        coalesce(trim(j.tracking_number), '') <> '' as has_return_tracking,
        -- return_solution (0 / RETURN_REFUND, 1 / REFUND) when present, else needs_logistics (goods go back)
        case
            when upper(trim(j.return_solution)) in ('0', 'RETURN_REFUND') then true
            when upper(trim(j.return_solution)) in ('1', 'REFUND') then false
            else try_cast(j.needs_logistics as boolean)
        end as needs_return,
        j.item as items,
        coalesce(list_bool_or(list_transform(j.item, lambda i:
            nullif(trim(i.item_price), '') is not null and {{ major_units('i.item_price') }} is null
        )), false) as bad_item_price,
        coalesce(list_bool_or(list_transform(j.item, lambda i: {{ major_units('i.item_price') }} < 0)), false)
            as negative_item_price,
        list_sum(list_transform(j.item, lambda i: try_cast(i.amount as integer))) as quantity
    from parsed
),

typed as (
    select
        fields.*,
        case status_raw
            when 'REQUESTED' then 'requested'
            -- seller accepted: goods to come back, or (refund only, no goods to return) the refund is granted
            when 'ACCEPTED' then case when needs_return = false then 'refunded' else 'waiting_buyer_return' end
            when 'PROCESSING' then 'waiting_seller_receipt'  -- the buyer has sent the goods back
            when 'JUDGING' then 'requested'  -- in Shopee's dispute review: no decision yet
            when 'SELLER_DISPUTE' then 'requested'  -- the seller disputed: no decision yet
            when 'REFUND_PAID' then 'refunded'
            when 'CLOSED' then 'rejected'  -- closed without a refund (seller / dispute outcome)
            when 'CANCELLED' then 'closed'  -- withdrawn by the buyer
            else 'unknown'
        end as status,
        case
            when needs_return then 'return_and_refund'
            -- Shopee's returns all follow shipment: a refund before shipping is an order cancellation there
            when needs_return = false then 'refund_after_shipping'
            -- neither field sent: a return parcel or a return-only state shows that goods go back
            when has_return_tracking or status_raw in ('ACCEPTED', 'PROCESSING') then 'return_and_refund'
            else 'unknown'
        end as refund_type,
        {{ epoch_time('create_time') }} as created_at,
        {{ epoch_time('update_time') }} as modified_at,
        {{ major_units('refund_amount_raw') }} as amount,
        {{ major_units('amount_before_discount_raw') }} as amount_before_discount,
        case when len(items) = 1 then items[1] end as only_item
    from fields
)

select
    typed.platform,
    typed.shop_key,
    typed.return_sn as refund_id,
    typed.order_sn as order_id,
    cast(null as varchar) as line_id,
    coalesce(nullif(typed.only_item.model_id, '0'), typed.only_item.item_id) as sku_id,
    coalesce(
        nullif(trim(typed.only_item.model_sku), ''),
        nullif(trim(typed.only_item.variation_sku), ''),
        nullif(trim(typed.only_item.item_sku), '')
    ) as sku_code,
    typed.refund_type,
    typed.status,
    typed.status_raw,
    typed.reason as reason_code,
    typed.text_reason as reason_text,
    typed.amount,
    coalesce(typed.payload_currency, shops.currency) as currency,
    cast(typed.quantity as integer) as quantity,
    typed.created_at,
    -- a refund with no return leg is approved and paid in one step
    case
        when typed.status_raw = 'ACCEPTED' then typed.modified_at
        when typed.status = 'refunded' and typed.refund_type <> 'return_and_refund' then typed.modified_at
    end as approved_at,
    case when typed.status_raw = 'PROCESSING' then typed.modified_at end as goods_returned_at,
    case when typed.status = 'refunded' then typed.modified_at end as refunded_at,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.return_sn is null or typed.order_sn is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when {{ implausible_times('typed.created_at', 'typed.modified_at') }} then 'implausible_time'
        when (typed.refund_amount_raw is not null and typed.amount is null)
            or (typed.amount_before_discount_raw is not null and typed.amount_before_discount is null)
            or typed.bad_item_price then 'unparseable_amount'
        when typed.amount < 0 or typed.amount_before_discount < 0 or typed.negative_item_price then 'negative_amount'
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
