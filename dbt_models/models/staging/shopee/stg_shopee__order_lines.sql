-- Shopee order items (`item_list` of v2.order.get_order_detail): one row per item per landed order version, from
-- order versions whose payload is valid JSON (a bad order is quarantined in stg_shopee__orders instead).
--
-- Shopee items carry no status and no shipping time of their own: the line status follows the order status,
-- except in PROCESSED (Shopee's state for "parcel handed over in part" too), where an item counts as shipped
-- when a package holding it is already with the carrier. Ids stay the platform's JSON text (never a double).
{%- set shape = '{"order_sn": "VARCHAR", "currency": "VARCHAR", "order_status": "VARCHAR",'
    ~ ' "update_time": "VARCHAR", "pickup_done_time": "VARCHAR",'
    ~ ' "item_list": [{"item_id": "VARCHAR", "item_name": "VARCHAR", "item_sku": "VARCHAR", "model_id": "VARCHAR",'
    ~ ' "model_sku": "VARCHAR", "model_quantity_purchased": "VARCHAR", "model_original_price": "VARCHAR",'
    ~ ' "model_discounted_price": "VARCHAR", "order_item_id": "VARCHAR"}],'
    ~ ' "package_list": [{"logistics_status": "VARCHAR", "item_list": [{"item_id": "VARCHAR", "model_id": "VARCHAR"}]}]}' %}
{%- set handed_over = "('LOGISTICS_PICKUP_DONE', 'LOGISTICS_DELIVERY_DONE', 'LOGISTICS_DELIVERY_FAILED', 'LOGISTICS_LOST')" %}

with landed as (
    select load_id, landing_file, file_row, platform, shop_key, payload, pull_id, pulled_at
    from {{ landed('orders', 'shopee') }} as landed_rows
),

parsed as (
    -- one parse per payload; malformed JSON gives NULL (try), hence no item_list to unnest and no lines
    select landed.* exclude (payload), try(from_json(payload, '{{ shape }}')) as j
    from landed
),

orders as (
    select
        parsed.* exclude (j),
        nullif(trim(j.order_sn), '') as order_id,
        nullif(trim(j.currency), '') as payload_currency,
        j.order_status,
        case when try_cast(j.update_time as bigint) <= 32503680000 then j.update_time end as update_time,
        case when try_cast(j.pickup_done_time as bigint) <= 32503680000 then j.pickup_done_time end
            as pickup_done_time,
        -- order_item_id is shared by the items of one bundle deal: such items get the model id appended
        list_transform(j.item_list, lambda i: i.order_item_id) as order_item_ids,
        list_transform(j.item_list, lambda i: i.order_item_id || '-' || i.model_id) as order_item_model_ids,
        -- item_id:model_id of every item in a package already handed to the carrier (needed in PROCESSED only)
        case when j.order_status = 'PROCESSED' then flatten(list_transform(
            list_filter(j.package_list, lambda p: p.logistics_status in {{ handed_over }}),
            lambda p: list_transform(p.item_list, lambda x: x.item_id || ':' || x.model_id)
        )) end as handed_over_items,
        j.item_list
    from parsed
),

lines as (
    select
        orders.* exclude (item_list),
        unnest(orders.item_list) as item,
        generate_subscripts(orders.item_list, 1) as item_position
    from orders
),

typed as (
    select
        lines.*,
        -- an item without order_item_id (never in a well-formed order) is keyed by its position, as JD keys a
        -- line without SKU: the line and its order version stay in, and the key cannot collide with an id
        coalesce(case
            when len(list_distinct(order_item_ids)) = len(order_item_ids) then item.order_item_id  -- the usual case
            when list_count(list_filter(order_item_ids, lambda x: x = item.order_item_id)) = 1
                then item.order_item_id
            when list_count(list_filter(order_item_model_ids, lambda x: x = item.order_item_id || '-' || item.model_id)) = 1
                then item.order_item_id || '-' || item.model_id
            -- the same model twice under one order_item_id (e.g. a gift): its position in item_list decides
            else item.order_item_id || '-' || item.model_id || '-' || item_position
        end, '#' || item_position) as line_id,
        case order_status
            when 'UNPAID' then 'unpaid'
            when 'READY_TO_SHIP' then 'paid'
            when 'PROCESSED' then
                case when list_contains(handed_over_items, item.item_id || ':' || item.model_id) then 'shipped'
                    else 'paid' end
            when 'RETRY_SHIP' then 'paid'
            when 'INVOICE_PENDING' then 'paid'
            when 'IN_CANCEL' then 'paid'
            when 'SHIPPED' then 'shipped'
            when 'TO_CONFIRM_RECEIVE' then 'shipped'
            when 'TO_RETURN' then 'shipped'
            when 'COMPLETED' then 'completed'
            when 'CANCELLED' then 'cancelled'
            else 'unknown'
        end as status,
        try_cast(item.model_quantity_purchased as integer) as quantity,
        {{ major_units('item.model_original_price') }} as unit_price,
        {{ major_units('item.model_discounted_price') }} as discounted_unit_price
    from lines
)

select
    typed.platform,
    typed.shop_key,
    typed.order_id,
    typed.line_id,
    -- a product without variations has model_id 0 on Shopee: the item itself is the SKU
    coalesce(nullif(typed.item.model_id, '0'), typed.item.item_id) as sku_id,
    coalesce(nullif(trim(typed.item.model_sku), ''), nullif(trim(typed.item.item_sku), '')) as sku_code,
    typed.item.item_id as product_id,
    {{ visible_text("typed.item.item_name") }} as title,
    typed.quantity,
    typed.unit_price,
    -- what the buyer pays for the line before order-level vouchers (Shopee prices items, not lines)
    try_cast(typed.discounted_unit_price * typed.quantity as decimal(18, 2)) as line_amount,
    coalesce(typed.payload_currency, shops.currency) as currency,
    typed.status,
    typed.order_status as status_raw,
    -- Shopee's only shipping time is the order's pickup_done_time (an optional field)
    case when typed.status in ('shipped', 'completed') then {{ epoch_time('typed.pickup_done_time') }} end
        as shipped_at,
    {{ epoch_time('typed.update_time') }} as modified_at,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at
from typed
left join {{ source('landing', 'shops') }} as shops on shops.shop_key = typed.shop_key
