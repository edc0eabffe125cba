{{ config(materialized='incremental', unique_key='order_key', incremental_strategy='delete+insert',
          post_hook="{{ record_watermark(ref('int_order_versions')) }}") }}
-- The lines of each order's latest version (see fct_orders): a line dropped from an order disappears here and
-- its removal shows in fct_order_changes.
with touched as (
    {{ touched_keys(ref('int_order_versions'), 'order_key') }}
),

latest as (
    select order_key, landing_file, file_row, business_date, customer_id,
           max(load_id) over (partition by order_key) as last_load_id
    from {{ ref('int_order_versions') }}
    where {{ is_touched('order_key') }}
    qualify row_number() over (
        partition by order_key order by modified_at desc, pulled_at desc, load_id desc, file_row desc) = 1
)

select
    lines.order_line_key,
    lines.order_key,
    lines.platform,
    lines.shop_key,
    lines.order_id,
    lines.line_id,
    lines.sku_id,
    lines.sku_code,
    lines.product_id,
    lines.title,
    lines.quantity,
    lines.unit_price,
    lines.line_amount,
    lines.currency,
    lines.status,
    lines.status_raw,
    lines.shipped_at,
    latest.business_date,
    latest.customer_id,
    latest.last_load_id
from latest
join {{ ref('int_order_line_versions') }} as lines
    on lines.landing_file = latest.landing_file and lines.file_row = latest.file_row
