{{ config(materialized='incremental', unique_key='order_key', incremental_strategy='delete+insert',
          post_hook="{{ record_watermark(ref('int_order_versions')) }}") }}
-- One row per order, all platforms: its latest version (by the platform's modified time; for equal times the
-- later pull wins), the lines of that version summed, and the masked receiver of that version.
with touched as (
    {{ touched_keys(ref('int_order_versions'), 'order_key') }}
),

versions as (
    select v.* from {{ ref('int_order_versions') }} as v
    where {{ is_touched('v.order_key') }}
),

history as (
    select order_key, count(distinct modified_at) as version_count, min(pulled_at) as first_seen_at,
           max(load_id) as last_load_id
    from versions group by order_key
),

latest as (
    select * from versions
    qualify row_number() over (
        partition by order_key order by modified_at desc, pulled_at desc, load_id desc, file_row desc) = 1
),

lines as (
    -- the lines of the latest versions only (a third of the line versions)
    select l.landing_file, l.file_row, count(*) as lines, sum(l.quantity) as units,
           sum(l.line_amount) as lines_amount
    from {{ ref('int_order_line_versions') }} as l
    semi join latest on latest.landing_file = l.landing_file and latest.file_row = l.file_row
    group by l.landing_file, l.file_row
)

select
    latest.order_key,
    latest.platform,
    latest.shop_key,
    latest.order_id,
    latest.status,
    latest.status_raw,
    latest.currency,
    latest.goods_amount,
    latest.shipping_fee,
    latest.discount_amount,
    latest.total_amount,
    latest.paid_amount,
    coalesce(lines.lines_amount, 0) as lines_amount,
    abs(latest.paid_amount - coalesce(lines.lines_amount, 0) - coalesce(latest.shipping_fee, 0))
        as order_total_gap,
    -- a platform rounds each discounted unit price to its smallest currency unit: one unit per item sold
    cast(coalesce(currencies.minor_unit, 0.01) * greatest(coalesce(lines.units, 0), 1) as decimal(18, 2))
        as order_total_tolerance,
    coalesce(lines.lines, 0) as line_count,
    coalesce(lines.units, 0) as units,
    latest.created_at,
    latest.paid_at,
    latest.shipped_at,
    latest.completed_at,
    latest.cancelled_at,
    latest.ship_by,
    latest.modified_at,
    latest.business_date,
    latest.customer_id,
    latest.receiver_name_masked,
    latest.phone_masked,
    latest.phone_valid,
    latest.province,
    latest.city,
    latest.district,
    latest.postcode,
    latest.postcode_valid,
    latest.address_valid,
    latest.remote_area,
    latest.buyer_message_present,
    latest.risk_flag,
    history.version_count,
    history.first_seen_at,
    latest.pulled_at as last_pulled_at,
    latest.pull_id as last_pull_id,
    latest.landing_file,
    latest.file_row,
    history.last_load_id
from latest
join history using (order_key)
left join lines on lines.landing_file = latest.landing_file and lines.file_row = latest.file_row
left join {{ ref('currency_rates') }} as currencies on currencies.currency = latest.currency
