{{ config(materialized='incremental', unique_key='load_id', incremental_strategy='delete+insert') }}
-- The warehouse system's batches (lots) with their expiry dates, per snapshot: what first-expired-first-out
-- picking and the expiry alerts read (F9). Same history rule as fct_inventory_snapshots: a system's batches at
-- an instant are those of its latest snapshot at or before it.
select
    'wms' as system,
    system_key,
    location,
    sku_code,
    batch_no,
    quantity,
    produced_date,
    expiration_date,
    snapshot_at,
    pull_id,
    landing_file,
    file_row,
    load_id
from {{ ref('stg_wms__stock_batches') }}
where quarantine_reason is null and {{ new_loads() }}
qualify row_number() over (partition by system_key, location, sku_code, batch_no, snapshot_at
                           order by landing_file, file_row) = 1
