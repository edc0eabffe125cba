"""What an alert says, independent of where it goes.

The timeout sensor produces one `AlertItem` per (order, level). A channel is sent an `AlertMessage`: a title,
a level and plain-text lines, which each channel renders in its own markup. When many orders are overdue at
once, `digest` folds them into ONE message with counts and the worst examples, because a group robot that
posts 500 messages in a minute is muted by its readers (and throttled by the platform: DingTalk and WeCom
allow 20 messages a minute per robot).

Alerts reach chat groups that many people read, so a message carries order keys and never personal data
(names, phones, addresses); `AlertItem` masks anything in its free-text reason that looks like a mobile number,
in case a caller copies a buyer's note into it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

LEVELS = (1, 2, 3)
LEVEL_NAMES = {1: "reminder 预警", 2: "breach 超时", 3: "hold 熔断"}
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_MAX_COUNT_ROWS = 10  # per dimension in a digest; the rest is summed as "others"


def scrub_personal_data(text: str) -> str:
    """Mask CN mobile numbers (with or without +86, spaces or dashes): a reason is free text."""
    return _MOBILE.sub("[phone removed]", text)


@dataclass(frozen=True)
class AlertItem:
    """One order at one alert level, as the timeout detection raised it."""

    order_key: str
    platform: str
    shop_key: str
    level: int
    reason: str
    overdue_minutes: float

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"alert level must be one of {LEVELS}, got {self.level!r}")
        object.__setattr__(self, "reason", scrub_personal_data(self.reason))

    def summary(self) -> str:
        return (f"{self.order_key} · {self.platform}/{self.shop_key} · L{self.level} · "
                f"overdue {self.overdue_minutes:.0f} min · {self.reason}")


@dataclass(frozen=True)
class DigestCounts:
    """How many alerts a digest stands for, per level, platform and shop."""

    total: int
    by_level: dict[int, int]
    by_platform: dict[str, int]
    by_shop: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "by_level": {str(k): v for k, v in self.by_level.items()},
                "by_platform": self.by_platform, "by_shop": self.by_shop}


@dataclass(frozen=True)
class AlertMessage:
    """One message to send: channels render `title` and `lines` in their own markup."""

    title: str
    level: int
    lines: tuple[str, ...]
    order_keys: tuple[str, ...] = ()
    digest: DigestCounts | None = None
    examples: tuple[AlertItem, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"alert level must be one of {LEVELS}, got {self.level!r}")

    @property
    def message_id(self) -> str:
        """Stable for the same alert content, so a receiver can drop a duplicate delivery (a retry after a lost
        response sends the same message twice)."""
        keys = ",".join(sorted(self.order_keys))
        return hashlib.sha256(f"{self.level}|{self.title}|{keys}".encode()).hexdigest()[:24]

    def text(self) -> str:
        return "\n".join((self.title, *self.lines))

    def to_document(self) -> dict[str, Any]:
        """The JSON document the generic webhook posts (machine readers get every order key)."""
        return {
            "message_id": self.message_id,
            "title": self.title,
            "level": self.level,
            "level_name": LEVEL_NAMES[self.level],
            "lines": list(self.lines),
            "order_keys": list(self.order_keys),
            "digest": self.digest.to_dict() if self.digest else None,
            "examples": [
                {"order_key": a.order_key, "platform": a.platform, "shop_key": a.shop_key, "level": a.level,
                 "reason": a.reason, "overdue_minutes": a.overdue_minutes}
                for a in self.examples
            ],
        }


def single(alert: AlertItem) -> AlertMessage:
    """The message for one alert, when there are too few to digest."""
    return AlertMessage(
        title=f"[L{alert.level} {LEVEL_NAMES[alert.level]}] order {alert.order_key} overdue",
        level=alert.level,
        lines=(alert.summary(),),
        order_keys=(alert.order_key,),
        examples=(alert,),
    )


def worst_first(alerts: Iterable[AlertItem]) -> list[AlertItem]:
    """Highest level first, then the longest overdue; order key breaks ties so the order is reproducible."""
    return sorted(alerts, key=lambda a: (-a.level, -a.overdue_minutes, a.order_key))


def _count_line(label: str, counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [f"{name} {n}" for name, n in ranked[:_MAX_COUNT_ROWS]]
    rest = sum(n for _, n in ranked[_MAX_COUNT_ROWS:])
    if rest:
        shown.append(f"others {rest}")
    return f"{label}: " + ", ".join(shown)


def digest(alerts: Iterable[AlertItem], max_examples: int = 5) -> AlertMessage:
    """ONE message for many alerts: counts per level, platform and shop, and the `max_examples` worst."""
    ranked = worst_first(alerts)
    if not ranked:
        raise ValueError("digest needs at least one alert")
    counts = DigestCounts(
        total=len(ranked),
        by_level={level: n for level, n in sorted(Counter(a.level for a in ranked).items())},
        by_platform=dict(Counter(a.platform for a in ranked)),
        by_shop=dict(Counter(a.shop_key for a in ranked)),
    )
    level = ranked[0].level
    examples = tuple(ranked[:max_examples])
    lines = (
        f"{counts.total} overdue orders: "
        + ", ".join(f"L{lvl} {LEVEL_NAMES[lvl]} {n}" for lvl, n in sorted(counts.by_level.items(), reverse=True)),
        _count_line("By platform", counts.by_platform),
        _count_line("By shop", counts.by_shop),
        f"Worst {len(examples)}:",
        *(a.summary() for a in examples),
    )
    return AlertMessage(
        title=f"[L{level} {LEVEL_NAMES[level]}] {counts.total} overdue orders",
        level=level,
        lines=lines,
        order_keys=tuple(a.order_key for a in ranked),
        digest=counts,
        examples=examples,
    )
