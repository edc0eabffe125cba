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
