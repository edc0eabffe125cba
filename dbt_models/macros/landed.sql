{#- The landed records of one stream and platform (or stock system) that this model has not read yet, with their
    payload, as staging reads them.

    The loader does not copy payloads into the warehouse: 2.5M order versions are ~5 GB of JSON, and writing
    them into DuckDB cost a third of a full build. It records each row's origin and metadata (landing.<stream>)
    and which file went in with which load (landing.loaded_files); the payloads stay in the landing files, which
    are immutable and named by a digest of their content. So this macro looks up, when the model compiles,
    the files of this platform loaded after what the model holds, and reads those files only. The landing
    directory comes from ORDER_PIPELINE_LANDING_DIR (set by the warehouse resource), else the folder next to
    the warehouse file. A dbt unit test mocks `source('landing', stream)` with rows that include the payload:
    then those rows are the landed records. -#}
{#- Why no join with landing.loaded_files for the load_id: DuckDB 2.0 fails such a build at scale with "INTERNAL
    Error: dict-surviving cache: global dictionary column 0 changed identity" (Parquet dictionary vectors
    through a join's cache; 5 of 5 runs on the 1M-order benchmark). The file -> load_id map is known when the
    model compiles, so it goes in as a MAP literal. -#}
{% macro landed(stream, platform) -%}
    {%- set rows = source('landing', stream) -%}
    {%- if rows.is_cte -%}
        (select * from {{ rows }} where platform = '{{ platform }}' and {{ new_loads() }})
    {%- else -%}
        {%- set files = landed_files(rows, platform) -%}
        {%- if files | length == 0 -%}
            (select *, cast(null as varchar) as payload from {{ rows }} where false)
        {%- else -%}
            {%- set root = landing_root() -%}
            (select cast(map_extract_value(MAP {
                 {%- for file, load_id in files %}{{ sql_text(file) }}: {{ load_id | int }}{{ ", " if not loop.last }}{% endfor -%}
             }, substr(p.filename, {{ root | length + 1 }})) as bigint) as load_id,
                    substr(p.filename, {{ root | length + 1 }}) as landing_file,
                    cast(p.file_row_number as integer) as file_row,
                    p.* exclude (filename, file_row_number)
             from read_parquet([
                 {%- for file, load_id in files %}{{ sql_text(root ~ file) }}{{ ", " if not loop.last }}{% endfor -%}
             ], filename = true, file_row_number = true, hive_partitioning = false, union_by_name = true) as p
             where p.platform = '{{ platform }}')
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- (landing file, load_id) of the files holding rows of `platform` in `rows` (a landing table) from loads this
    model has not read; files the loader found unreadable hold no rows and are not listed. -#}
{% macro landed_files(rows, platform) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select landing_file, max(load_id) from {{ rows }}
        where platform = '{{ platform }}' and {{ new_loads() }}
        group by landing_file order by landing_file
    {%- endset -%}
    {%- set table = run_query(query) -%}
    {{ return(table.rows | map('list') | list) }}
{%- endmacro %}

{#- A SQL string literal of `text` (quotes doubled). -#}
{% macro sql_text(text) -%}
    {{- "'" ~ (text | replace("'", "''")) ~ "'" -}}
{%- endmacro %}

{% macro landing_root() -%}
    {%- set default = env_var('ORDER_PIPELINE_WAREHOUSE_PATH').rsplit('/', 1)[0] ~ '/landing' -%}
    {{- return(env_var('ORDER_PIPELINE_LANDING_DIR', default).rstrip('/') ~ '/') -}}
{%- endmacro %}
