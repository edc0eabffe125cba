{{ config(materialized='incremental', unique_key='order_key', incremental_strategy='delete+insert',
          post_hook="{{ record_watermark(ref('int_order_versions')) }}") }}
-- The audit trail (留痕): every field-level change of every order between consecutive versions, with the old
-- and new value, the platform's modification time, when our pull observed it and which pull that was.
-- Recomputed per touched order from its whole version history, so a rerun or a duplicate delivery adds no row
-- and a late-arriving older version slots in where it belongs.
with touched as (
    {{ touched_keys(ref('int_order_versions'), 'order_key') }}
),

versions as (
    select * from {{ ref('int_order_versions') }}
    where {{ is_touched('order_key') }}
    -- the same version delivered twice (an overlapping window) counts once: the first pull that saw it
    qualify row_number() over (partition by order_key, modified_at order by pulled_at, load_id, file_row) = 1
),

line_items as (
    select landing_file, file_row,
           string_agg(coalesce(sku_code, sku_id) || ' x' || quantity, ', ' order by line_id) as items,
           sum(quantity) as units
    from {{ ref('int_order_line_versions') }}
    where {{ is_touched('order_key') }}
    group by landing_file, file_row
),

comparable as (
    select
        v.order_key, v.platform, v.shop_key, v.order_id, v.modified_at, v.pulled_at, v.pull_id, v.load_id,
        v.status,
        cast(v.paid_amount as varchar) as paid_amount,
        cast(v.total_amount as varchar) as total_amount,
        cast(v.shipping_fee as varchar) as shipping_fee,
        -- no street address here, ever: the division names and the keyed hash show that it changed
        concat_ws('/', v.province, v.city, v.district) || ' ' || coalesce(v.address_hash, '') as address,
        v.customer_id as receiver,
        li.items as skus,
        cast(li.units as varchar) as quantity
    from versions as v
    left join line_items as li on li.landing_file = v.landing_file and li.file_row = v.file_row
),

with_previous as (
    -- one window over the versions (not one per field over eight times as many rows): each version next to the
    -- previous one of its order
    select
        comparable.*,
        row_number() over by_order as position,
        lag(status) over by_order as old_status,
        lag(paid_amount) over by_order as old_paid_amount,
        lag(total_amount) over by_order as old_total_amount,
        lag(shipping_fee) over by_order as old_shipping_fee,
        lag(address) over by_order as old_address,
        lag(receiver) over by_order as old_receiver,
        lag(skus) over by_order as old_skus,
        lag(quantity) over by_order as old_quantity
    from comparable
    window by_order as (partition by order_key order by modified_at)
),

fields as (
    select
        order_key, platform, shop_key, order_id, modified_at, pulled_at, pull_id, load_id,
        unnest([
            {'field': 'status', 'old_value': old_status, 'new_value': status},
            {'field': 'paid_amount', 'old_value': old_paid_amount, 'new_value': paid_amount},
            {'field': 'total_amount', 'old_value': old_total_amount, 'new_value': total_amount},
            {'field': 'shipping_fee', 'old_value': old_shipping_fee, 'new_value': shipping_fee},
            {'field': 'address', 'old_value': old_address, 'new_value': address},
            {'field': 'receiver', 'old_value': old_receiver, 'new_value': receiver},
            {'field': 'skus', 'old_value': old_skus, 'new_value': skus},
            {'field': 'quantity', 'old_value': old_quantity, 'new_value': quantity}
        ], recursive := true)
    from with_previous
    where position > 1
)

select
    order_key || ':' || field || ':' || cast(epoch_us(modified_at) as varchar) as change_key,
    order_key,
    platform,
    shop_key,
    order_id,
    field,
    old_value,
    new_value,
    modified_at as changed_at,
    pulled_at as observed_at,
    pull_id,
    max(load_id) over (partition by order_key) as last_load_id
from fields
where old_value is distinct from new_value
