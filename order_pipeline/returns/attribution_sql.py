"""The SQL of the three returns tables, one statement each, with the columns they promise analysts.

Values are bound (`$as_of`, `$prefixes`, ...); the only text put into the SQL is a fixed choice of column
expressions: `fct_order_lines` does not carry the shipping warehouse and batch yet, so those read NULL until the
model grows `warehouse_code` / `batch_no` columns, and the same SQL then uses them (see `line_attribute`).
"""

from __future__ import annotations

# The report's slices: (dimension, column of fct_refund_attribution / of the sold lines).
DIMENSIONS = (("platform", "platform"), ("shop", "shop_key"), ("category", "category"),
              ("product", "product_code"), ("sku", "sku_code"), ("warehouse", "warehouse_code"),
              ("batch", "batch_no"))
LINE_ATTRIBUTES = ("warehouse_code", "batch_no")


def line_attribute(column: str, present: bool) -> str:
    """The order line's `column` where fct_order_lines has it, else a typed NULL (one of LINE_ATTRIBUTES)."""
    if column not in LINE_ATTRIBUTES:
        raise ValueError(f"not a line attribute: {column}")
    return f"lines.{column}::varchar" if present else "null::varchar"


# The category of every SKU code the marts know: the longest configured prefix it starts with.
_SKU_CATEGORIES = """
    sku_prefixes as (
        select unnest($prefixes::varchar[]) as prefix, unnest($categories::varchar[]) as category
    ),
    sku_categories as (
        select codes.sku_code, arg_max(sku_prefixes.category, length(sku_prefixes.prefix)) as category
        from (select sku_code from main.fct_order_lines union select sku_code from main.fct_refunds) as codes
        join sku_prefixes on starts_with(upper(codes.sku_code), sku_prefixes.prefix)
        group by codes.sku_code
    )"""

# Needs the table `reason_classes` (platform, reason_code, reason_text, reason_category, matched_by,
# matched_rule): the distinct triples of fct_refunds, classified in Python.
FCT_REFUND_REASONS = """
create or replace table main.fct_refund_reasons as
select refunds.refund_key, refunds.platform, refunds.reason_code, refunds.reason_text,
       coalesce(classes.reason_category, 'other') as reason_category,
       coalesce(classes.matched_by, 'fallback') as matched_by,
       classes.matched_rule
from main.fct_refunds as refunds
left join reason_classes as classes
  on classes.platform is not distinct from refunds.platform
 and classes.reason_code is not distinct from refunds.reason_code
 and classes.reason_text is not distinct from refunds.reason_text
"""


def fct_refund_attribution_sql(line_columns: set[str]) -> str:
    """Parameters: $prefixes, $categories, $as_of, $max_amount_cny, $special_categories."""
    warehouse = line_attribute("warehouse_code", "warehouse_code" in line_columns)
    batch = line_attribute("batch_no", "batch_no" in line_columns)
    return f"""
create or replace table main.fct_refund_attribution as
with {_SKU_CATEGORIES},
line_matches as (  -- the refunded line: by line id, else the platform's SKU id, else the merchant SKU code
    select refunds.refund_key, lines.sku_code, lines.product_id, lines.title,
           {warehouse} as warehouse_code, {batch} as batch_no
    from main.fct_refunds as refunds
    join main.fct_order_lines as lines
      on lines.order_key = refunds.order_key
     and (lines.line_id = refunds.line_id or lines.sku_id = refunds.sku_id or lines.sku_code = refunds.sku_code)
    qualify row_number() over (
        partition by refunds.refund_key
        order by (lines.line_id = refunds.line_id) is true desc, (lines.sku_id = refunds.sku_id) is true desc,
                 lines.line_id) = 1
),
measured as (
    select refunds.*, coalesce(reasons.reason_category, 'other') as reason_category,
           coalesce(reasons.matched_by, 'fallback') as matched_by,
           coalesce(refunds.sku_code, matches.sku_code) as attributed_sku_code,
           matches.product_id, matches.title as product_title, matches.warehouse_code, matches.batch_no,
           coalesce(sku_categories.category, 'unknown') as category,
           round(refunds.amount * rates.cny_per_unit, 2)::decimal(18,2) as amount_cny,
           -- an open stage runs until as_of; a case rejected or closed stopped its clock when it ended
           refunds.status in ('requested', 'waiting_buyer_return', 'waiting_seller_receipt') as is_open,
           case when is_open then $as_of::timestamptz
                when refunds.status in ('rejected', 'closed') then refunds.modified_at end as stage_clock_stop,
           refunds.refund_type in ('return_and_refund', 'exchange') or refunds.goods_returned_at is not null
               as goods_come_back
    from main.fct_refunds as refunds
    left join main.fct_refund_reasons as reasons using (refund_key)
    left join line_matches as matches using (refund_key)
    left join sku_categories on sku_categories.sku_code = coalesce(refunds.sku_code, matches.sku_code)
    left join main.currency_rates as rates on rates.currency = refunds.currency
),
staged as (
    select *,
           (epoch(coalesce(approved_at, stage_clock_stop)) - epoch(created_at)) / 3600.0 as hours_to_approve,
           case when goods_come_back and approved_at is not null then
               (epoch(coalesce(goods_returned_at, case when refunded_at is null then stage_clock_stop end))
                - epoch(approved_at)) / 3600.0 end as hours_to_return_goods,
           case when goods_returned_at is not null then
                    (epoch(coalesce(refunded_at, stage_clock_stop)) - epoch(goods_returned_at)) / 3600.0
                when approved_at is not null and (not goods_come_back or refunded_at is not null) then
                    (epoch(coalesce(refunded_at, stage_clock_stop)) - epoch(approved_at)) / 3600.0
           end as hours_to_refund
    from measured
)
select refund_key, order_key, platform, shop_key, attributed_sku_code as sku_code,
       split_part(attributed_sku_code, '-', 1) as product_code, product_id, product_title, category,
       warehouse_code, batch_no, refund_type, status, reason_category, matched_by as reason_matched_by,
       reason_code, reason_text, amount, currency, amount_cny, quantity,
       created_at, approved_at, goods_returned_at, refunded_at,
       case when status in ('rejected', 'closed') then modified_at end as closed_at,
       hours_to_approve, hours_to_return_goods, hours_to_refund,
       case when is_open then case when approved_at is null then 'approval'
                                   when goods_come_back and goods_returned_at is null then 'goods_return'
                                   else 'refund' end end as open_stage,
       case greatest(hours_to_approve, hours_to_return_goods, hours_to_refund)
            when hours_to_approve then 'approval' when hours_to_return_goods then 'goods_return'
            when hours_to_refund then 'refund' end as bottleneck_stage,
       coalesce(amount_cny <= $max_amount_cny::decimal(18,2) and category <> 'unknown'
                and not list_contains($special_categories::varchar[], category), false) as auto_approval_eligible,
       nullif(concat_ws('; ',
           case when amount is null then 'amount unknown'
                when amount_cny is null then 'no CNY rate for currency ' || coalesce(currency, '(none)') end,
           case when amount_cny > $max_amount_cny::decimal(18,2) then
               'amount over the ' || $max_amount_cny::decimal(18,2) || ' CNY limit' end,
           case when category = 'unknown' then 'category unknown (SKU not in category_by_sku_prefix)' end,
           case when list_contains($special_categories::varchar[], category) then 'special category ' || category end
       ), '') as auto_approval_reason,
       $as_of::timestamptz as as_of
from staged
"""


def _grouped(expressions: list[tuple[str, str]], otherwise: str) -> str:
    """`case when grouping(column) = 0 then <value> ... else <otherwise> end`: which grouping set a row is."""
    whens = " ".join(f"when grouping({column}) = 0 then {value}" for column, value in expressions)
    return f"case {whens} else {otherwise} end"


def rpt_returns_attribution_sql(line_columns: set[str]) -> str:
    """Parameters: $prefixes, $categories."""
    warehouse = line_attribute("warehouse_code", "warehouse_code" in line_columns)
    batch = line_attribute("batch_no", "batch_no" in line_columns)
    dims = [*DIMENSIONS, ("reason", "reason_category")]
    refund_sets = ", ".join(["()", "(reason_category)",
                             *(f"({c}), ({c}, reason_category)" for _, c in DIMENSIONS)])
    sold_sets = ", ".join(["()", *(f"({c})" for _, c in DIMENSIONS)])
    return f"""
create or replace table main.rpt_returns_attribution as
with {_SKU_CATEGORIES},
sold_lines as (  -- units sold: lines of paid orders, not cancelled (refunded lines were sold)
    select lines.platform, lines.shop_key, coalesce(sku_categories.category, 'unknown') as category,
           split_part(lines.sku_code, '-', 1) as product_code, lines.sku_code,
           {warehouse} as warehouse_code, {batch} as batch_no, lines.quantity
    from main.fct_order_lines as lines
    left join sku_categories using (sku_code)
    where coalesce(lines.status, 'unknown') not in ('unpaid', 'cancelled')
),
sold as (
    select {_grouped([(c, f"'{d}'") for d, c in DIMENSIONS], "'all'")} as dimension,
           {_grouped([(c, c) for _, c in DIMENSIONS], "'all'")} as dimension_value,
           sum(quantity)::bigint as units_sold
    from sold_lines
    group by grouping sets ({sold_sets})
),
returned as materialized (
    select {_grouped([(c, f"'{d}'") for d, c in dims], "'all'")} as dimension,
           {_grouped([(c, c) for _, c in dims], "'all'")} as dimension_value,
           case when grouping(reason_category) = 0 then reason_category end as reason_category,
           count(*) as refunds,
           count(*) filter (where counts_as_return) as returns,
           coalesce(sum(quantity) filter (where counts_as_return), 0)::bigint as returned_units,
           coalesce(sum(amount_cny) filter (where status not in ('rejected', 'closed')), 0)::decimal(18,2)
               as refund_amount_cny,
           count(*) filter (where amount_cny is null) as refunds_without_cny_amount,
           count(*) filter (where auto_approval_eligible) as auto_approval_eligible,
           median(hours_to_approve) as median_hours_to_approve,
           median(hours_to_return_goods) as median_hours_to_return_goods,
           median(hours_to_refund) as median_hours_to_refund
    from (select *, status not in ('rejected', 'closed') and refund_type <> 'price_protection' as counts_as_return
          from main.fct_refund_attribution)
    group by grouping sets ({refund_sets})
),
slices as (
    select returned.*, sold.units_sold
    from returned
    left join sold
      on sold.dimension = case when returned.dimension = 'reason' then 'all' else returned.dimension end
     and sold.dimension_value is not distinct from
         case when returned.dimension = 'reason' then 'all' else returned.dimension_value end
    union all by name
    select dimension, dimension_value, null as reason_category, 0 as refunds, 0 as returns, 0 as returned_units,
           0 as refund_amount_cny, 0 as refunds_without_cny_amount, 0 as auto_approval_eligible, units_sold
    from sold
    where not exists (select 1 from returned
                      where returned.reason_category is null and returned.dimension = sold.dimension
                        and returned.dimension_value is not distinct from sold.dimension_value)
)
select dimension, dimension_value, reason_category, refunds, returns, returned_units,
       coalesce(units_sold, 0)::bigint as units_sold,
       returned_units / nullif(units_sold, 0) as return_rate,
       refund_amount_cny, refunds_without_cny_amount, auto_approval_eligible,
       median_hours_to_approve, median_hours_to_return_goods, median_hours_to_refund,
       case greatest(median_hours_to_approve, median_hours_to_return_goods, median_hours_to_refund)
            when median_hours_to_approve then 'approval' when median_hours_to_return_goods then 'goods_return'
            when median_hours_to_refund then 'refund' end as bottleneck_stage
from slices
order by dimension, dimension_value nulls first, reason_category nulls first
"""
