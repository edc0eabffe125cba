-- Nothing is lost: every landed order, refund or stock record is either a clean version or a quarantined one, never
-- both and never neither. Rows returned = streams where the books do not balance.
with landed as (
    select 'orders' as stream, count(*) as records from {{ source('landing', 'orders') }}
    union all
    select 'refunds', count(*) from {{ source('landing', 'refunds') }}
    union all
    select 'stock', count(*) from {{ source('landing', 'stock') }}
),

clean as (
    select 'orders' as stream, count(*) as records from {{ ref('int_order_versions') }}
    union all
    select 'refunds', count(*) from {{ ref('int_refund_versions') }}
    union all
    select 'stock', count(*) from {{ ref('int_stock_snapshots') }}
),

quarantined as (
    select stream, count(*) as records from {{ ref('fct_quarantine') }}
    where file_row is not null  -- whole unreadable files have no rows in the landing tables
    group by stream
)

select landed.stream, landed.records as landed, clean.records as clean, coalesce(q.records, 0) as quarantined
from landed
join clean using (stream)
left join quarantined as q using (stream)
where landed.records <> clean.records + coalesce(q.records, 0)
