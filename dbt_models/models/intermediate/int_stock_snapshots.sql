-- Every clean landed stock row of every platform shop and stock system (one row per landed record per
-- snapshot). Quarantined rows are in fct_quarantine; a record a list repeated within one snapshot is still here
-- (so landed = clean + quarantined holds) and collapses in fct_inventory_snapshots.
with snapshots as (
    {{ union_platforms('stock', [
        ('platform', 'varchar'), ('system', 'varchar'), ('system_key', 'varchar'), ('shop_key', 'varchar'),
        ('location', 'varchar'), ('stock_ref', 'varchar'), ('sku_id', 'varchar'), ('sku_code', 'varchar'),
        ('product_id', 'varchar'), ('title', 'varchar'), ('on_hand', 'bigint'), ('available', 'bigint'),
        ('reserved', 'bigint'), ('incoming', 'bigint'), ('safety_stock', 'bigint'), ('modified_at', 'timestamptz'),
        ('snapshot_at', 'timestamptz'), ('load_id', 'bigint'), ('landing_file', 'varchar'), ('file_row', 'integer'),
        ('pull_id', 'varchar'), ('pulled_at', 'timestamptz'), ('quarantine_reason', 'varchar'),
    ], sources=var('platforms') + var('stock_systems')) }}
)

select snapshots.* exclude (quarantine_reason)
from snapshots
where quarantine_reason is null
