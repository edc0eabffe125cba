-- Every landed record the pipeline could not use, with why and where it is in the landing zone
-- (landing_file + file_row). Nothing is dropped silently: for each stream,
-- landed records = clean versions + rows here (tested by tests/records_in_equal_clean_plus_quarantined.sql).
with from_loader as (
    select stream, platform, shop_key, record_key, record_modified, landing_file, file_row, reason, detail,
           load_id, 'loader' as stage
    from {{ source('landing', 'quarantine') }}
),

from_staging as (
    {%- for platform in var('platforms') %}
    {%- for stream, model, key in [('orders', 'orders', 'order_id'), ('refunds', 'refunds', 'refund_id')] %}
    select '{{ stream }}' as stream, platform, shop_key, {{ key }} as record_key, modified_at as record_modified,
           landing_file, file_row, quarantine_reason as reason, cast(null as varchar) as detail, load_id,
           'staging' as stage
    from {{ ref('stg_' ~ platform ~ '__' ~ model) }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    union all
    {%- endfor %}
    {%- for source_name in var('platforms') + var('stock_systems') %}
    select 'stock', platform, system_key, stock_ref, modified_at, landing_file, file_row, quarantine_reason,
           cast(null as varchar), load_id, 'staging'
    from {{ ref('stg_' ~ source_name ~ '__stock') }}
    where quarantine_reason is not null
    union all
    {%- endfor %}
    -- a batch the WMS listed inside a usable stock record: the record stays, the batch is quarantined
    select 'stock_batches', platform, system_key, stock_ref || ':' || coalesce(batch_no, '?'),
           cast(null as timestamptz), landing_file, file_row, quarantine_reason,
           'batch ' || coalesce(batch_no, '(no batch_no)'), load_id, 'staging'
    from {{ ref('stg_wms__stock_batches') }}
    where quarantine_reason is not null
),

both_stages as (
    select * from from_loader
    union all
    select * from from_staging
)

-- a record with reasons at both stages is one quarantined record: the loader's reason comes first
select * exclude (rank_in_record)
from (
    select *, row_number() over (
        partition by coalesce(landing_file, ''), coalesce(file_row, -1), stream,
                     case when stream = 'stock_batches' then record_key end  -- several batches per record
        order by stage, reason) as rank_in_record
    from both_stages
)
where rank_in_record = 1
