{#- `main.tested_loads` (scope, load_id): the newest load a consumer of a table has taken in, so later runs
    take in only newer rows. Scopes: 'staging' (the staging dbt tests, recorded by the Dagster staging step),
    'gx:<table>' (a Great Expectations suite, recorded by its asset check; order_pipeline/warehouse/checks.py)
    and 'serving:<table>' (the load a keyed mart is published as of; order_pipeline/warehouse/serving_by_key.py). -#}
{% macro create_tested_loads() -%}
    create table if not exists main.tested_loads (scope varchar primary key, load_id bigint)
{%- endmacro %}

{#- Pre-hook of every model: a table built whole (its first build, --full-refresh, a model materialized as a
    table) holds rows no check has seen, whatever their load, and the serving file cannot be updated by key
    from it: forget what its consumers took in, so they read it whole. So does a `lookback_loads` run, which
    rewrites rows of loads already taken in. An incremental build keeps the record: its new rows carry new
    loads. -#}
{% macro forget_tested_loads() -%}
    {%- if not is_incremental() or var('lookback_loads', 0) | int > 0 -%}
        delete from main.tested_loads where scope in ('gx:{{ this.name }}', 'serving:{{ this.name }}')
        {%- if model.fqn[1] == 'staging' %} or scope = 'staging'{% endif %}
    {%- endif -%}
{%- endmacro %}
