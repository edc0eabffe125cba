{#- The same staging model of every platform, with the contract's columns cast to the contract's types, so a
    platform whose SQL yields a wider type (DECIMAL(19,2), UBIGINT) cannot change the union's schema. Only the
    loads the (incremental) calling model does not hold yet. `sources` defaults to the platforms; stock also has
    the stock systems (wms, pool). -#}
{% macro union_platforms(model_suffix, columns, sources=none) -%}
  {%- for platform in (sources or var('platforms')) %}
    select
      {%- for name, type in columns %}
        cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
      {%- endfor %}
    from {{ ref('stg_' ~ platform ~ '__' ~ model_suffix) }}
    where {{ new_loads() }}
    {% if not loop.last %}union all{% endif %}
  {%- endfor %}
{%- endmacro %}
