-- Every Douyin order version with readable JSON has exactly line_count rows in stg_douyin__order_lines (one per
-- sku order of that landed version, none lost in the unnest, none duplicated). Rows returned = versions that
-- disagree.
with lines as (
    select landing_file, file_row, count(*) as lines
    from {{ ref('stg_douyin__order_lines') }}
    group by landing_file, file_row
)

select orders.landing_file, orders.file_row, orders.order_id, orders.line_count, coalesce(lines.lines, 0) as lines
from {{ ref('stg_douyin__orders') }} as orders
left join lines using (landing_file, file_row)
where orders.quarantine_reason is distinct from 'invalid_json'
    and orders.line_count <> coalesce(lines.lines, 0)
