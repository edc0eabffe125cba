{#- `text` without the characters the `*_no_invisible_chars` gates reject (INVISIBLE in
    order_pipeline/warehouse/quality/gates.py: controls, zero-width characters, bidi marks, soft hyphen, BOM), as
    order_pipeline/cleaning/text.py cleans receiver fields: line-breaking controls become a space, the rest goes,
    spaces are collapsed. For free text the platforms pass on from sellers, such as product titles: a zero-width
    joiner inside an emoji, or a soft hyphen pasted into a title, is common there, and it must neither reach
    analysts nor stop a build. Text without any such character (nearly all) is returned as it is: one regex
    scan, ~0.3 s over 5 M titles. -#}
{% macro visible_text(text) -%}
    case
        when regexp_matches({{ text }}, '[\x{0000}-\x{001F}\x{007F}-\x{009F}\x{00AD}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{FEFF}]')
            then nullif(trim(regexp_replace(regexp_replace(regexp_replace({{ text }},
                '[\t\n\x{0B}\x{0C}\r\x{85}]', ' ', 'g'),
                '[\x{0000}-\x{001F}\x{007F}-\x{009F}\x{00AD}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{FEFF}]', '', 'g'),
                ' {2,}', ' ', 'g')), '')
        else {{ text }}
    end
{%- endmacro %}
