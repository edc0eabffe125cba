"""Text as buyers type it, made comparable: invisible characters out, width folded, whitespace collapsed.

Receiver names and addresses arrive with zero-width spaces pasted from chat apps, a BOM from a spreadsheet
export, soft hyphens, stray control bytes (BEL, U+001F), bidi overrides, tabs, and full-width digits and
letters from a Chinese IME. None of it changes what the buyer meant, and all of it breaks equality, hashing and
display, so every receiver field goes through `clean_text` before anything else looks at it.

What is removed is every code point of Unicode category Cc (controls) or Cf (format), taken from `unicodedata`
rather than a hand list, so the set stays right when Python's Unicode version moves. That includes the
zero-width joiner everywhere, also inside emoji sequences: a family emoji falls apart into its members, which is
harmless for addresses and keeps the rule simple. Tabs, newlines and the other line-breaking controls become
a space instead, because they separate words. NFKC then folds full-width forms to ASCII (`１３８` -> `138`,
U+3000 -> space) and leaves CJK and emoji alone (NFKC keeps the variation selector of `❤️`).

Speed matters (three fields per order, a million orders): pure-ASCII text skips NFKC and the regexes, other
text only meets the regex when the C-level `str.isprintable` says it holds a control or format character, and
the character classes are built once, on first use (scanning all code points takes ~0.1 s).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Controls that separate words: replaced by a space rather than removed. U+001C-U+001F are deliberately not
# here (Python's str.split treats them as whitespace, but they are invisible junk inside a word, as in
# "5\x1f68号"), so they are removed with the other controls.
_SPACE_CONTROLS = "\t\n\v\f\r\x85"
_SPACE_CONTROL_RE = re.compile(f"[{_SPACE_CONTROLS}]")
_ASCII_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


class _CharClass:
    """The code points of some Unicode categories (plus `extra`, minus `exclude`), taken from unicodedata.

    The regex holds the BMP members as one character class (a bitmap inside `re`: one lookup per character)
    and matches any astral character as a candidate, checked against the exact set in Python. A class listing
    astral ranges directly makes `re` test them one by one for every CJK character, four times slower.
    """

    def __init__(self, categories: frozenset[str], extra: str = "", exclude: str = ""):
        members = [cp for cp in range(0x110000)
                   if (unicodedata.category(chr(cp)) in categories or chr(cp) in extra) and chr(cp) not in exclude]
        self._astral = frozenset(chr(cp) for cp in members if cp > 0xFFFF)
        ranges: list[list[int]] = []
        for cp in (cp for cp in members if cp <= 0xFFFF):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        bmp = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
        self._re = re.compile(f"[{bmp}]+|[\U00010000-\U0010ffff]")

    def _repl(self, match: re.Match[str]) -> str:
        found = match.group()
        return "" if len(found) > 1 or found <= "\uffff" or found in self._astral else found

    def sub(self, s: str) -> str:
        return self._re.sub(self._repl, s)

    def search(self, s: str) -> bool:
        return any(not self._repl(m) for m in self._re.finditer(s))


@functools.cache
def _invisible() -> _CharClass:
    """Every Cc/Cf code point except the space-like controls. Built on first use (~0.1 s), then cached."""
    return _CharClass(frozenset({"Cc", "Cf"}), exclude=_SPACE_CONTROLS)


@functools.cache
def _symbols() -> _CharClass:
    """Emoji and other pictographic symbols (So), skin-tone modifiers (Sk), lone surrogates (Cs), and the
    variation selectors that turn a character into its emoji form."""
    return _CharClass(frozenset({"So", "Sk", "Cs"}), extra="".join(map(chr, range(0xFE00, 0xFE10))))


def clean_text(s: str | None) -> str:
    """`s` without invisible characters, NFKC-folded, whitespace runs collapsed to one space, stripped.

    None and the empty string give "". Emoji and CJK characters are kept as they are.
    """
    if not s:
        return ""
    if s.isascii():
        if not s.isprintable():  # an ASCII control somewhere: tabs become spaces, the rest goes
            s = _ASCII_CONTROL_RE.sub("", _SPACE_CONTROL_RE.sub(" ", s))
        return " ".join(s.split())
    s = unicodedata.normalize("NFKC", s)
    if not s.isprintable():  # C-speed pre-check: False for any Cc/Cf (and for some spaces, which is fine)
        s = _invisible().sub(_SPACE_CONTROL_RE.sub(" ", s))
    return " ".join(s.split())


def has_invisible(s: str | None) -> bool:
    """Whether `s` carries any control or format character (tabs and newlines included): a data-quality
    signal for the raw value, before `clean_text`."""
    if not s:
        return False
    if s.isascii():
        return not s.isprintable()
    return not s.isprintable() and bool(_SPACE_CONTROL_RE.search(s) or _invisible().search(s))


def strip_symbols(s: str) -> str:
    """`s` (already cleaned) without emoji and other pictographic symbols, whitespace re-collapsed: for names,
    where a trailing ✨ is decoration, not part of the name."""
    if s.isascii():
        return s
    return " ".join(_symbols().sub(s).split())


def comparison_key(s: str | None) -> str:
    """A key for matching the same text typed differently: cleaned, casefolded, and without whitespace or
    symbols. Used for keyed hashes, never for display: a buyer who writes "6 12号" on one platform and "612号"
    on another, or adds a 🏠, still gets the same key."""
    text = clean_text(s).casefold()
    if not text.isascii():
        text = _symbols().sub(text)
    return "".join(text.split())
