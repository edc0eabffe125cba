"""What the alert job records in the warehouse: alerts, their deliveries, and the routing of open orders.

`operations.order_alerts` has one row per (order, level) ever alerted: its primary key is what makes "each
(order, level) is alerted once" hold across sensor ticks, concurrent runs and daemon restarts. Only an order's
current level is recorded (an order first seen already breached gets a level-2 alert, not a stale reminder).
`operations.alert_deliveries` has one row per (order, level, channel): pending until the channel accepted it,
so a failed delivery is retried by later runs and never lost. `operations.order_routing` is replaced on every
run: the queue of every open order now. `fct_order_alerts` (published) joins the first two.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

DDL = (
    "create schema if not exists operations",
    """create table if not exists operations.order_alerts (
        order_key VARCHAR NOT NULL, level INTEGER NOT NULL, platform VARCHAR, shop_key VARCHAR, queue VARCHAR,
        reason VARCHAR, rule VARCHAR, deadline_at TIMESTAMPTZ, overdue_minutes DOUBLE,
        detected_at TIMESTAMPTZ NOT NULL, notify_at TIMESTAMPTZ, PRIMARY KEY (order_key, level))""",
    """create table if not exists operations.alert_deliveries (
        order_key VARCHAR NOT NULL, level INTEGER NOT NULL, channel VARCHAR NOT NULL, status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, message_id VARCHAR, delivered_at TIMESTAMPTZ,
        last_attempt_at TIMESTAMPTZ, last_error VARCHAR, PRIMARY KEY (order_key, level, channel))""",
    """create table if not exists operations.order_routing (
        order_key VARCHAR NOT NULL, platform VARCHAR, shop_key VARCHAR, status VARCHAR, level INTEGER,
        queue VARCHAR, queue_reasons VARCHAR[], category VARCHAR, deadline_at TIMESTAMPTZ, deadline_rule VARCHAR,
        overdue_minutes DOUBLE, stock_status VARCHAR, business_date_local DATE, evaluated_at TIMESTAMPTZ)""",
    """create table if not exists operations.order_todos (
        order_key VARCHAR PRIMARY KEY, platform VARCHAR, shop_key VARCHAR, opened_at TIMESTAMPTZ NOT NULL,
        deadline_at TIMESTAMPTZ, status VARCHAR NOT NULL, closed_at TIMESTAMPTZ)""",
)

# The published alert table: one row per alert and channel (no channel configured: one row, channel null).
FCT_ORDER_ALERTS = """
    create or replace table main.fct_order_alerts as
    select a.order_key, a.platform, a.shop_key, a.level, a.queue, a.reason, a.rule, a.deadline_at,
           a.overdue_minutes, a.detected_at, a.notify_at, d.delivered_at, d.channel,
           coalesce(d.status, 'not_configured') as delivery_status, coalesce(d.attempts, 0) as attempts,
           d.last_error
    from operations.order_alerts as a
    left join operations.alert_deliveries as d using (order_key, level)
"""
RPT_ORDER_ROUTING = "create or replace table main.rpt_order_routing as select * from operations.order_routing"
FCT_ORDER_TODOS = "create or replace table main.fct_order_todos as select * from operations.order_todos"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def replace_routing(con: duckdb.DuckDBPyConnection) -> int:
    """The routing of every open order, from the temp table `evaluated` of this run."""
    con.execute("delete from operations.order_routing")
    con.execute("""insert into operations.order_routing
                   select order_key, platform, shop_key, status, level, queue, queue_reasons, category,
                          deadline_at, deadline_rule, overdue_minutes, stock_status, business_date_local,
                          evaluated_at
                   from evaluated""")
    return con.execute("select count(*) from operations.order_routing").fetchall()[0][0]


def record_new_alerts(con: duckdb.DuckDBPyConnection, detected_at: datetime) -> int:
    """Insert an alert for every evaluated order at level >= 1 whose (order, level) has none yet; returns how
    many. The reason names what the level means and, for review/hold, why; the rule names the deadline."""
    before = con.execute("select count(*) from operations.order_alerts").fetchall()[0][0]
    con.execute(
        """
        insert into operations.order_alerts
        select e.order_key, e.level, e.platform, e.shop_key, e.queue,
               case e.level when 1 then 'reminder: not shipped ' || round(e.minutes_since_paid) || ' min after payment'
                            when 2 then 'sla_breached: deadline passed ' || round(e.overdue_minutes) || ' min ago'
                            else 'on_hold: sla breached and stock short' end
                   || case when len(e.queue_reasons) > 0 then ' [' || array_to_string(e.queue_reasons, ', ') || ']'
                           else '' end,
               e.deadline_rule, e.deadline_at, e.overdue_minutes, ?, e.notify_at
        from (select *, date_diff('second', paid_at, evaluated_at) / 60.0 as minutes_since_paid
              from evaluated) as e
        where e.level >= 1
        on conflict do nothing
        """,
        [detected_at],
    )
    return con.execute("select count(*) from operations.order_alerts").fetchall()[0][0] - before


def open_deliveries(con: duckdb.DuckDBPyConnection, channels_by_level: dict[int, list[str]],
                    detected_at: datetime) -> None:
    """A pending delivery row for every alert detected now and every channel its level routes to (a channel
    added to the config later does not receive old alerts; one not configured ends `not_configured`)."""
    con.execute("""insert into operations.alert_deliveries (order_key, level, channel, status)
                   select a.order_key, a.level, r.channel, 'pending'
                   from operations.order_alerts as a
                   join (select unnest(?::integer[]) as level, unnest(?::varchar[]) as channel) as r
                     using (level)
                   where a.detected_at = ?
                   on conflict do nothing""",
                [[level for level, names in channels_by_level.items() for _ in names],
                 [name for names in channels_by_level.values() for name in names], detected_at])


def update_todos(con: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, int]:
    """Open a to-do for every order newly at level 2 or 3 (one per order, ever); close the open to-dos of
    orders no longer open (shipped, completed, cancelled)."""
    con.execute("""insert into operations.order_todos
                   select order_key, platform, shop_key, ?, deadline_at, 'open', null
                   from evaluated where level >= 2 on conflict do nothing""", [now])
    opened = con.execute("select count(*) from operations.order_todos where opened_at = ?", [now]).fetchall()[0][0]
    con.execute("""update operations.order_todos set status = 'closed', closed_at = ?
                   where status = 'open' and order_key not in (select order_key from evaluated)""",
                [now])
    closed = con.execute("select count(*) from operations.order_todos where closed_at = ?", [now]).fetchall()[0][0]
    return {"todos_opened": opened, "todos_closed": closed}
