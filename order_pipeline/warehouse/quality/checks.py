"""GX suites as blocking Dagster asset checks.

Why blocking: the serving database is what analysts read, so a mart that fails an ERROR gate must not be
published in the same run. Dagster skips the downstream assets when a `blocking=True` check fails with
severity ERROR; a WARN-only failure is shown on the asset (passed=False, severity WARN) and does not block.
Blocking only applies within one run (dagster #17332): the publish step must run in the same job.

The check does not open DuckDB itself: the caller supplies `load_frame(columns) -> DataFrame` (the lead's
loader opens the warehouse read-only and selects only the suite's columns), so the check stays
independent of where the warehouse file lives and is testable against a temporary DuckDB file.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from order_pipeline.clock import Clock
from order_pipeline.warehouse.quality.gates import Suite
from order_pipeline.warehouse.quality.runner import GateResult, SuiteOutcome, run_suite


@dataclass(frozen=True)
class Batch:
    """What a check validates: the frame, which rows of the table it holds (shown in the check's metadata), and
    the newest load it covers, which the caller records once no ERROR gate failed."""

    frame: pd.DataFrame
    scope: str = "whole table"
    newest_load: int | None = None


def evaluate(suite: Suite, frame: pd.DataFrame, now: datetime | None = None) -> SuiteOutcome:
    """Run a suite outside Dagster (benchmarks, ad-hoc checks in a notebook)."""
    return run_suite(suite, frame, now=now or datetime.now(UTC))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _gates_markdown(gates: tuple[GateResult, ...]) -> str:
    lines = ["| gate | severity | passed | rows | unexpected | % | samples |", "|---|---|---|---|---|---|---|"]
    for g in gates:
        samples = ", ".join("NULL" if s is None else s for s in g.samples)
        if g.error:
            samples = f"GX error: {g.error}"
        lines.append(f"| {g.gate} | {g.severity} | {'yes' if g.passed else '**no**'} | {g.element_count} | "
                     f"{g.unexpected_count} | {g.unexpected_percent:.4g} | {_cell(samples)} |")
    return "\n".join(lines)


def outcome_metadata(outcome: SuiteOutcome, load_seconds: float | None = None,
                     scope: str = "whole table") -> dict[str, dg.MetadataValue]:
    """Metadata for the check result: every sample in it is already masked by the runner."""
    gates = [
        {"gate": g.gate, "severity": str(g.severity), "passed": g.passed, "element_count": g.element_count,
         "unexpected_count": g.unexpected_count, "unexpected_percent": g.unexpected_percent,
         "sample_column": g.sample_column, "samples": list(g.samples), "error": g.error}
        for g in outcome.gates
    ]
    metadata = {
        "suite": dg.MetadataValue.text(outcome.suite),
        "suite_version": dg.MetadataValue.int(outcome.version),
        "suite_fingerprint": dg.MetadataValue.text(outcome.fingerprint),
        "table": dg.MetadataValue.text(outcome.table),
        "rows_loaded": dg.MetadataValue.int(outcome.rows_loaded),
        "rows_validated": dg.MetadataValue.int(outcome.rows_validated),
        "rows_scope": dg.MetadataValue.text(scope),
        "failed_error_gates": dg.MetadataValue.text(", ".join(outcome.errors) or "-"),
        "failed_warn_gates": dg.MetadataValue.text(", ".join(outcome.warnings) or "-"),
        "gx_seconds": dg.MetadataValue.float(outcome.gx_seconds),
        "gates": dg.MetadataValue.md(_gates_markdown(outcome.gates)),
        "gate_results": dg.MetadataValue.json(json.loads(json.dumps(gates, default=str))),
    }
    if load_seconds is not None:
        metadata["load_seconds"] = dg.MetadataValue.float(round(load_seconds, 3))
    return metadata


def check_result(outcome: SuiteOutcome, load_seconds: float | None = None,
                 scope: str = "whole table") -> dg.AssetCheckResult:
    severity = dg.AssetCheckSeverity.ERROR if outcome.errors else dg.AssetCheckSeverity.WARN
    passed = outcome.passed and not outcome.warnings  # a WARN failure is shown as failed, but not blocking
    return dg.AssetCheckResult(passed=passed, severity=severity,
                               metadata=outcome_metadata(outcome, load_seconds, scope))


def gx_asset_check(
    asset_key: dg.AssetKey,
    suite: Suite,
    load_frame: Callable[[dg.AssetCheckExecutionContext, list[str]], pd.DataFrame | Batch],
    *,
    clock: Clock | None = None,
    pool: str | None = None,
    required_resource_keys: frozenset[str] = frozenset(),
    record_validated: Callable[[dg.AssetCheckExecutionContext, int], None] | None = None,
) -> dg.AssetChecksDefinition:
    """A blocking asset check `gx_<suite.name>` on `asset_key` that validates the suite's columns.

    `load_frame(context, columns)` reads the data (from `context.resources` in the pipeline), as a frame or a
    `Batch` of the rows new since the last validation; `record_validated(context, newest_load)` is called when
    no ERROR gate failed, so the next run starts after that load. `pool` puts the check in a concurrency pool,
    e.g. with the writers of the DuckDB file it reads."""
    errors = sum(1 for g in suite.gates if g.severity == "ERROR")
    description = (
        f"Great Expectations suite {suite.name} v{suite.version} on {suite.table}: {len(suite.gates)} gates "
        f"({errors} ERROR block downstream assets, {len(suite.gates) - errors} WARN)."
        + (f" Rows validated: {suite.row_filter_doc}." if suite.row_filter_doc else "")
    )

    # No `from __future__ import annotations` in this module: Dagster inspects the real context annotation.
    @dg.asset_check(asset=asset_key, name=f"gx_{suite.name}", blocking=True, description=description, pool=pool,
                    required_resource_keys=set(required_resource_keys))
    def _gx_check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        started = time.perf_counter()
        loaded = load_frame(context, list(suite.columns))
        batch = loaded if isinstance(loaded, Batch) else Batch(loaded)
        load_seconds = time.perf_counter() - started
        outcome = evaluate(suite, batch.frame, clock.now() if clock else None)
        context.log.info(
            f"gx_{suite.name}: {outcome.rows_validated} rows ({batch.scope}), {len(outcome.gates)} gates in "
            f"{outcome.gx_seconds}s; failed ERROR gates: {outcome.errors or 'none'}, failed WARN gates: "
            f"{outcome.warnings or 'none'}"
        )
        if outcome.passed and record_validated is not None and batch.newest_load is not None:
            record_validated(context, batch.newest_load)
        return check_result(outcome, load_seconds, batch.scope)

    return _gx_check
