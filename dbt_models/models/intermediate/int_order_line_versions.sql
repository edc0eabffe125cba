-- Every order line of every clean landed order version, all platforms.
with lines as (
    {{ union_platforms('order_lines', [
        ('platform', 'varchar'), ('shop_key', 'varchar'), ('order_id', 'varchar'), ('line_id', 'varchar'),
        ('sku_id', 'varchar'), ('sku_code', 'varchar'), ('product_id', 'varchar'), ('title', 'varchar'),
        ('quantity', 'integer'), ('unit_price', 'decimal(18,2)'), ('line_amount', 'decimal(18,2)'),
        ('currency', 'varchar'), ('status', 'varchar'), ('status_raw', 'varchar'), ('shipped_at', 'timestamptz'),
        ('modified_at', 'timestamptz'), ('load_id', 'bigint'), ('landing_file', 'varchar'), ('file_row', 'integer'),
        ('pull_id', 'varchar'), ('pulled_at', 'timestamptz'),
    ]) }}
)

select
    lines.platform || ':' || lines.shop_key || ':' || lines.order_id as order_key,
    lines.platform || ':' || lines.shop_key || ':' || lines.order_id || ':' || lines.line_id as order_line_key,
    lines.*
from lines
