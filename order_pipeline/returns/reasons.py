"""Why a buyer returned something, as one of ten categories, from the platform's reason code and free text.

Analysts need one view of return reasons across Taobao/Tmall, JD, Douyin and Shopee (F11), but each platform
speaks differently: Shopee sends an enum (`WRONG_ITEM`, `PHYSICAL_DMG`, ...), the Chinese platforms a fixed
Chinese label (`七天无理由退换货`, `包装/商品破损/污渍`), and every buyer types whatever they like, in any
script, with typos and emoji. `classify_reason` maps all of it to `CATEGORIES`; nothing is dropped (no match is
`other`, matched_by "fallback") and the caller keeps the original code and text next to the category.

Order of evidence, and why:
1. A *specific* code decides (`WRONG_ITEM` is wrong_item whatever the buyer wrote): the platform made the
   buyer pick it, often with photos, and it drives who pays. A *weak* code (`ITEM_DAMAGED`: transit or
   quality?; `EXPECTATION_FAILED`) names a default that the text may refine within listed categories. A
   *generic* code (`OTHER`, mutual agreement) says nothing, so the text decides.
2. Keyword rules over the normalised text, first match wins, in this order: 7-day no-reason (a return
   channel the buyer chose: it always wins, even over a complaint) -> money/service matters (price
   protection, shipping fee, invoice: `other`) -> wrong item -> missing part -> damaged in transit (a break
   on the way beats "quality": "收到的商品破损了，质量太差" is the carrier's or the packer's problem) -> size/fit
   -> not as described -> quality -> late delivery (after the product rules: "slow, and it arrived rotten" is
   about the product) -> changed mind (the buyer's own reason comes last: "质量差，不想要了" is quality) ->
   agreement (`other`). The specific seller-side faults come first because they are the most actionable
   and their words are the least ambiguous.
3. Text that names nothing, then an unknown code read as text (a label we have not catalogued), then
   fallback `other`.

Normalisation (NFKC, case-fold, Latin accents stripped, the traditional characters in the rules folded to
simplified, whitespace/apostrophes/hyphens/invisible characters removed) makes "尺碼", "ＳＩＺＥ" and "size"
the same. Before matching, `rewrite` erases negations ("质量没问题，就是尺码偏小" keeps only the size) and
rewrites false friends ("色差太大" is colour, not "太大" = too big). The rules live in `reason_rules.yaml`
so analysts can extend them without touching code.

Speed: a million refunds hold a few thousand distinct (platform, code, text) triples, so results are
memoised on the raw triple (an LRU cache for `classify_reason`, a per-call dict in `classify_many`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

CATEGORIES: tuple[str, ...] = (
    "size_fit", "quality", "wrong_item", "not_as_described", "damaged_in_transit",
    "seven_day_no_reason", "changed_mind", "missing_part", "late_delivery", "other",
)
MatchedBy = Literal["code", "keyword", "fallback"]
RULES_PATH = Path(__file__).with_name("reason_rules.yaml")


@dataclass(frozen=True, slots=True)
class ReasonMatch:
    """The category, what decided it, and which rule (e.g. `code:shopee:WRONG_ITEM`, `size_fit:偏小`)."""

    category: str
    matched_by: MatchedBy
    rule: str


# Whitespace, controls, format characters (zero-width, BOM, bidi), variation selectors, apostrophes, hyphens.
_DROP_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff'’‘`\-‐-―]+")
_LATIN = {cp: unicodedata.normalize("NFD", chr(cp))[0] for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
          if unicodedata.normalize("NFD", chr(cp))[0].isascii() and len(unicodedata.normalize("NFD", chr(cp))) > 1}


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    category: str
    any_re: re.Pattern[str] | None
    all_res: tuple[re.Pattern[str], ...]

    def search(self, text: str) -> str | None:
        """The keyword(s) that made this rule fire on `text`, or None."""
        if self.any_re is not None and (m := self.any_re.search(text)):
            return m.group()
        if self.all_res:
            hits = [r.search(text) for r in self.all_res]
            if all(hits):
                return "+".join(h.group() for h in hits if h)
        return None


class _Rules:
    """`reason_rules.yaml`, validated and compiled once."""

    def __init__(self, raw: dict[str, Any]):
        if tuple(raw["categories"]) != CATEGORIES:
            raise ValueError("reason_rules.yaml categories differ from reasons.CATEGORIES")
        pairs = "".join(str(raw.get("traditional", "")).split())
        self.fold = str.maketrans({**_LATIN, **{ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}})
        self.rewrite_re: re.Pattern[str] | None = None  # norm() must not rewrite the rewrite table itself
        self.rewrite: dict[str, str] = {self.norm(k): self.norm(v) for v, keys in raw.get("rewrite", {}).items() for k in keys}
        self.rewrite_re = _alternation(self.rewrite)
        self.codes: dict[str, dict[str, tuple[str | None, frozenset[str]]]] = {}
        for platform, table in raw["codes"].items():
            self.codes[platform.casefold()] = {self.norm(str(code)): self._code(spec) for code, spec in table.items()}
        self.rules = tuple(
            _Rule(r["id"], self._category(r["category"]), _alternation(self.norm(k) for k in r.get("any", [])),
                  tuple(_alternation(self.norm(k) for k in group) for group in r.get("all", [])))
            for r in raw["rules"]
        )

    @staticmethod
    def _category(name: str) -> str:
        if name not in CATEGORIES:
            raise ValueError(f"unknown category in reason_rules.yaml: {name!r}")
        return name

    def _code(self, spec: str | list[str] | None) -> tuple[str | None, frozenset[str]]:
        """(category, categories the text may refine it to); None category = generic code."""
        if spec is None:
            return None, frozenset()
        if isinstance(spec, str):
            return self._category(spec), frozenset()
        head, *refine = spec
        allowed = set(CATEGORIES) if "*" in refine else {self._category(c) for c in refine}
        return self._category(head), frozenset(allowed | {head})

    def norm(self, s: str) -> str:
        """NFKC, case-folded, accents and traditional characters folded, separators and invisibles removed."""
        s = _DROP_RE.sub("", unicodedata.normalize("NFKC", s).casefold().translate(self.fold))
        return self.rewrite_re.sub(lambda m: self.rewrite[m.group()], s) if self.rewrite_re else s

    def first(self, text: str, allowed: frozenset[str] | None = None) -> tuple[_Rule, str] | None:
        for rule in self.rules:
            if (allowed is None or rule.category in allowed) and (hit := rule.search(text)):
                return rule, hit
        return None


def _alternation(keys: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({k for k in keys if k}, key=lambda k: (-len(k), k))
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


@functools.cache
def _rules() -> _Rules:
    return _Rules(yaml.safe_load(RULES_PATH.read_text(encoding="utf-8")))


def normalise_text(s: str | None) -> str:
    """The form the rules see: useful for grouping raw texts that differ only in width, case or spacing."""
    return _rules().norm(s) if s else ""


def _as_str(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None, pandas NaN
        return ""
    return value if isinstance(value, str) else str(value)


def classify_reason(platform: str, reason_code: str | None, reason_text: str | None) -> ReasonMatch:
    """The taxonomy category for one refund. Never raises on odd input: None/NaN/non-strings are tolerated."""
    return _classify(_as_str(platform), _as_str(reason_code), _as_str(reason_text))


@functools.lru_cache(maxsize=1 << 16)
def _classify(platform: str, code: str, text: str) -> ReasonMatch:
    rules = _rules()
    key, ntext = rules.norm(code), rules.norm(text)
    table_name, spec = "", None
    for table_name in (platform.strip().casefold(), "*"):
        if (spec := rules.codes.get(table_name, {}).get(key)) is not None:
            break
    code_rule = f"code:{table_name}:{code.strip()}"
    if spec is not None and spec[0] is not None:
        category, allowed = spec
        if allowed and (found := rules.first(ntext, allowed)) and found[0].category != category:
            return ReasonMatch(found[0].category, "keyword", f"{found[0].id}:{found[1]}")
        return ReasonMatch(category, "code", code_rule)
    if found := rules.first(ntext):
        return ReasonMatch(found[0].category, "keyword", f"{found[0].id}:{found[1]}")
    if spec is None and key and (found := rules.first(key)):  # an uncatalogued label, read as text
        return ReasonMatch(found[0].category, "keyword", f"code-text:{found[0].id}:{found[1]}")
    return ReasonMatch("other", "fallback", "fallback:empty" if not (key or ntext) else "fallback:no-match")


def classify_many(rows: Iterable[Sequence[Any]]) -> list[ReasonMatch]:
    """`classify_reason` over (platform, reason_code, reason_text) rows, in order, each distinct row once."""
    memo: dict[Any, ReasonMatch] = {}
    out: list[ReasonMatch] = []
    append = out.append
    for row in rows:
        try:
            hit = memo.get(row)
        except TypeError:  # a list row (unhashable): key it as a tuple
            row = tuple(row)
            hit = memo.get(row)
        if hit is None:
            hit = memo[row] = classify_reason(*row)
        append(hit)
    return out


def clear_cache() -> None:
    """Forget memoised results (after editing the rules in a running process, or between benchmark runs)."""
    _classify.cache_clear()
    _rules.cache_clear()
