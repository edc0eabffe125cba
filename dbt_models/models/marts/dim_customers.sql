-- One row per customer across platforms (the keyed customer_id from the receiver's phone, see
-- order_pipeline/cleaning/customers.py), with masked contact data of the latest order and the tags the
-- operations team uses. Thresholds are dbt vars (dbt_project.yml).
{% set as_of = var('as_of', none) %}
with orders as (
    select o.*, o.paid_amount * rates.cny_per_unit as paid_cny
    from {{ ref('fct_orders') }} as o
    left join {{ ref('currency_rates') }} as rates using (currency)
    where o.customer_id is not null
),

refunds as (
    select o.customer_id, count(*) as refunds
    from {{ ref('fct_refunds') }} as r
    join {{ ref('fct_orders') }} as o using (order_key)
    where o.customer_id is not null and r.status not in ('rejected', 'closed')
    group by o.customer_id
),

latest as (
    select customer_id, receiver_name_masked, phone_masked, province, city, district, remote_area
    from orders
    qualify row_number() over (partition by customer_id order by created_at desc, order_key desc) = 1
),

totals as (
    select
        customer_id,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        count(*) as orders,
        count(*) filter (where status <> 'cancelled') as orders_not_cancelled,
        count(distinct platform) as platform_count,
        string_agg(distinct platform, ',' order by platform) as platforms,
        cast(sum(paid_cny) filter (where status not in ('unpaid', 'cancelled')) as decimal(18, 2)) as spend_cny
    from orders
    group by customer_id
),

tagged as (
    select
        totals.*,
        latest.* exclude (customer_id),
        coalesce(refunds.refunds, 0) as refunds,
        coalesce(refunds.refunds, 0) / greatest(totals.orders_not_cancelled, 1) as refund_rate,
        coalesce(totals.spend_cny, 0) >= {{ var('vip_min_spend_cny') }} as is_vip,
        coalesce(refunds.refunds, 0) >= {{ var('frequent_returner_min_refunds') }}
            and coalesce(refunds.refunds, 0) / greatest(totals.orders_not_cancelled, 1)
                >= {{ var('frequent_returner_min_rate') }} as is_frequent_returner,
        coalesce(latest.remote_area, false) as is_remote_area,
        totals.last_order_at < {% if as_of %}cast('{{ as_of }}' as timestamptz){% else %}now(){% endif %}
            - interval '{{ var("dormant_after_days") }} days' as is_dormant
    from totals
    join latest using (customer_id)
    left join refunds using (customer_id)
)

select
    customer_id,
    receiver_name_masked,
    phone_masked,
    province,
    city,
    district,
    first_order_at,
    last_order_at,
    orders,
    platform_count,
    platforms,
    spend_cny,
    refunds,
    refund_rate,
    is_vip,
    is_frequent_returner,
    is_remote_area,
    is_dormant,
    list_filter([
        case when is_vip then 'vip' end,
        case when is_frequent_returner then 'frequent_returner' end,
        case when is_remote_area then 'remote_area' end,
        case when is_dormant then 'dormant' end
    ], lambda t: t is not null) as tags
from tagged
