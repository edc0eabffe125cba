{#
    not_null_columns: the columns listed must hold no NULL - one model-level test instead of one `not_null` per
    column. Every dbt test node costs a fixed ~50 ms per build (dbt's node overhead plus the Dagster asset-check
    event), which dominated an incremental run; this test also reads the model once for all its columns instead
    of once per column.

        data_tests:
          - not_null_columns:
              name: <model>_not_null
              arguments:
                columns: [platform, shop_key, load_id]

    Returns one row per listed column that has NULLs: column_name and null_rows (how many rows). `failures` is
    the sum of null_rows, i.e. what the per-column `not_null` tests would have reported together. A `where`
    config applies as for the builtin tests (dbt wraps `model` in a filtered subquery); columns that need a
    different `where` or severity go into a second not_null_columns test with that config.
#}
{% test not_null_columns(model, columns) %}
    {{ config(fail_calc="coalesce(sum(null_rows), 0)") }}
    {% if columns is string or not columns %}
        {{ exceptions.raise_compiler_error("not_null_columns needs a non-empty list of column names, got: " ~ columns) }}
    {% endif %}
    {%- set rules = [] -%}
    {%- for column in columns -%}
        {%- do rules.append((column, adapter.quote(column) ~ " is null")) -%}
    {%- endfor %}
    {{ broken_rows_per_rule(model, rules, "column_name", "null_rows") }}
{% endtest %}
