-- One row per line per landed JD order version: (landing_file, file_row, line_id) is a key of the lines.
-- Rows returned = duplicated line keys.
select landing_file, file_row, line_id, count(*) as rows_per_key
from {{ ref('stg_jd__order_lines') }}
group by landing_file, file_row, line_id
having count(*) > 1
