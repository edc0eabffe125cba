-- Shopee Open API v2 orders (v2.order.get_order_detail as the adapter lands it): one row per landed order version.
--
-- Times are epoch seconds (instants, so no zone conversion; 0 means "not yet"). Money is a JSON float in major
-- units of the shop's currency (IDR/VND whole numbers). Optional detail fields are ABSENT unless the adapter
-- named them in response_optional_fields: an absent field stays NULL here, it is never guessed.
--
-- Each payload is parsed once (try(from_json) into the shape below: scalars read as VARCHAR keep the raw JSON
-- text, so ids are exact and a bad amount stays visible for the quarantine check).
{%- set shape = '{"order_sn": "VARCHAR", "currency": "VARCHAR", "order_status": "VARCHAR",'
    ~ ' "create_time": "VARCHAR", "update_time": "VARCHAR", "pay_time": "VARCHAR", "pickup_done_time": "VARCHAR",'
    ~ ' "ship_by_date": "VARCHAR", "total_amount": "VARCHAR", "estimated_shipping_fee": "VARCHAR",'
    ~ ' "actual_shipping_fee": "VARCHAR", "message_to_seller": "VARCHAR",'
    ~ ' "item_list": [{"model_quantity_purchased": "VARCHAR", "model_original_price": "VARCHAR",'
    ~ ' "model_discounted_price": "VARCHAR"}],'
    ~ ' "package_list": [{"logistics_status": "VARCHAR"}]}' %}
{#- Epoch fields: beyond year 3000 is a client bug, and to_timestamp would raise instead of returning NULL. -#}
{%- set epoch_fields = ['create_time', 'update_time', 'pay_time', 'pickup_done_time', 'ship_by_date'] %}
{#- Package states in which the parcel has been handed to the carrier (v2 PackageFulfillmentStatus). -#}
{%- set handed_over = "('LOGISTICS_PICKUP_DONE', 'LOGISTICS_DELIVERY_DONE', 'LOGISTICS_DELIVERY_FAILED', 'LOGISTICS_LOST')" %}

with landed as (
    select load_id, landing_file, file_row, platform, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'shopee') }} as landed_rows
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
        nullif(trim(j.order_sn), '') as order_sn,
        nullif(trim(j.currency), '') as payload_currency,
        j.order_status,
        {%- for f in epoch_fields %}
        case when try_cast(j.{{ f }} as bigint) <= 32503680000 then j.{{ f }} end as {{ f }},
        {%- endfor %}
        nullif(trim(j.total_amount), '') as total_amount_raw,
        nullif(trim(j.estimated_shipping_fee), '') as shipping_fee_raw,
        nullif(trim(j.actual_shipping_fee), '') as actual_shipping_fee_raw,
        j.message_to_seller,
        len(j.item_list) as line_count,
        {{ lines_problem('j.item_list', 'model_quantity_purchased') }} as lines_problem,
        -- list price x quantity per line, NULL where either is unreadable
        list_transform(j.item_list, lambda i:
            {{ major_units('i.model_original_price') }} * try_cast(i.model_quantity_purchased as integer)
        ) as line_list_amounts,
        -- any line price present but not numeric / negative
        coalesce(list_bool_or(list_transform(j.item_list, lambda i:
            (nullif(trim(i.model_original_price), '') is not null and {{ major_units('i.model_original_price') }} is null)
            or (nullif(trim(i.model_discounted_price), '') is not null
                and {{ major_units('i.model_discounted_price') }} is null)
        )), false) as bad_line_amount,
        coalesce(list_bool_or(list_transform(j.item_list, lambda i:
            {{ major_units('i.model_original_price') }} < 0 or {{ major_units('i.model_discounted_price') }} < 0
        )), false) as negative_line_amount,
        coalesce(list_bool_or(list_transform(j.package_list, lambda p:
            p.logistics_status in {{ handed_over }}
        )), false) as any_package_handed_over
    from parsed
),

typed as (
    select
        fields.*,
        case order_status
            when 'UNPAID' then 'unpaid'
            when 'READY_TO_SHIP' then 'paid'
            -- PROCESSED: shipment arranged, tracking number issued, parcel not yet with the carrier. Shopee has no
            -- partial-shipment status: a split order whose first parcel is already handed over stays PROCESSED.
            when 'PROCESSED' then case when any_package_handed_over then 'partly_shipped' else 'paid' end
            when 'RETRY_SHIP' then 'paid'  -- 3PL pickup failed, shipment to be re-arranged
            when 'INVOICE_PENDING' then 'paid'  -- BR: paid, waiting for the seller's invoice before shipping
            when 'IN_CANCEL' then 'paid'  -- buyer asked to cancel, seller has not answered: still to ship
            when 'SHIPPED' then 'shipped'
            when 'TO_CONFIRM_RECEIVE' then 'shipped'  -- delivered, buyer has not confirmed receipt
            when 'TO_RETURN' then 'shipped'  -- delivered, a return is in progress: neither completed nor cancelled
            when 'COMPLETED' then 'completed'
            when 'CANCELLED' then 'cancelled'
            else 'unknown'
        end as status,
        {{ epoch_time('create_time') }} as created_at,
        {{ epoch_time('update_time') }} as modified_at,
        {{ major_units('total_amount_raw') }} as paid_amount,
        {{ major_units('shipping_fee_raw') }} as shipping_fee,
        {{ major_units('actual_shipping_fee_raw') }} as actual_shipping_fee,
        case
            when len(line_list_amounts) = list_count(line_list_amounts)
                then try_cast(coalesce(list_sum(line_list_amounts), 0) as decimal(18, 2))
        end as goods_amount
    from fields
)

select
    typed.platform,
    typed.shop_key,
    typed.order_sn as order_id,
    typed.status,
    typed.order_status as status_raw,
    coalesce(typed.payload_currency, shops.currency) as currency,
    typed.goods_amount,
    typed.shipping_fee,
    -- Shopee sends no order-level discount: everything between list price + shipping and what the buyer pays
    -- (seller discounts, vouchers, coins) is the discount.
    try_cast(typed.goods_amount + coalesce(typed.shipping_fee, 0) - typed.paid_amount as decimal(18, 2))
        as discount_amount,
    try_cast(typed.goods_amount + coalesce(typed.shipping_fee, 0) as decimal(18, 2)) as total_amount,
    typed.paid_amount,
    typed.created_at,
    {{ epoch_time('typed.pay_time') }} as paid_at,
    {{ epoch_time('typed.pickup_done_time') }} as shipped_at,
    -- Shopee sends no completion or cancellation time: the version's update_time stands for it on the versions
    -- in that (terminal) state; the earliest such version is the best estimate.
    case when typed.order_status = 'COMPLETED' then typed.modified_at end as completed_at,
    case when typed.order_status = 'CANCELLED' then typed.modified_at end as cancelled_at,
    {{ epoch_time('typed.ship_by_date') }} as ship_by,
    typed.modified_at,
    {{ business_date('typed.created_at') }} as business_date,
    cast(typed.line_count as integer) as line_count,
    case when typed.is_json then coalesce(typed.message_to_seller, '') <> '' end as buyer_message_present,
    case when typed.is_json then false end as risk_flag,  -- Shopee exposes no risk / fraud hold on orders
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.order_sn is null then 'missing_key'
        when typed.created_at is null or typed.modified_at is null then 'unparseable_time'
        when {{ implausible_times('typed.created_at', 'typed.modified_at', epoch_time('typed.pay_time')) }}
            then 'implausible_time'
        when (typed.total_amount_raw is not null and typed.paid_amount is null)
            or (typed.shipping_fee_raw is not null and typed.shipping_fee is null)
            or (typed.actual_shipping_fee_raw is not null and typed.actual_shipping_fee is null)
            or typed.bad_line_amount then 'unparseable_amount'
        when typed.paid_amount < 0 or typed.shipping_fee < 0 or typed.actual_shipping_fee < 0
            or typed.negative_line_amount then 'negative_amount'
        else typed.lines_problem
    end as quarantine_reason
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
