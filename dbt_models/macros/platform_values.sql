{#- Parsing helpers shared by the platform staging models. Each returns NULL (never an error) for a value it
    cannot read, so a bad record becomes a quarantine row with a reason instead of failing the whole build. -#}

{#- 'yyyy-MM-dd HH:mm:ss' in the platform's own zone (Taobao, JD: Beijing time, no DST) -> TIMESTAMPTZ (UTC) -#}
{#- JD writes 0001-01-01 / 1970-01-01 00:00:00 for a time not reached yet: that is "not yet", not a time -#}
{% macro local_time(expr, zone='Asia/Shanghai') -%}
  timezone('{{ zone }}', try_strptime(nullif(nullif(nullif(trim({{ expr }}), ''), '0001-01-01 00:00:00'),
                                      '1970-01-01 00:00:00'), '%Y-%m-%d %H:%M:%S'))
{%- endmacro %}

{#- Unix seconds (Douyin, Shopee); 0 and empty mean "not yet" -> TIMESTAMPTZ (UTC) -#}
{% macro epoch_time(expr) -%}
  {#- up to year 3000: a millisecond epoch or garbage becomes NULL (quarantined), never an error -#}
  case when try_cast({{ expr }} as bigint) between 1 and 32503680000 then to_timestamp(try_cast({{ expr }} as bigint)) end
{%- endmacro %}

{#- A decimal string or number in major units (yuan, SGD, ...) -> DECIMAL(18,2) -#}
{% macro major_units(expr) -%}
  try_cast(nullif(trim(cast({{ expr }} as varchar)), '') as decimal(18, 2))
{%- endmacro %}

{#- An integer amount in minor units (Douyin: fen) -> DECIMAL(18,2) in major units -#}
{% macro minor_units(expr, digits=2) -%}
  {#- exact: DECIMAL x DECIMAL literal stays DECIMAL (a division would go through DOUBLE); out of range -> NULL -#}
  {%- set factor = '0.' ~ ('0' * (digits - 1)) ~ '1' -%}
  try_cast(try_cast(nullif(trim(cast({{ expr }} as varchar)), '') as decimal(38, 0)) * {{ factor }} as decimal(18, 2))
{%- endmacro %}

{#- The business day of an instant in the shop's time zone (the seed's incident: never judge "today" in UTC) -#}
{% macro business_date(ts, zone_column='shops.timezone') -%}
  cast(timezone({{ zone_column }}, {{ ts }}) as date)
{%- endmacro %}
