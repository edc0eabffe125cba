"""Great Expectations gates on the warehouse tables, run as blocking Dagster asset checks.

`suites` holds the gates (in code, versioned), `runner` validates a frame with GX Core and masks samples,
`checks` turns a suite into a `dg.asset_check`. Nothing here imports GX at module import (it costs seconds).
"""
