{#- `main.tested_loads` (scope, load_id): the newest load a set of checks passed on, so later runs check only
    newer rows. Scopes: 'staging' (the staging dbt tests, recorded by the Dagster staging step) and
    'gx:<table>' (a Great Expectations suite, recorded by its asset check; order_pipeline/warehouse/checks.py). -#}
{% macro create_tested_loads() -%}
    create table if not exists main.tested_loads (scope varchar primary key, load_id bigint)
{%- endmacro %}

{#- Pre-hook of every model: a table built whole (its first build, --full-refresh, a model materialized as a
    table) holds rows no check has seen, whatever their load: forget what its checks covered, so they read it
    whole. An incremental build keeps the record: its new rows carry new loads. -#}
{% macro forget_tested_loads() -%}
    {%- if not is_incremental() -%}
        delete from main.tested_loads where scope = 'gx:{{ this.name }}'
        {%- if model.fqn[1] == 'staging' %} or scope = 'staging'{% endif %}
    {%- endif -%}
{%- endmacro %}
