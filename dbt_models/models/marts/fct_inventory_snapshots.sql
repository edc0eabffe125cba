{{ config(materialized='incremental', unique_key='load_id', incremental_strategy='delete+insert') }}
-- Stock history (F9): one row per system, location, SKU and snapshot time, from every platform shop's stock
-- API, the warehouse system (WMS) and the central stock pool. A snapshot is one pull: its time is when we
-- observed it (`snapshot_at`), the platform's own modification time is kept next to it. The stock of any
-- system at an instant is its latest snapshot at or before that instant. Incremental by load: a run adds only
-- the snapshots it loaded.
select
    system || ':' || system_key || ':' || location || ':' || stock_ref || ':'
        || strftime(snapshot_at at time zone 'UTC', '%Y%m%dT%H%M%S.%fZ') as snapshot_key,
    system,
    platform as source,
    system_key,
    shop_key,
    location,
    stock_ref,
    sku_id,
    sku_code,
    product_id,
    title,
    on_hand,
    available,
    reserved,
    incoming,
    safety_stock,
    snapshot_at,
    modified_at,
    cast(timezone('Asia/Shanghai', snapshot_at) as date) as snapshot_date_cn,
    pull_id,
    landing_file,
    file_row,
    load_id
from {{ ref('int_stock_snapshots') }}
where {{ new_loads() }}
-- a list that repeated a record within one snapshot (paging) counts it once
qualify row_number() over (partition by system_key, location, stock_ref, snapshot_at
                           order by landing_file, file_row) = 1
