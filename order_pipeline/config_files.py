"""Reading the project's checked-in settings files (alerts, SLA policies, inventory, returns) the same way.

Each file is YAML holding one mapping, validated by a pydantic model, and every problem is reported as
`<file>: <field path>: <message>` in the caller's own error type, so an operator is sent to the line to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


def read_mapping(source: Path, error: type[Exception], name: str, expected: str) -> dict[str, Any]:
    """The file's top-level mapping (an empty file is an empty mapping); `error` names the file otherwise.
    `name` says what the file is ("alerts file"), `expected` what its top level should be."""
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise error(f"{source}: {name} not found") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise error(f"{source}: expected {expected}")
    return raw


def field_path(loc: tuple[Any, ...], raw: Any = None) -> str:
    """pydantic's loc as the path an operator reads: `auto_approval.special_categories[0]`."""
    return ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in loc).replace(".[", "[")


def describe(exc: ValidationError, raw: Any,
             locate: Callable[[tuple[Any, ...], Any], str] = field_path) -> str:
    """Every validation error as `path: message`, joined; `locate` may name list items (`sla[2] (fresh_jd)`)."""
    problems = []
    for error in exc.errors(include_url=False):
        where = locate(tuple(error["loc"]), raw)
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)
