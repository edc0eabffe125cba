"""The open-order evaluation as one set-based DuckDB query (MISSION F7, F16).

One query, not a Python loop per order: a million open orders must be judged inside a sensor tick (about a
second on two cores, bench/timeouts.py). Every value (now, thresholds, prefixes, rules) is a bound parameter;
the policy tables arrive as lists of structs and are unnested in the query, so the text never changes and
nothing is written to the caller's database.

Shape, chosen for speed on order_key strings: lines are grouped once per order into a bit set of their
categories (the strictest SLA is then resolved per distinct set and shop, a few dozen rows, not per line);
the FIFO window runs only over SKUs whose total open demand exceeds their stock, since no order of any other
SKU can be short. Orders paid at the same instant share their place in the FIFO queue (each counts the
other's demand), which keeps the answer independent of row order. Rows come out in no particular order.

Inputs (the caller's tables or views): open_orders, open_order_lines, available_stock (see evaluate.py).
Time: everything is compared in UTC instants; the shop's zone is used only for business_date_local (the
seed's incident: a server judging "today" in UTC while the shop lives in UTC+8) and for working hours.
"""

from __future__ import annotations

EVALUATE_SQL = """
with
prefixes as (select unnest($prefixes::struct(prefix varchar, category varchar)[], recursive := true)),
category_rules as (  -- bit: the category's position in the per-order category set (0 = default category)
    select unnest($category_rules::struct(category varchar, rule_category varchar, bit integer)[],
                  recursive := true)),
rules as (select unnest($rules::struct(rule_id varchar, category varchar, platform varchar, shop_key varchar,
                                        specificity integer, minutes integer)[], recursive := true)),
high_value as (select unnest($high_value::struct(currency varchar, threshold decimal(38, 4))[], recursive := true)),
sku_limits as (select unnest($sku_limits::struct(prefix varchar, max_units bigint)[], recursive := true)),
hours as (select unnest($working_hours::struct(shop_key varchar, start_time time, end_time time)[],
                        recursive := true)),
orders as not materialized (
    select order_key, platform, shop_key, coalesce(shop_timezone, 'UTC') as tz, status, created_at, paid_at,
           ship_by, paid_amount, currency, units, address_valid, risk_flag, payment_state
    from open_orders where status in ('unpaid', 'paid', 'partly_shipped')),
open_lines as not materialized (  -- lines still to ship: unknown or missing status counts as open
    select order_key, sku_code, quantity from open_order_lines
    where coalesce(line_status, 'unknown') not in ('shipped', 'completed', 'cancelled', 'refunded')
      and quantity > 0),
stock as (select sku_code, sum(available) as available from available_stock group by sku_code),
skus as (  -- per SKU: category, known stock, and whether its open demand can exceed the stock at all
    select d.sku_code, coalesce(cr.bit, 0) as category_bit, st.available,
           d.demand > st.available as at_risk
    from (select sku_code, sum(quantity) as demand from open_lines group by sku_code) d
    left join prefixes p on starts_with(d.sku_code, p.prefix)
    left join category_rules cr on cr.category = p.category
    left join stock st on st.sku_code = d.sku_code),
order_lines as (  -- per order: the set of its open lines' categories, and whether any SKU's stock is unknown
    select l.order_key, bit_or(1::bigint << s.category_bit) as category_bits,
           bool_or(s.available is null) as stock_unknown
    from open_lines l join skus s on s.sku_code = l.sku_code
    group by l.order_key),
short_orders as (  -- FIFO, only over SKUs that can run short: demand paid up to this order's time > stock
    select distinct order_key from (
        select l.order_key, s.available,
               sum(l.quantity) over (partition by l.sku_code order by o.paid_at nulls last) as cumulative_demand
        from open_lines l
        join skus s on s.sku_code = l.sku_code and s.at_risk
        join orders o on o.order_key = l.order_key)
    where cumulative_demand > available),
shops as (select distinct platform, shop_key from orders),
resolved as (  -- most specific rule per (platform, shop, category); validation makes it unique
    select sh.platform, sh.shop_key, cr.category, cr.bit,
           arg_max({'minutes': r.minutes, 'rule_id': r.rule_id}, r.specificity) as rule
    from shops sh
    cross join category_rules cr
    join rules r on r.category = cr.rule_category
                and (r.platform is null or r.platform is not distinct from sh.platform)
                and (r.shop_key is null or r.shop_key is not distinct from sh.shop_key)
    group by all),
category_sets as (  -- strictest category of each category set seen, per shop (ties: category name)
    select r.platform, r.shop_key, m.category_bits,
           min({'minutes': r.rule.minutes, 'category': r.category, 'rule_id': r.rule.rule_id}) as strictest
    from (select distinct category_bits from order_lines union select 1::bigint) m
    join resolved r on (m.category_bits >> r.bit) & 1 = 1
    group by all),
over_sku_limit as (  -- units of one SKU in one order (lines not cancelled or refunded) above a limit it matches
    select distinct order_key from (
        select l.order_key, l.sku_code, k.prefix, any_value(k.max_units) as max_units, sum(l.quantity) as units
        from open_order_lines l join sku_limits k on starts_with(l.sku_code, k.prefix)
        where coalesce(l.line_status, 'unknown') not in ('cancelled', 'refunded')
        group by all)
    where units > max_units),
shop_clock as (  -- next working-hour start per shop, in UTC (only shops with working hours)
    select h.shop_key, z.tz,
           case when z.local_now::time >= h.start_time and z.local_now::time < h.end_time then $now::timestamptz
                when z.local_now::time < h.start_time then (z.local_now::date + h.start_time) at time zone z.tz
                else ((z.local_now::date + 1) + h.start_time) at time zone z.tz end as next_working_at
    from hours h
    join (select shop_key, tz, $now::timestamptz at time zone tz as local_now
          from (select distinct shop_key, tz from orders)) z on z.shop_key = h.shop_key),
judged as (
    select o.*, c.strictest.category as category, c.strictest.rule_id as rule_id,
           c.strictest.minutes as sla_minutes,
           o.paid_at + to_minutes(c.strictest.minutes::bigint) as sla_deadline,
           f.stock_unknown, f.order_key is not null as has_open_lines, s.order_key is not null as stock_short,
           lim.order_key is not null as over_sku_limit, hv.threshold as high_value_threshold
    from orders o
    left join order_lines f on f.order_key = o.order_key
    left join category_sets c on c.platform is not distinct from o.platform
                             and c.shop_key is not distinct from o.shop_key
                             and c.category_bits = coalesce(f.category_bits, 1)
    left join short_orders s on s.order_key = o.order_key
    left join over_sku_limit lim on lim.order_key = o.order_key
    left join high_value hv on hv.currency = o.currency),
leveled as (
    select *,
           case when paid_at is null or paid_at > $now::timestamptz then 0
                when deadline_at < $now::timestamptz and stock_short then 3
                when deadline_at < $now::timestamptz then 2
                when paid_at + to_minutes($reminder_minutes::bigint) <= $now::timestamptz then 1
                else 0 end as level
    from (select *, least(sla_deadline, ship_by) as deadline_at from judged)),
routed as (
    select *,
           list_filter([
               case when payment_state = 'pending' then 'payment_pending' end,
               case when payment_state = 'failed' then 'payment_failed' end,
               case when address_valid = false then 'incomplete_address' end,
               case when units > $per_order_limit or over_sku_limit then 'purchase_limit_exceeded' end,
               case when risk_flag then 'risk_control' end,
               case when paid_amount >= high_value_threshold then 'high_value' end,
               case when level = 3 then 'on_hold_stock_short' end
           ], lambda r: r is not null) as queue_reasons
    from leveled)
select r.order_key, r.platform, r.shop_key, r.status, r.paid_at,
       r.category,
       r.sla_minutes::integer as sla_minutes,
       r.deadline_at,
       case when r.ship_by is not null and (r.sla_deadline is null or r.ship_by < r.sla_deadline)
                then 'platform_ship_by'
            when r.sla_deadline is not null then 'sla:' || r.rule_id
       end as deadline_rule,
       r.level::tinyint as level,
       case when r.level = 3 then 'frozen' when len(r.queue_reasons) > 0 then 'manual_review'
            else 'standard' end as queue,
       r.queue_reasons,
       case when r.stock_short then 'stock_short' when r.stock_unknown then 'stock_unknown'
            when r.has_open_lines then 'sufficient' end as stock_status,
       case when r.deadline_at is not null
            then round(greatest(epoch($now::timestamptz) - epoch(r.deadline_at), 0) / 60.0, 2)
       end as overdue_minutes,
       case when r.level = 0 then null when r.level >= 2 then $now::timestamptz
            else coalesce(c.next_working_at, $now::timestamptz) end as notify_at,
       (coalesce(r.paid_at, r.created_at) at time zone r.tz)::date as business_date_local,
       $now::timestamptz as evaluated_at
from routed r
left join shop_clock c on c.shop_key = r.shop_key and c.tz = r.tz
"""
