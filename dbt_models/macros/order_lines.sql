{#- The key of an order line within its order version: the platform's id of the line when it is sent and unique
    in the version; else `<id>#<position>`, or `#<position>` without an id, which no platform id can equal. A
    malformed payload (a line without its id, one id sent twice) then neither loses a line nor fails the
    build's uniqueness test. JD keys its lines by SKU the same way. `ids` lists every line's id in the version,
    `position` is the line's 1-based position among them. -#}
{% macro line_key(id, ids, position) -%}
    case
        when {{ id }} is null then '#' || {{ position }}
        when list_count(list_filter({{ ids }}, lambda other: other = {{ id }})) = 1 then {{ id }}
        else {{ id }} || '#' || {{ position }}
    end
{%- endmacro %}

{#- Why the lines of an order version cannot be used, or NULL: none at all ('no_lines'), or a quantity that is
    not a positive whole number ('unparseable_quantity', read as the line models read it). Such a version is
    quarantined in staging like one with a bad amount: let into the marts, it would fail the order-total and
    quantity gates, and one malformed order would stop publishing for everyone. `lines` is the parsed line
    list, `quantity` the field of a line holding its quantity. -#}
{% macro lines_problem(lines, quantity) -%}
    case
        when coalesce(len({{ lines }}), 0) = 0 then 'no_lines'
        when not list_bool_and(list_transform({{ lines }},
            lambda l: coalesce(try_cast(nullif(trim(l.{{ quantity }}), '') as integer) > 0, false)))
            then 'unparseable_quantity'
    end
{%- endmacro %}
