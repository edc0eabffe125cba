-- Every readable JD order version has exactly line_count lines in stg_jd__order_lines, and invalid JSON has none.
-- Rows returned = order versions whose lines were lost or invented.
with lines as (
    select landing_file, file_row, count(*) as lines
    from {{ ref('stg_jd__order_lines') }}
    group by landing_file, file_row
)

select orders.landing_file, orders.file_row, orders.line_count, coalesce(lines.lines, 0) as lines
from {{ ref('stg_jd__orders') }} as orders
left join lines using (landing_file, file_row)
where coalesce(lines.lines, 0)
    <> case when orders.quarantine_reason = 'invalid_json' then 0 else orders.line_count end
