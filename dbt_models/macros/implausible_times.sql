{#- Whether an order or refund version's times contradict each other or the calendar, as the gates see them
    (order_pipeline/warehouse/quality/suites.py): modified or paid before created, created before 2015 (no
    marketplace order here predates it) or more than a day after the build (var as_of, else now). A platform
    sends such a record now and then (a clock skew between its services, a test order); staging quarantines it
    as 'implausible_time', like a negative amount, so that one record cannot fail a blocking gate and stop
    publishing for everyone. The gates stay: they catch what staging gets wrong for many rows at once. -#}
{% macro implausible_times(created, modified, paid=none) -%}
    {%- set as_of = var('as_of', none) -%}
    ({{ modified }} < {{ created }}{% if paid %} or {{ paid }} < {{ created }}{% endif %}
        or {{ created }} < timestamptz '2015-01-01 00:00:00+00'
        or {{ created }} > {% if as_of %}cast('{{ as_of }}' as timestamptz){% else %}now(){% endif %} + interval 1 day)
{%- endmacro %}
