"""What `make demo` prints after the run: the numbers an analyst would look at first, from serving.duckdb."""

from __future__ import annotations

from pathlib import Path

import duckdb

from order_pipeline.warehouse.schema import has_table

EXAMPLE_QUERY = (
    "select platform, business_date, count(*) as orders, sum(paid_amount) as revenue, any_value(currency)\n"
    "from fct_orders where status not in ('unpaid', 'cancelled')\n"
    "group by all order by business_date desc, platform limit 10;"
)


def print_warehouse_summary(serving: Path, check_results: list[tuple[str, bool, str]]) -> None:
    if not serving.exists():
        print("\nserving database: not published (see the failed step or check above)")
        return
    con = duckdb.connect(str(serving), read_only=True)
    con.execute("set TimeZone = 'UTC'")  # icu is built in, but loads only after connect
    try:
        print("\norders and revenue per platform (revenue in each shop's own currency; not cancelled):")
        print(f"{'platform':<10}{'currency':<10}{'orders':>8}{'revenue':>20}{'customers':>11}")
        for platform, currency, orders, revenue, customers in con.execute(
            "select platform, currency, count(*), sum(paid_amount) filter (where status not in "
            "('unpaid', 'cancelled')), count(distinct customer_id) from fct_orders group by all order by all"
        ).fetchall():
            print(f"{platform:<10}{currency:<10}{orders:>8}{revenue or 0:>20,.2f}{customers:>11}")
        quarantined = con.execute(
            "select stream, reason, count(*) from fct_quarantine group by all order by 3 desc").fetchall()
        print("\nquarantined records by reason:" + ("" if quarantined else " none"))
        for stream, reason, count in quarantined:
            print(f"  {stream:<9}{reason:<32}{count:>6}")
        changes = con.execute("select count(*) from fct_order_changes").fetchone()[0]
        tags = con.execute("select tag, count(*) from (select unnest(tags) as tag from dim_customers) "
                           "group by all order by 1").fetchall()
        print(f"\norder changes recorded (fct_order_changes): {changes}")
        print("customer tags: " + (", ".join(f"{tag} {count}" for tag, count in tags) or "none yet"))
    finally:
        con.close()
    if check_results:
        gates = [c for c in check_results if ":gx_" in c[0]]
        tests = [c for c in check_results if ":gx_" not in c[0]]
        print("\nGreat Expectations gates:")
        for name, passed, severity in gates:
            print(f"  {'PASS' if passed else severity:<6}{name}")
        failing = [c for c in tests if not c[1]]
        print(f"dbt tests (asset checks): {len(tests) - len(failing)} passed, {len(failing)} not passed")
        for name, _, severity in failing:
            print(f"  {severity:<6}{name}")
    print(f"\nserving database for analysts: {serving} (open it read-only)")
    print(f"  .venv/bin/python -c \"import duckdb; con = duckdb.connect('{serving}', read_only=True); "
          "print(con.sql(open('/dev/stdin').read()))\" <<'SQL'")
    print("  " + EXAMPLE_QUERY.replace("\n", "\n  "))
    print("  SQL")


def print_alert_summary(serving: Path, alert_run_succeeded: bool | None) -> None:
    """Alerts by level and delivery, and the queues of the open orders (fct_order_alerts, rpt_order_routing)."""
    if alert_run_succeeded is None or not serving.exists():
        return
    if not alert_run_succeeded:
        print("\norder alerts: the alert run failed (see its log in the Dagster UI)")
        return
    con = duckdb.connect(str(serving), read_only=True)
    try:
        levels = con.execute("select level, count(distinct order_key) from fct_order_alerts "
                             "group by all order by 1").fetchall()
        deliveries = con.execute("select coalesce(channel, '-'), delivery_status, count(*) from fct_order_alerts "
                                 "group by all order by all").fetchall()
        queues = con.execute("select queue, count(*) from rpt_order_routing group by all order by 1").fetchall()
    finally:
        con.close()
    names = {1: "reminder (operator)", 2: "SLA breached (supervisor, to-do)",
             3: "on hold: breached, stock short"}
    print("\norder alerts (fct_order_alerts; config/sla_policies.yaml, config/alerts.yaml):")
    for level, orders in levels:
        print(f"  level {level} {names.get(level, ''):<34}{orders:>6} orders")
    print("  deliveries: " + ", ".join(f"{channel} {status} {count}" for channel, status, count in deliveries))
    print("  (set ORDER_PIPELINE_ALERT_WEBHOOK_URL or a robot's URL variable to deliver for real)")
    print("open orders by queue (rpt_order_routing): " + ", ".join(f"{q} {n}" for q, n in queues))


def _rows(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list | None = None) -> list[tuple] | None:
    """The rows of `sql`, or None when the serving file lacks `table` (its job did not run)."""
    return con.execute(sql, params or []).fetchall() if has_table(con, table) else None


def print_nightly_summary(serving: Path, day: str | None) -> None:
    """Stock positions, the night's reconciliation and completeness, and returns attribution."""
    if not serving.exists():
        return
    con = duckdb.connect(str(serving), read_only=True)
    try:
        atp = _rows(con, "rpt_available_to_promise", "select count(*), count(*) filter (safety_stock_breach), "
                    "count(*) filter (oversell_risk) from rpt_available_to_promise")
        if atp:
            skus, breaches, risks = atp[0]
            print(f"\nstock (rpt_available_to_promise): {skus} SKUs, {breaches} below safety stock, "
                  f"{risks} at oversell risk")
        recon = _rows(con, "rpt_inventory_reconciliation",
                      "select system_a || '/' || system_b, count(*), count(*) filter (deviating), "
                      "count(*) filter (flagged_for_audit) from rpt_inventory_reconciliation "
                      "where business_date = ? group by all order by 1", [day])
        if recon is not None:
            print(f"\nnightly reconciliation for {day} (rpt_inventory_reconciliation):")
            for pair, compared, deviating, flagged in recon:
                print(f"  {pair:<16}{compared:>6} compared{deviating:>6} deviating{flagged:>6} flagged (> 5%)")
        missing = _rows(con, "rpt_order_completeness",
                        "select platform, shop_key, listed, missing, backfilled from rpt_order_completeness "
                        "where business_date = ? order by all", [day])
        if missing is not None:
            print("order completeness (rpt_order_completeness): "
                  + ", ".join(f"{shop} {miss} missed/{listed} listed, {back} backfilled"
                              for _, shop, listed, miss, back in missing))
        reasons = _rows(con, "rpt_returns_attribution",
                        "select reason_category, refunds, round(100 * return_rate, 2) from rpt_returns_attribution "
                        "where dimension = 'reason' order by refunds desc limit 5")
        if reasons:
            print("returns by reason (rpt_returns_attribution, top 5): "
                  + ", ".join(f"{reason} {refunds} ({rate}% of units)" for reason, refunds, rate in reasons))
    finally:
        con.close()
