"""Receiver addresses: divisions canonicalized and checked, the street part isolated, postcodes, remote areas.

Platforms send the divisions as separate fields, but not cleanly: a district may be empty (and only named
inside the street text, "西湖区文三路 90 号"), names may be short (浙江 for 浙江省), a municipality comes as
北京市 / 北京市 / 朝阳区, and JD's and Shopee's address line repeats the divisions around the street. For
CN addresses `split_cn_address` resolves each part against the NBS gazetteer (gazetteer.py) and reports
whether the result is a real, consistent province / city / district; Shopee regions have no gazetteer here,
so `split_local_address` only checks that the parts are present and the postcode has the region's shape.

A bad address is a flag, never a reason to drop an order: the parcel may still have been delivered.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from order_pipeline.cleaning.gazetteer import MUNICIPALITIES, Division, gazetteer
from order_pipeline.cleaning.text import clean_text, strip_symbols

# The usual 偏远地区 list of Chinese couriers (surcharged or excluded from free shipping): the north-west and
# Tibet. Couriers differ at the margins (some add 海南 or parts of 四川); change it here, in official names.
REMOTE_PROVINCES = frozenset({"新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区", "宁夏回族自治区", "甘肃省"})
# Shopee regions: states treated as remote, casefolded, per region. None documented yet, so every Shopee
# address is not remote; add e.g. {"ID": frozenset({"papua"})} when logistics names them.
REMOTE_STATES: dict[str, frozenset[str]] = {}

# Postcode shapes per region. CN: six digits, first 0-8 (内蒙古 010xxx, 山西 03xxxx and 河北 05xxxx start with 0,
# so `[1-8]` would reject whole provinces); 000000 is the placeholder platforms send when they have none.
POSTCODE_PATTERNS = {
    "CN": re.compile(r"(?!000000)[0-8][0-9]{5}"),
    "SG": re.compile(r"[0-9]{6}"),
    "ID": re.compile(r"[1-9][0-9]{4}"),
    "BR": re.compile(r"[0-9]{5}-?[0-9]{3}"),  # CEP
    "MY": re.compile(r"[0-9]{5}"),
    "TH": re.compile(r"[1-9][0-9]{4}"),
    "VN": re.compile(r"[0-9]{5}(?:[0-9])?"),  # 5 digits since 2018; the older 6-digit codes are still typed
    "PH": re.compile(r"[0-9]{4}"),
    "TW": re.compile(r"[0-9]{3}(?:[0-9]{2,3})?"),  # 3, 3+2 or 3+3 digits
    "MX": re.compile(r"[0-9]{5}"),
    "CO": re.compile(r"[0-9]{6}"),
    "CL": re.compile(r"[0-9]{7}"),
}
# What platforms put in the city slot of a county-level city directly under its province.
_NO_CITY = frozenset({"省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位", "省直辖县"})
_SEPARATORS = " ,，、-"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


class Address(NamedTuple):  # a NamedTuple: built once per order, and a frozen dataclass is 5x slower to build
    """Canonical division names where they resolved, else the cleaned text as sent (None when empty);
    `detail` is the street part without the division names platforms repeat around it."""

    province: str | None
    city: str | None
    district: str | None
    detail: str
    valid: bool
    remote: bool


class _Divisions(NamedTuple):
    """The divisions part of a CN address resolved from its texts, before any look into the street."""

    p_text: str
    c_text: str
    d_text: str
    p: Division | None
    c: Division | None
    d: Division | None
    consistent: bool
    prefix: re.Pattern[str]  # the division names an address line of these divisions may start with


@functools.lru_cache(maxsize=1 << 14)
def _resolve(province: str | None, city: str | None, district: str | None, town: str | None) -> _Divisions:
    """Cached on the raw texts: a shop's orders come from a few thousand distinct division combinations."""
    g = gazetteer()
    p_text, c_text, d_text = clean_text(province), clean_text(city), clean_text(district)
    c_text = "" if c_text in _NO_CITY else c_text
    p = g.province(p_text) if p_text else None
    c: Division | None = None
    d: Division | None = None
    consistent = True
    if c_text:
        c = g.child(p, c_text) if p else (None if p_text else g.city_anywhere(c_text))
        consistent = c is not None or p is None
        p = c.parent if c is not None else p
    elif p is not None and p.code[:2] in MUNICIPALITIES:
        c = p.children[0]  # a municipality has one city, itself: nothing to guess
    if d_text and c is not None:
        d = g.child(c, d_text)
    elif d_text and p is not None and not c_text:
        d = g.district_in_province(p, d_text)
        c = d.parent if d is not None else g.child(p, d_text)  # a direct county-level city sent as district
    elif d_text and not (p_text or c_text):
        d = g.district_anywhere(d_text)
        c = d.parent if d is not None else None
        p = c.parent if c is not None else None
    texts = (p_text, c_text, d_text, clean_text(town))
    return _Divisions(p_text, c_text, d_text, p, c, d, consistent, _prefix_re(_names(texts, p, c, d)))


def _names(texts: tuple[str, ...], p: Division | None, c: Division | None, d: Division | None) -> tuple[str, ...]:
    """Names to strip from the start of the street text: as sent, official, and short (province and city
    only: a district's short name is too often the start of a street name, 西湖 of 西湖大道)."""
    names = set(texts)
    for node in (p, c):
        if node is not None:
            names.update((node.name, node.short))
    if d is not None:
        names.add(d.name)
    names.discard("")
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


@functools.lru_cache(maxsize=1 << 14)
def _prefix_re(names: tuple[str, ...]) -> re.Pattern[str]:
    """One or more of `names` (longest first, so the longest wins) at the start, each with trailing separators."""
    if not names:
        return re.compile(r"(?!)")
    return re.compile(f"(?:(?:{'|'.join(map(re.escape, names))})[{re.escape(_SEPARATORS)}]*)+")


def split_cn_address(province: str | None, city: str | None, district: str | None, detail: str | None = "",
                     town: str | None = "") -> Address:
    """Resolve a CN address. Valid means: province and city known and consistent, and the district known and
    inside the city (or the city has no districts, like 东莞市, whose next level is towns). A missing district
    is looked up in the street text among the city's districts; a missing city is inferred from a district
    unique within the province, and a missing province from a city unique in China. The street part is the
    address line without the division names it starts with ("浙江省杭州市西湖区西溪街道文三路 90 号" ->
    "文三路 90 号"): JD's fullAddress and many buyers repeat them, and the street is what identifies."""
    r = _resolve(province, city, district, town)
    p, c, d, prefix = r.p, r.c, r.d, r.prefix
    detail_text = clean_text(detail)
    if c is None and p is not None and not r.c_text and detail_text:
        c = _find_in(detail_text, p.children)
    if d is None and not r.d_text and c is not None and detail_text:
        d = _find_in(detail_text, c.children)
    if (c, d) != (r.c, r.d):  # found in the street text: strip those names too
        prefix = _prefix_re(_names((r.p_text, r.c_text, r.d_text, clean_text(town)), p, c, d))
    valid = p is not None and c is not None and r.consistent and (d is not None or not c.children)
    if d is not None:
        district_out: str | None = d.name
    else:  # unresolved: as sent, unless it only repeated a city that has no districts (仙桃市 / 仙桃市)
        district_out = None if not r.d_text or (c is not None and r.d_text == c.name) else r.d_text
    match = prefix.match(detail_text)
    if match and match.end() < len(detail_text):  # never strip a line down to nothing
        detail_text = detail_text[match.end():]
    return Address(
        province=p.name if p is not None else r.p_text or None,
        city=c.name if c is not None else r.c_text or None,
        district=district_out,
        detail=detail_text,
        valid=valid,
        remote=p is not None and p.name in REMOTE_PROVINCES,
    )


def _find_in(text: str, divisions: list[Division]) -> Division | None:
    """The division whose full name occurs first in `text` (the longer one on a tie)."""
    best, best_pos = None, len(text)
    for div in divisions:
        pos = text.find(div.name)
        if pos != -1 and (pos < best_pos or (pos == best_pos and best and len(div.name) > len(best.name))):
            best, best_pos = div, pos
    return best


def split_local_address(region: str, state: str | None, city: str | None, district: str | None,
                        detail: str | None, town: str | None = "", postcode: str | None = "") -> Address:
    """A Shopee-region address. Valid means a state, a city and a street line are present and the postcode,
    when there is one to check, has the region's shape; the district is optional (many regions, such as SG,
    do not use one). The full address line ends with the divisions and postcode, which are stripped."""
    s_text, c_text, d_text, t_text, p_text = map(clean_text, (state, city, district, town, postcode))
    parts = [part.strip() for part in clean_text(detail).split(",")]
    tail = {name.casefold() for name in (s_text, c_text, d_text, t_text, p_text) if name}
    while len(parts) > 1 and parts[-1].casefold() in tail:
        parts.pop()
    street = ", ".join(part for part in parts if part)
    postcode_ok = postcode_valid(p_text, region)
    return Address(
        province=s_text or None,
        city=c_text or None,
        district=d_text or None,
        detail=street,
        valid=bool(s_text and c_text and street) and postcode_ok is not False,
        remote=is_remote(region, s_text),
    )


def normalize_postcode(raw: str | None) -> str:
    return "".join(clean_text(raw).split()).upper()


def postcode_valid(postcode: str | None, region: str) -> bool | None:
    """Whether `postcode` has the shape of `region`'s postcodes; None for a region without a known shape."""
    pattern = POSTCODE_PATTERNS.get(region.upper())
    if pattern is None:
        return None
    return bool(pattern.fullmatch(normalize_postcode(postcode)))


def is_remote(region: str, province: str | None) -> bool:
    """`province` is the canonical province (CN) or the state as sent (Shopee regions)."""
    if not province:
        return False
    if region.upper() == "CN":
        return province in REMOTE_PROVINCES
    return province.casefold() in REMOTE_STATES.get(region.upper(), frozenset())


def mask_name(name: str | None) -> str | None:
    """A display form of a receiver name: Chinese names keep the first character, one `*` per other character
    (张三 -> 张*, 张三丰 -> 张**, a single character -> *); other names keep each word's first letter followed
    by `***` (John Smith -> J*** S***). Emoji and invisible characters are dropped first; empty gives None."""
    text = strip_symbols(clean_text(name))
    if not text:
        return None
    if _CJK.search(text):
        chars = "".join(text.split())
        return "*" if len(chars) == 1 else chars[0] + "*" * (len(chars) - 1)
    return " ".join(word[0] + "***" for word in text.split())
