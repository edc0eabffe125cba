{#
    column_rules: a model's ERROR-level column rules in one test, one read of the model - the not-null columns,
    the columns that must be filled on a row that is not quarantined, and the accepted values of the columns
    that have a closed set. A staging build tests about 20 models; one node per rule was 100 test nodes at a
    fixed ~60 ms each (dbt's node overhead plus the Dagster asset-check event), most of an incremental run.

        data_tests:
          - column_rules:
              name: <model>_column_rules
              arguments:
                not_null: [platform, shop_key, load_id]
                not_null_when_clean: [order_id, created_at]   # where quarantine_reason is null
                accepted_values:
                  platform: ['taobao']
                  status: ['unpaid', 'paid', 'unknown']

    Returns one row per broken rule: the rule (e.g. "status accepted values") and how many rows break it;
    `failures` is the sum. NULL passes an accepted-values rule, as in dbt's accepted_values (not_null says
    whether NULL is allowed). The project's `where` (new loads only, dbt_project.yml) applies as for any test:
    the quarantine condition is part of the rule, not a test-level `where` that would replace it.
#}
{% test column_rules(model, not_null=[], not_null_when_clean=[], accepted_values={}) %}
    {{ config(fail_calc="coalesce(sum(broken_rows), 0)") }}
    {% if not (not_null or not_null_when_clean or accepted_values) %}
        {{ exceptions.raise_compiler_error("column_rules needs at least one rule") }}
    {% endif %}
    {%- set rules = [] -%}
    {%- for column in not_null -%}
        {%- do rules.append((column ~ " not null", adapter.quote(column) ~ " is null")) -%}
    {%- endfor -%}
    {%- for column in not_null_when_clean -%}
        {%- do rules.append((column ~ " not null when clean",
                             "quarantine_reason is null and " ~ adapter.quote(column) ~ " is null")) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set listed = [] -%}
        {%- for value in values -%}{%- do listed.append("'" ~ (value | replace("'", "''")) ~ "'") -%}{%- endfor -%}
        {%- do rules.append((column ~ " accepted values",
                             adapter.quote(column) ~ " not in (" ~ listed | join(", ") ~ ")")) -%}
    {%- endfor %}
    {{ broken_rows_per_rule(model, rules, "rule", "broken_rows") }}
{% endtest %}
