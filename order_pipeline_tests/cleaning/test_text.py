"""Text cleaning removes what buyers cannot see, folds what IMEs widen, and keeps CJK and emoji."""

from __future__ import annotations

import unicodedata

import pytest

from order_pipeline.cleaning.text import clean_text, comparison_key, has_invisible, strip_symbols
from order_pipeline.simulator.nasty import EMOJI, INVISIBLE


@pytest.mark.parametrize("char", INVISIBLE)
def test_every_invisible_character_of_the_simulator_is_removed(char):
    dirty = f"文{char}三路{char}90号"
    cleaned = clean_text(dirty)
    assert char not in cleaned
    assert cleaned in ("文三路90号", "文 三路 90号"), "removed, or (tab) turned into a word break"
    assert has_invisible(dirty)


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x07", "\x1f",
                                  "\x00", "\x7f", "\x85", "\x9f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                  "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"])
def test_controls_format_and_bidi_characters_are_removed(char):
    assert clean_text(f"abc{char}def").replace(" ", "") == "abcdef"
    assert clean_text(f"西湖{char}区").replace(" ", "") == "西湖区"


def test_nothing_of_category_cc_or_cf_survives():
    every = "".join(chr(cp) for cp in range(0x110000) if unicodedata.category(chr(cp)) in ("Cc", "Cf"))
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in clean_text("x" + every + "y"))


def test_tabs_and_newlines_separate_words_and_whitespace_collapses():
    assert clean_text("  John\tSmith\r\n  Jr  ") == "John Smith Jr"
    assert clean_text("武雨桐\t") == "武雨桐"
    assert clean_text("建设路5\x1f68号") == "建设路568号", "U+001F inside a number is junk, not a word break"


def test_full_width_forms_are_folded_to_ascii():
    assert clean_text("１３８１２３４５６７８") == "13812345678"
    assert clean_text("ＡＢＣ－１２３") == "ABC-123"
    assert clean_text("浙江省\u3000杭州市") == "浙江省 杭州市", "ideographic space becomes a space"
    assert clean_text("＋８６ １３８") == "+86 138"


@pytest.mark.parametrize("emoji", EMOJI)
def test_emoji_and_cjk_are_kept(emoji):
    text = f"阳光花园1102{emoji}室"
    assert clean_text(text) == unicodedata.normalize("NFKC", text) == text
    assert not has_invisible(text)


def test_zero_width_joiner_goes_even_inside_emoji_sequences():
    assert clean_text("👨\u200d👩\u200d👧") == "👨👩👧"


def test_empty_and_none():
    assert clean_text(None) == clean_text("") == clean_text(" \u200b\t ") == ""
    assert not has_invisible(None) and not has_invisible("plain ascii") and not has_invisible("纯中文")


def test_comparison_key_ignores_spacing_case_and_emoji():
    assert comparison_key("滨江大道6\t12号🚚") == comparison_key("滨江大道612号") == "滨江大道612号"
    assert comparison_key(" Rua  Augusta, 155 ") == comparison_key("rua augusta,155")
    assert comparison_key("段超✨") == comparison_key("段超")


def test_strip_symbols_keeps_letters():
    assert strip_symbols("Jl. Ahmad Yan❤️i No. 165 📦") == "Jl. Ahmad Yani No. 165"
    assert strip_symbols("𠀀丽") == "𠀀丽", "CJK extension B characters are letters, not symbols"
