{#- The query of the project's rule tests (not_null_columns, column_rules): one aggregate row with a count per
    rule, unpivoted (DuckDB) into one row per broken rule, `label` naming it and `count` the rows that break it.
    `rules` is a list of (label, SQL condition a breaking row meets). -#}
{% macro broken_rows_per_rule(model, rules, label, count) %}
    select {{ label }}, {{ count }}
    from (
        unpivot (
            select
            {%- for name, broken in rules %}
                count(*) filter (where {{ broken }}) as {{ adapter.quote(name) }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
            from {{ model }}
        )
        on columns(*)
        into name {{ label }} value {{ count }}
    )
    where {{ count }} > 0
{% endmacro %}
