-- Every clean landed version of every refund / return / after-sale case, all platforms.
with versions as (
    {{ union_platforms('refunds', [
        ('platform', 'varchar'), ('shop_key', 'varchar'), ('refund_id', 'varchar'), ('order_id', 'varchar'),
        ('line_id', 'varchar'), ('sku_id', 'varchar'), ('sku_code', 'varchar'), ('refund_type', 'varchar'),
        ('status', 'varchar'), ('status_raw', 'varchar'), ('reason_code', 'varchar'), ('reason_text', 'varchar'),
        ('amount', 'decimal(18,2)'), ('currency', 'varchar'), ('quantity', 'integer'), ('created_at', 'timestamptz'),
        ('approved_at', 'timestamptz'), ('goods_returned_at', 'timestamptz'), ('refunded_at', 'timestamptz'),
        ('modified_at', 'timestamptz'), ('business_date', 'date'), ('load_id', 'bigint'),
        ('landing_file', 'varchar'), ('file_row', 'integer'), ('pull_id', 'varchar'), ('pulled_at', 'timestamptz'),
        ('quarantine_reason', 'varchar'),
    ]) }}
)

select
    platform || ':' || shop_key || ':' || refund_id as refund_key,
    platform || ':' || shop_key || ':' || order_id as order_key,
    versions.* exclude (quarantine_reason)
from versions
where quarantine_reason is null
