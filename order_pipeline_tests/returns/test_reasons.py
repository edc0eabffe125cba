"""Return-reason taxonomy: accuracy on hand-labelled buyer texts, the documented priorities, and robustness.

The labelled set (`data/labelled_reasons.csv`) was written by hand, not by the simulator, and labelled by what an
analyst would call each case, hard ones included; a few are expected to stay wrong, hence a 95% bar rather than
100%. The simulator cross-check is a second, independent opinion: it renders a hidden cause its own way.
"""

from __future__ import annotations

import csv
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from order_pipeline.returns.reasons import (
    CATEGORIES,
    ReasonMatch,
    _rules,
    classify_many,
    classify_reason,
    clear_cache,
    normalise_text,
)
from order_pipeline.simulator import reasons as sim_reasons

LABELLED = Path(__file__).with_name("data") / "labelled_reasons.csv"


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _report(rows: list[dict[str, str]], predicted: list[str]) -> tuple[float, str]:
    """Accuracy and a printable per-category confusion (expected -> predicted counts) with the misses."""
    correct = sum(r["expected_category"] == p for r, p in zip(rows, predicted, strict=True))
    accuracy = correct / len(rows)
    lines = [f"return-reason accuracy: {correct}/{len(rows)} = {accuracy:.1%}",
             f"{'expected':<20} {'n':>4} {'recall':>7}  predicted as"]
    for cat in CATEGORIES:
        got = Counter(p for r, p in zip(rows, predicted, strict=True) if r["expected_category"] == cat)
        n = sum(got.values())
        spread = ", ".join(f"{k}={v}" for k, v in got.most_common())
        lines.append(f"{cat:<20} {n:>4} {got[cat] / n if n else 0:>7.0%}  {spread}")
    lines += [f"MISS {r['platform']} code={r['reason_code']!r} text={r['reason_text']!r}: "
              f"expected {r['expected_category']}, got {p}"
              for r, p in zip(rows, predicted, strict=True) if r["expected_category"] != p]
    return accuracy, "\n".join(lines)


def test_labelled_set_is_large_varied_and_valid():
    rows = _labelled()
    assert len(rows) >= 220
    assert {r["expected_category"] for r in rows} == set(CATEGORIES)
    assert {r["platform"] for r in rows} == {"taobao", "jd", "douyin", "shopee"}
    simulator_texts = {t for texts in (*sim_reasons.ZH.values(), *sim_reasons.EN.values()) for t in texts if t}
    assert not simulator_texts & {r["reason_text"] for r in rows}, "labelled texts must not be the simulator's"


def test_accuracy_on_labelled_set_at_least_95_percent(record_property):
    rows = _labelled()
    predicted = [m.category for m in classify_many(
        (r["platform"], r["reason_code"] or None, r["reason_text"] or None) for r in rows)]
    accuracy, report = _report(rows, predicted)
    record_property("measured", report)  # printed in the run's terminal summary (conftest.py)
    assert accuracy >= 0.95, report


def test_every_category_reachable_by_code_and_by_keyword():
    rules = _rules()
    by_keyword = {r.category for r in rules.rules}
    by_code = {spec[0] for table in rules.codes.values() for spec in table.values()}
    assert by_keyword == set(CATEGORIES)
    assert by_code - {None} == set(CATEGORIES)
    predicted = {m.category for m in classify_many(
        (r["platform"], r["reason_code"], r["reason_text"]) for r in _labelled())}
    assert predicted == set(CATEGORIES)


@pytest.mark.parametrize(("platform", "code", "text", "category", "matched_by"), [
    ("taobao", None, "收到的商品破损了，质量太差", "damaged_in_transit", "keyword"),  # transit beats quality
    ("taobao", None, "质量没问题，就是尺码偏小", "size_fit", "keyword"),  # negated quality
    ("taobao", None, "七天无理由退，尺码偏小", "seven_day_no_reason", "keyword"),  # 7-day always wins
    ("jd", None, "7天无理由", "seven_day_no_reason", "keyword"),
    ("douyin", None, "发错尺码了，偏大", "wrong_item", "keyword"),  # seller's error beats size
    ("jd", None, "质量太差，不想要了", "quality", "keyword"),  # buyer's own reason comes last
    ("taobao", None, "发货太慢了，不想要了", "late_delivery", "keyword"),
    ("taobao", None, "色差太大", "not_as_described", "keyword"),  # not "太大" = too big
    ("shopee", "WRONG_ITEM", "size too small", "wrong_item", "code"),  # specific code beats text
    ("taobao", "七天无理由退换货", "质量太差了", "seven_day_no_reason", "code"),
    ("shopee", "ITEM_DAMAGED", "stopped working after a day", "quality", "keyword"),  # weak code refined
    ("shopee", "ITEM_DAMAGED", "", "damaged_in_transit", "code"),
    ("shopee", "CHANGE_MIND", "too expensive", "changed_mind", "code"),
    ("shopee", "OTHER", "wrong colour sent", "wrong_item", "keyword"),  # generic code: text decides
    ("shopee", " not_receipt ", None, "late_delivery", "code"),  # codes case- and space-insensitive
    ("jd", "商品质量问题（含破损）", None, "damaged_in_transit", "keyword"),  # unknown label read as text
    ("jd", "999", "尺碼偏小", "size_fit", "keyword"),  # traditional folded
])
def test_documented_priorities(platform, code, text, category, matched_by):
    match = classify_reason(platform, code, text)
    assert (match.category, match.matched_by) == (category, matched_by), match


@pytest.mark.parametrize(("code", "text"), [
    (None, None), ("", ""), (None, "   "), (None, "\u200b\ufeff"), (float("nan"), float("nan")),
    (None, "asdf qwer"), (None, "😭😭😭"), ("12345", None), ("OTHER", None), ("其他", "。。。"),
])
def test_unknown_or_empty_falls_back_to_other(code, text):
    match = classify_reason("jd", code, text)
    assert match.category == "other" and match.matched_by == "fallback", match
    assert match.rule in ("fallback:empty", "fallback:no-match")


def test_garbage_input_never_raises():
    long_text = "尺码偏小" + "\x00\x07\x1b\u202e\u200d" * 2000  # 10k characters of control/format junk
    assert classify_reason("taobao", None, long_text).category == "size_fit"
    started = time.perf_counter()
    for text in ("x" * 10_000, "质" * 10_000, "".join(map(chr, range(1, 10_000))), "\ud800broken surrogate"):
        assert classify_reason("shopee", "\x00\x01", text).category in CATEGORIES
    assert time.perf_counter() - started < 2.0
    for odd in ((None, None, None), (1, 2.5, b"bytes"), ("shopee", ["a"], {"k": 1})):
        assert isinstance(classify_reason(*odd), ReasonMatch)
    assert len(classify_many([["jd", None, "发错货"], ("jd", None, "发错货")])) == 2  # list rows too


def test_deterministic_and_many_matches_single():
    rows = [(r["platform"], r["reason_code"], r["reason_text"]) for r in _labelled()]
    first = [classify_reason(*row) for row in rows]
    clear_cache()
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    again = dict(zip(shuffled, classify_many(shuffled), strict=True))
    assert [again[row] for row in rows] == first
    assert classify_many(rows * 3) == first * 3


def test_normalisation_folds_width_case_script_and_spacing():
    assert normalise_text("ＳＩＺＥ  尺碼\u200b偏小！") == normalise_text("size尺码偏小!")
    assert normalise_text("Não   chegou") == "naochegou"
    assert normalise_text(None) == ""


def test_agrees_with_the_simulator_causes():
    """The simulator renders each hidden cause as code + text; only Shopee's CHANGE_MIND, which the simulator
    uses for both 7-day no-reason and changed mind, cannot be told apart."""
    rng = random.Random(11)
    misses = []
    for platform, region in (("taobao", "CN"), ("jd", "CN"), ("douyin", "CN"), ("shopee", "ID"), ("shopee", "BR"),
                             ("shopee", "SG")):
        for cause in sim_reasons.CODES:
            expected = "seven_day_no_reason" if cause == "no_reason_7day" else cause
            if platform == "shopee" and cause == "no_reason_7day":
                expected = "changed_mind"
            for _ in range(30):
                code, text = sim_reasons.render(rng, cause, platform, region)
                if (got := classify_reason(platform, code, text).category) != expected:
                    misses.append((platform, code, text, expected, got))
    assert not misses, misses[:10]
