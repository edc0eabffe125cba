"""China's divisions (province / prefecture / county) from the vendored NBS table, indexed for name lookups.

Platforms send division names in several spellings: the official full name (浙江省, 杭州市, 西湖区), the short
form buyers and some platforms use (浙江, 杭州, 西湖; 内蒙古 for 内蒙古自治区, 延边 for 延边朝鲜族自治州),
and the municipalities twice (北京市 / 北京市 / 朝阳区). Every division is indexed under its full name and,
when unambiguous among its siblings, its short name, so a lookup is one dict access.

Two shapes of the official table are rebuilt here (see data/SOURCE.md for what was dropped): a municipality
(北京, 天津, 上海, 重庆) is its own city, holding all its districts and counties; a county-level city directly
under a province (仙桃市, 济源市, 石河子市) is a city without districts, like 东莞市 and 中山市, whose next
level is towns. The table is read once, lazily (`gazetteer()`), because most processes never clean a CN address.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from importlib import resources

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})  # 北京, 天津, 上海, 重庆: province code prefixes
# Names platforms put in the city slot of a municipality (its official city level is the placeholder 市辖区).
MUNICIPALITY_CITY_ALIASES = frozenset({"市辖区", "县", "城区", "郊县"})

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
    "景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|"
    "保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
# Official suffixes, longest first within each level. An autonomous prefecture or county also carries the
# names of its peoples (黔东南苗族侗族自治州): they go too, with or without 族 for the multi-character ones
# (巴音郭楞蒙古自治州, 伊犁哈萨克自治州).
_PROVINCE_SUFFIX = re.compile(r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
# Cities include the county-level ones directly under a province (定安县, 神农架林区), hence 县 and 林区.
_CITY_SUFFIX = re.compile(r"(?:自治州|自治县|地区|林区|盟|市|县)$")
_COUNTY_SUFFIX = re.compile(r"(?:自治县|自治旗|新区|林区|特区|区|县|市|旗)$")
_PEOPLES = re.compile(f"(?:(?:{_ETHNIC})族|蒙古|哈萨克|柯尔克孜)+$")


@dataclass(eq=False)
class Division:
    code: str  # 6-digit adcode; a municipality's city reuses its province's code with "01" (110100)
    name: str
    level: int  # 1 province, 2 city (prefecture), 3 district / county
    parent: Division | None = field(default=None, repr=False)
    children: list[Division] = field(default_factory=list, repr=False)
    short: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.short = short_name(self.name, self.level)

    @property
    def province(self) -> Division:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


def short_name(name: str, level: int) -> str:
    """The name without its administrative suffix (浙江省 -> 浙江, 延边朝鲜族自治州 -> 延边, 浦东新区 -> 浦东);
    the full name when the short one would be under two characters (矿区, 城区)."""
    suffix = (_PROVINCE_SUFFIX, _CITY_SUFFIX, _COUNTY_SUFFIX)[level - 1]
    short = suffix.sub("", name)
    if short != name and name.endswith(("自治州", "自治县", "自治旗")):
        short = _PEOPLES.sub("", short) or short
    return short if len(short) >= 2 else name


def _index(divisions: list[Division]) -> dict[str, Division]:
    """Full names, then short names that no sibling shares (and no sibling has as its full name)."""
    index = {d.name: d for d in divisions}
    shorts: dict[str, list[Division]] = {}
    for d in divisions:
        if d.short != d.name and d.short not in index:
            shorts.setdefault(d.short, []).append(d)
    index.update({s: ds[0] for s, ds in shorts.items() if len(ds) == 1})
    return index


class Gazetteer:
    def __init__(self, rows: list[tuple[str, str]]):
        by_code: dict[str, Division] = {}  # by code prefix: 2 digits for provinces, 4 for cities, else all 6
        provinces: list[Division] = []
        for code, name in rows:
            if code[2:] == "0000":
                node = Division(code, name, 1)
                provinces.append(node)
                by_code[code[:2]] = node
                if code[:2] in MUNICIPALITIES:  # the municipality is its own city, over all its counties
                    city = Division(code[:2] + "0100", name, 2, node)
                    node.children.append(city)
                    by_code[code[:2] + "01"] = by_code[code[:2] + "02"] = city
                continue
            if code[4:] == "00":
                node = Division(code, name, 2, by_code[code[:2]])
                by_code[code[:4]] = node
            elif code[:4] in by_code:
                node = Division(code, name, 3, by_code[code[:4]])
            else:  # a county-level city directly under its province (the dropped 省直辖县级行政区划 group)
                node = Division(code, name, 2, by_code[code[:2]])
            by_code[code] = node
            parent = node.parent
            assert parent is not None
            parent.children.append(node)
        self.provinces = provinces
        self._provinces = _index(provinces)
        self._children = {id(d): _index(d.children) for d in by_code.values() if d.level < 3}
        cities = [c for p in provinces for c in p.children]
        self._cities_anywhere = _unique_index(cities)
        self._districts_in_province = {id(p): _unique_index([d for c in p.children for d in c.children])
                                       for p in provinces}
        self._districts_anywhere = _unique_index([d for c in cities for d in c.children])

    def province(self, name: str) -> Division | None:
        return self._provinces.get(name)

    def child(self, parent: Division, name: str) -> Division | None:
        """A city of a province or a district of a city, by full or unambiguous short name."""
        if parent.level == 1 and parent.code[:2] in MUNICIPALITIES and name in MUNICIPALITY_CITY_ALIASES:
            return parent.children[0]
        return self._children[id(parent)].get(name)

    def city_anywhere(self, name: str) -> Division | None:
        """A city by name when exactly one city in China has it."""
        return self._cities_anywhere.get(name)

    def district_in_province(self, province: Division, name: str) -> Division | None:
        """A district by name when exactly one district of the province has it."""
        return self._districts_in_province[id(province)].get(name)

    def district_anywhere(self, name: str) -> Division | None:
        return self._districts_anywhere.get(name)


def _unique_index(divisions: list[Division]) -> dict[str, Division]:
    """Full and short names that name exactly one of `divisions`."""
    seen: dict[str, list[Division]] = {}
    for d in divisions:
        for key in {d.name, d.short}:
            seen.setdefault(key, []).append(d)
    return {key: ds[0] for key, ds in seen.items() if len(ds) == 1}


@functools.cache
def gazetteer() -> Gazetteer:
    """The vendored table (data/cn_divisions.csv), parsed once per process."""
    text = resources.files("order_pipeline.cleaning").joinpath("data/cn_divisions.csv").read_text("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # header: adcode,name
    return Gazetteer([(code, name) for code, name in reader])
