{#- The same staging model of every platform, with the contract's columns cast to the contract's types, so a
    platform whose SQL yields a wider type (DECIMAL(19,2), UBIGINT) cannot change the union's schema. Only the
    loads the (incremental) calling model does not hold yet. -#}
{% macro union_platforms(model_suffix, columns) -%}
  {%- for platform in var('platforms') %}
    select
      {%- for name, type in columns %}
        cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
      {%- endfor %}
    from {{ ref('stg_' ~ platform ~ '__' ~ model_suffix) }}
    where {{ new_loads() }}
    {% if not loop.last %}union all{% endif %}
  {%- endfor %}
{%- endmacro %}
