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
    where order_key in (select order_key from touched)
    -- the same version delivered twice (an overlapping window) counts once: the first pull that saw it
    qualify row_number() over (partition by order_key, modified_at order by pulled_at, load_id, file_row) = 1
),

line_items as (
    select landing_file, file_row,
           string_agg(coalesce(sku_code, sku_id) || ' x' || quantity, ', ' order by line_id) as items,
           sum(quantity) as units
    from {{ ref('int_order_line_versions') }}
    where order_key in (select order_key from touched)
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

fields as (
    select * from comparable
    unpivot include nulls (
        new_value for field in (status, paid_amount, total_amount, shipping_fee, address, receiver, skus, quantity)
    )
),

with_previous as (
    select
        fields.*,
        lag(new_value) over (partition by order_key, field order by modified_at) as old_value,
        row_number() over (partition by order_key, field order by modified_at) as position
    from fields
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
from with_previous
where position > 1 and old_value is distinct from new_value
