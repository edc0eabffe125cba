-- The WMS's batches (lots) of each (warehouse, SKU), from the `batches` the adapter attaches to every inventory
-- row (/open/wms/batch/query): one row per landed batch per snapshot, with its expiry date for the
-- first-expired-first-out pick suggestion. A batch row the model cannot read keeps a quarantine_reason.
{%- set shape = '{"wms_co_id": "VARCHAR", "sku_id": "VARCHAR", "batches": [{"batch_no": "VARCHAR",'
    ~ ' "qty": "VARCHAR", "produced_date": "VARCHAR", "expiration_date": "VARCHAR"}]}' %}

with parsed as (
    {{ stock_parsed('wms', shape) }}
),

batches as (
    select parsed.* exclude (j, payload), nullif(trim(j.wms_co_id), '') as location,
           nullif(trim(j.sku_id), '') as sku_code, unnest(j.batches) as batch
    from parsed
    where j is not null
)

select
    'wms' as platform,
    system_key,
    location,
    stock_ref,
    sku_code,
    nullif(trim(batch.batch_no), '') as batch_no,
    {{ stock_count('batch.qty') }} as quantity,
    try_cast(nullif(trim(batch.produced_date), '') as date) as produced_date,
    try_cast(nullif(trim(batch.expiration_date), '') as date) as expiration_date,
    pulled_at as snapshot_at,
    load_id,
    landing_file,
    file_row,
    pull_id,
    case
        when location is null or sku_code is null or nullif(trim(batch.batch_no), '') is null then 'missing_key'
        when {{ stock_count('batch.qty') }} is null then 'unparseable_quantity'
        when {{ stock_count('batch.qty') }} < 0 then 'negative_quantity'
        when (nullif(trim(batch.expiration_date), '') is not null
              and try_cast(nullif(trim(batch.expiration_date), '') as date) is null)
            or (nullif(trim(batch.produced_date), '') is not null
                and try_cast(nullif(trim(batch.produced_date), '') as date) is null) then 'unparseable_date'
    end as quarantine_reason
from batches
