"""The 2am run (F10): the nightly reconciliation job and its schedule in Asia/Shanghai.

The schedule fires at 02:00 China time (`execution_timezone`), whatever the server's zone, and asks for the
partition of the local day that just ended. The partition key comes from the tick's time in Asia/Shanghai,
never from UTC: at 02:00 on 7 December it is still 6 December in UTC for another 16 hours, and a run judged
in UTC would reconcile the 5th (the seed's midnight incident, in another form).
"""

import dagster as dg

from order_pipeline.reconciliation.partitions import RECONCILIATION_TIMEZONE, last_closed_day

nightly_reconciliation_job = dg.define_asset_job(
    "nightly_reconciliation_job",
    selection=dg.AssetSelection.groups("ingestion", "warehouse", "serving", "reconciliation"),
    description="The 02:00 run for one business day: re-list recent orders by created time and backfill what the "
                "incremental pulls missed, pull fresh stock from every system, rebuild the warehouse, reconcile "
                "stock across systems and publish the reports.",
)


@dg.schedule(cron_schedule="0 2 * * *", execution_timezone=RECONCILIATION_TIMEZONE, job=nightly_reconciliation_job,
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="02:00 Asia/Shanghai: reconcile the local day that just ended.")
def nightly_reconciliation_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = last_closed_day(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"reconciliation-{day.isoformat()}", partition_key=day.isoformat())
