{{ config(materialized='incremental', unique_key='refund_key', incremental_strategy='delete+insert',
          post_hook="{{ record_watermark(ref('int_refund_versions')) }}") }}
-- One row per refund / return / after-sale case, all platforms: its latest version. Stage times a platform
-- does not send are taken from the first version that showed the stage.
with touched as (
    {{ touched_keys(ref('int_refund_versions'), 'refund_key') }}
),

versions as (
    select * from {{ ref('int_refund_versions') }}
    where {{ is_touched('refund_key') }}
),

stages as (
    select
        refund_key,
        max(load_id) as last_load_id,
        count(distinct modified_at) as version_count,
        min(modified_at) filter (where status in ('waiting_buyer_return', 'waiting_seller_receipt', 'refunded'))
            as first_approved_at,
        min(modified_at) filter (where status = 'waiting_seller_receipt') as first_goods_returned_at,
        min(modified_at) filter (where status = 'refunded') as first_refunded_at
    from versions group by refund_key
),

latest as (
    select * from versions
    qualify row_number() over (
        partition by refund_key order by modified_at desc, pulled_at desc, load_id desc, file_row desc) = 1
)

select
    latest.refund_key,
    latest.order_key,
    latest.platform,
    latest.shop_key,
    latest.refund_id,
    latest.order_id,
    latest.line_id,
    latest.sku_id,
    latest.sku_code,
    latest.refund_type,
    latest.status,
    latest.status_raw,
    latest.reason_code,
    latest.reason_text,
    latest.amount,
    latest.currency,
    latest.quantity,
    latest.created_at,
    coalesce(latest.approved_at, stages.first_approved_at) as approved_at,
    coalesce(latest.goods_returned_at, stages.first_goods_returned_at) as goods_returned_at,
    coalesce(latest.refunded_at, stages.first_refunded_at) as refunded_at,
    latest.modified_at,
    latest.business_date,
    stages.version_count,
    latest.pull_id as last_pull_id,
    latest.landing_file,
    latest.file_row,
    stages.last_load_id
from latest
join stages using (refund_key)
