"""Run a `Suite` against a pandas frame with GX Core 1.x, and map GX's result back to our gates.

Why this shape (see docs/ecosystem-notes: dagster-ge is pre-1.0 and GX's SQL path is broken on DuckDB):
- One ephemeral GX context per process, created on first use: `import great_expectations` alone costs
  seconds. Each suite gets its pandas dataframe asset and whole-dataframe batch definition once.
- All gates of a suite are validated in ONE `batch.validate(ExpectationSuite)` call, so GX shares metrics
  (null counts, the column domain) between gates instead of starting a run per gate.
- `result_format` SUMMARY with `partial_unexpected_count=5`: COMPLETE would build full lists of failing
  values and indexes, which on millions of rows costs more than the checks themselves.
- Failing samples are looked up by GX's `partial_unexpected_index_list` in the gate's sample column and
  masked when personal. Nothing from GX's raw result (which holds unmasked values) leaves this module.
- Frames are normalised first: GX's between-check is vectorised only for int64/float64/datetime columns and
  falls back to a Python call per row for int32 (DuckDB INTEGER), nullable Int32 and Decimal objects.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from order_pipeline.warehouse.quality.gates import INVISIBLE, Gate, Personal, Severity, Suite

SAMPLE_LIMIT = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_LIMIT}
_DATASOURCE = "order_pipeline_quality"
_INVISIBLE = re.compile(INVISIBLE)
_lock = threading.RLock()  # GX contexts are not thread-safe; a process validates one suite at a time
_state: dict[str, Any] = {}


@dataclass(frozen=True)
class GateResult:
    gate: str
    severity: Severity
    passed: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    sample_column: str
    samples: tuple[str | None, ...]  # masked when the sample column is personal
    error: str | None = None  # GX raised while evaluating (missing column, type error): the gate fails


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    table: str
    version: int
    fingerprint: str
    rows_loaded: int
    rows_validated: int
    gates: tuple[GateResult, ...]
    gx_seconds: float

    @property
    def errors(self) -> list[str]:
        return [g.gate for g in self.gates if not g.passed and g.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[str]:
        return [g.gate for g in self.gates if not g.passed and g.severity is Severity.WARN]

    @property
    def passed(self) -> bool:
        """False iff an ERROR gate failed: failed WARN gates are reported in `warnings` only."""
        return not self.errors


def mask(value: Any, personal: Personal | None) -> str | None:
    """A sample as it may appear in Dagster's event log: personal values masked, invisible chars escaped."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    if personal is Personal.PHONE:
        digits = re.sub(r"\D", "", text)
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "***"
    if personal is Personal.NAME:
        return text[0] + "*" if text.strip() else "***"
    if personal is not None:
        return "***"
    text = _INVISIBLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return text if len(text) <= 80 else text[:77] + "..."


def _from_arrow(arrow_type: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_timestamp(arrow_type):
        return "datetime64[us, UTC]" if arrow_type.tz else "datetime64[us]"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float64"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "str" if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else object


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Dtypes GX handles vectorised; pandas 3 str (pyarrow) columns are kept, GX's regex uses them as-is."""
    out = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.ArrowDtype):  # e.g. .arrow().to_pandas(types_mapper=pd.ArrowDtype)
            column = column.astype(_from_arrow(column.dtype.pyarrow_dtype))
        if pd.api.types.is_integer_dtype(column.dtype) and column.dtype != "int64":
            column = column.astype("float64" if column.hasnans else "int64")
        elif column.dtype == object:
            first = column.first_valid_index()
            if first is not None and isinstance(column[first], Decimal):  # .arrow().to_pandas() DECIMAL
                column = column.astype("float64")
        out[name] = column
    return pd.DataFrame(out, index=frame.index)


def _skip_batch_fingerprint() -> None:
    """GX hashes every pandas batch under 1 GB (`hash_pandas_object`) into its batch markers, and
    `batch.validate` loads the batch a second time: on 2.5M order lines that was 3.8 s of 4.9 s, for a
    fingerprint nothing here reads. Raising no error if GX renames the constant: it is only slower then."""
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


def _gx_context() -> Any:
    if "context" not in _state:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _skip_batch_fingerprint()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)  # tqdm spam in Dagster logs
        _state["context"] = context
        _state["source"] = context.data_sources.add_pandas(_DATASOURCE)
        _state["batch_definitions"] = {}
    return _state["context"]


def warm_up_in_background() -> None:
    """Import GX and create the context in a daemon thread, once per process: a step that mostly waits (a dbt
    build runs in its own process) calls this so the first gate after it does not pay the 2-3 s import. The
    import runs under `_lock`, as in `run_suite`, so GX is never imported by two threads at once."""
    with _lock:
        if "context" in _state or "warm_up" in _state:
            return
        _state["warm_up"] = threading.Thread(target=_warm, name="gx-warm-up", daemon=True)
        _state["warm_up"].start()


def _warm() -> None:
    with _lock:
        _gx_context()


def _batch_definition(suite: Suite) -> Any:
    _gx_context()
    definitions = _state["batch_definitions"]
    if suite.name not in definitions:
        asset = _state["source"].add_dataframe_asset(suite.name)
        definitions[suite.name] = asset.add_batch_definition_whole_dataframe("whole")
    return definitions[suite.name]


def prepare(suite: Suite, frame: pd.DataFrame) -> pd.DataFrame:
    """Row filter, derived boolean columns, a 0..n-1 index (GX's failing-row indexes are positions)."""
    if suite.row_filter is not None:
        frame = frame[suite.row_filter(frame).fillna(False).astype(bool)]
    frame = normalise(frame).reset_index(drop=True)
    return frame.assign(**{name: derive(frame) for name, derive in suite.derived.items()}) if suite.derived \
        else frame


def _gx_error(exception_info: Any) -> str | None:
    """GX reports an exception either flat ({raised_exception, exception_message}) or per failed metric."""
    info = exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        get = entry.get if isinstance(entry, dict) else lambda key, e=entry: getattr(e, key, None)
        if get("raised_exception"):
            return str(get("exception_message"))[:300]  # messages name columns and types, not values
    return None


def _gate_result(gate: Gate, result: Any, frame: pd.DataFrame) -> GateResult:
    info = result.result or {}
    error = _gx_error(result.exception_info)
    indexes = list(info.get("partial_unexpected_index_list") or [])[:SAMPLE_LIMIT]
    if indexes and gate.sample_column in frame.columns:
        values = list(dict.fromkeys(frame[gate.sample_column].take(indexes).tolist()))  # distinct, in order
    elif gate.sample_column == gate.kwargs.get("column"):
        values = list(info.get("partial_unexpected_list") or [])[:SAMPLE_LIMIT]
    else:
        values = []
    return GateResult(
        gate=gate.name, severity=gate.severity, passed=bool(result.success) and error is None,
        element_count=int(info.get("element_count") or 0), unexpected_count=int(info.get("unexpected_count") or 0),
        unexpected_percent=round(float(info.get("unexpected_percent") or 0.0), 4),
        sample_column=gate.sample_column, samples=tuple(mask(v, gate.personal) for v in values),
        error=error,
    )


def run_suite(suite: Suite, frame: pd.DataFrame, *, now: datetime | None = None) -> SuiteOutcome:
    """Validate every gate of `suite` on `frame` in one GX call; `now` bounds the plausible timestamps."""
    now = now or datetime.now(UTC)
    prepared = prepare(suite, frame)
    with _lock:
        _gx_context()  # first call: telemetry off, import (seconds), context; not counted in gx_seconds
        import great_expectations as gx

        started = time.perf_counter()
        expectations = gx.ExpectationSuite(name=suite.name, expectations=[g.build(now) for g in suite.gates])
        batch = _batch_definition(suite).get_batch(batch_parameters={"dataframe": prepared})
        try:
            validation = batch.validate(expectations, result_format=RESULT_FORMAT)
        finally:  # GX keeps the last frame of every asset: do not hold millions of rows after the check.
            # reset_batch_cache() forgets the batches, not their data: the data cache is cleared as well (it
            # held every suite's last frame, ~700 MB of staging rows in the run worker on a full build).
            batches = _state["source"].get_execution_engine().batch_manager
            batches.reset_batch_cache()
            batches.batch_data_cache.clear()
        seconds = time.perf_counter() - started
    by_gate = {r.expectation_config.meta.get("gate"): r for r in validation.results}
    missing = [g.name for g in suite.gates if g.name not in by_gate]
    if missing:
        raise RuntimeError(f"GX returned no result for gates {missing} of suite {suite.name}")
    return SuiteOutcome(
        suite=suite.name, table=suite.table, version=suite.version, fingerprint=suite.fingerprint,
        rows_loaded=len(frame), rows_validated=len(prepared),
        gates=tuple(_gate_result(g, by_gate[g.name], prepared) for g in suite.gates), gx_seconds=round(seconds, 3),
    )
