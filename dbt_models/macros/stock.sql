{#- Shared by the stock staging models: every platform and stock system reports stock in its own shape, and the
    models turn each into one contract (docs/warehouse.md, "Stock"). -#}

{#- This source's landed stock rows (one landed record = one SKU at one location in one snapshot), new loads only,
    with the payload parsed once against `shape` (scalars as VARCHAR, so an id is never read through a double). -#}
{% macro stock_parsed(source_name, shape) -%}
    select
        load_id, landing_file, file_row, shop_key as system_key, record_key as stock_ref, payload, pull_id,
        pulled_at, j, case when j is not null then true else coalesce(json_valid(payload), false) end as is_json
    from (
        select *, try(from_json(payload, '{{ shape }}')) as j
        from {{ landed('stock', source_name) }} as landed_rows
    )
{%- endmacro %}

{#- A count as reported ("12", 12, " 12 ") -> BIGINT; NULL when absent or not a whole number -#}
{% macro stock_count(expr) -%}
  try_cast(nullif(trim(cast({{ expr }} as varchar)), '') as bigint)
{%- endmacro %}

{#- The contract's columns from a `typed` relation holding the *_raw counts and the identity columns. A row
    the model cannot use keeps its quarantine_reason (fct_quarantine lists it); nothing is dropped. -#}
{#- `unreadable` is a model's own SQL condition for inputs it folds into the counts (false when none). -#}
{% macro stock_contract(source_name, system, unreadable='false') -%}
select
    '{{ source_name }}' as platform,
    '{{ system }}' as system,
    typed.system_key,
    typed.shop_key,
    typed.location,
    typed.stock_ref,
    typed.sku_id,
    typed.sku_code,
    typed.product_id,
    typed.title,
    {{ stock_count('typed.on_hand_raw') }} as on_hand,
    {{ stock_count('typed.available_raw') }} as available,
    {{ stock_count('typed.reserved_raw') }} as reserved,
    {{ stock_count('typed.incoming_raw') }} as incoming,
    {{ stock_count('typed.safety_stock_raw') }} as safety_stock,
    typed.modified_at,
    typed.pulled_at as snapshot_at,
    typed.load_id,
    typed.landing_file,
    typed.file_row,
    typed.pull_id,
    typed.pulled_at,
    case
        when not typed.is_json then 'invalid_json'
        when typed.stock_ref is null or typed.location is null then 'missing_key'
        when (typed.available_raw is null and typed.on_hand_raw is null)
            or (typed.on_hand_raw is not null and {{ stock_count('typed.on_hand_raw') }} is null)
            or (typed.available_raw is not null and {{ stock_count('typed.available_raw') }} is null)
            or (typed.reserved_raw is not null and {{ stock_count('typed.reserved_raw') }} is null)
            or (typed.incoming_raw is not null and {{ stock_count('typed.incoming_raw') }} is null)
            or (typed.safety_stock_raw is not null and {{ stock_count('typed.safety_stock_raw') }} is null)
            or ({{ unreadable }})
            then 'unparseable_quantity'
        -- a negative *available* is real (a warehouse that promised more than it holds: oversold); a negative
        -- count of physical units or of a reservation is not
        when {{ stock_count('typed.on_hand_raw') }} < 0 or {{ stock_count('typed.reserved_raw') }} < 0
            or {{ stock_count('typed.incoming_raw') }} < 0 or {{ stock_count('typed.safety_stock_raw') }} < 0
            or ('{{ system }}' = 'platform' and {{ stock_count('typed.available_raw') }} < 0)
            then 'negative_quantity'
    end as quarantine_reason
from typed
{%- endmacro %}
