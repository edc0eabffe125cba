{#- Incremental by arrival: only landing rows loaded after what this model already holds. Late platform updates
    arrive as new record versions in new loads, so no event-time lookback is needed for correctness;
    `lookback_loads` re-reads recent loads on purpose. -#}
{% macro new_loads(column='load_id') -%}
  {%- if is_incremental() -%}
    {{ column }} > (select coalesce(max({{ column }}), 0) - {{ var('lookback_loads', 0) }} from {{ this }})
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}
