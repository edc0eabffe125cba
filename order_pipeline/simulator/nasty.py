"""Dirty receiver data, as buyers really type it and platforms really pass it on.

The cleaning layer (F5) exists because of records like these: zero-width spaces pasted from chat apps, a BOM
from a spreadsheet export, emoji in the street address, full-width digits from a Chinese IME, phones written
`+86 138-1234-5678`, a missing district, a novel in the address line. The dirty text IS the truth: the platform
sends exactly this, and the ground truth exports exactly this, so the pipeline is judged on what it does with it.
"""

from __future__ import annotations

import random
import re

from order_pipeline.simulator.model import Receiver
from order_pipeline.simulator.people import REGION_CODES

INVISIBLE = ("\u200b", "\ufeff", "\u00ad", "\u200d", "\u2060", "\x07", "\x1f", "\t")
EMOJI = ("🏠", "😊", "🙏", "📦", "❤️", "🌸", "✨", "🚚")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_LONG_NOTES = (
    "（请放门卫处，谢谢！工作日白天家里没人，周末在家，快递到了请先打电话或者发短信，电话打不通就放丰巢快递柜，"
    "千万不要放在楼下，上次放楼下丢了一次，麻烦快递小哥了！）",
    " (Please leave the parcel with the security guard at the lobby. If nobody answers the intercom, call "
    "my mobile and wait two minutes; do not leave it at the letterbox, a parcel was stolen last month.) ",
)
KINDS = (
    "invisible_name",
    "invisible_detail",
    "emoji_detail",
    "emoji_name",
    "fullwidth_phone",
    "formatted_phone",
    "missing_district",
    "long_detail",
)
_KIND_WEIGHTS = (3, 4, 3, 1, 3, 4, 2, 2)


def _sprinkle(rng: random.Random, text: str, pool: tuple[str, ...], count: int) -> str:
    chars = list(text)
    for _ in range(count):
        chars.insert(rng.randint(0, len(chars)), rng.choice(pool))
    return "".join(chars)


def _formatted_phone(rng: random.Random, phone: str, region: str) -> str:
    if region == "CN":
        return rng.choice(
            [
                f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
                f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
                f"86-{phone}",
                f"+86{phone}",
                f" {phone[:3]} {phone[3:]} ",
                f"0086 {phone}",
            ]
        )
    code = next(
        (c for c in ("886", "65", "62", "55", "60", "66", "84", "63", "52") if phone.startswith(c)), ""
    )
    local = phone[len(code) :]
    return rng.choice(
        [f"+{code} {local[:4]} {local[4:]}", f"+{code}-{local}", f"0{local}", f"({code}) {local}"]
    )


def dirty_receiver(
    rng: random.Random, receiver: tuple[str, ...], region: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One to two kinds of dirt applied to a receiver tuple; returns (receiver, kinds applied)."""
    name, phone, province, city, district, town, detail, zipcode = receiver
    kinds = tuple(sorted(set(rng.choices(KINDS, weights=_KIND_WEIGHTS, k=rng.choice((1, 1, 2))))))
    for kind in kinds:
        if kind == "invisible_name":
            name = _sprinkle(rng, name, INVISIBLE, rng.randint(1, 2))
        elif kind == "invisible_detail":
            detail = _sprinkle(rng, detail, INVISIBLE, rng.randint(1, 3))
        elif kind == "emoji_detail":
            detail = _sprinkle(rng, detail, EMOJI, 1) + rng.choice(EMOJI)
        elif kind == "emoji_name":
            name = name + rng.choice(EMOJI)
        elif kind == "fullwidth_phone":
            phone = (
                phone.translate(_FULLWIDTH)
                if rng.random() < 0.6
                else phone[:5] + phone[5:].translate(_FULLWIDTH)
            )
        elif kind == "formatted_phone":
            phone = _formatted_phone(rng, phone, region)
        elif kind == "missing_district":
            district = ""
        elif kind == "long_detail":
            note = _LONG_NOTES[0] if region == "CN" else _LONG_NOTES[1]
            while len(detail) <= 200:
                detail += note
    return (name, phone, province, city, district, town, detail, zipcode), kinds


_CN_PHONE = re.compile(r"1[3-9][0-9]{9}")
_SUSPECT = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad\x00-\x1f\x7f\U0001f000-\U0001ffff\u2600-\u27bf]")


def is_dirty(receiver: Receiver, region: str = "CN") -> bool:
    """Whether a receiver carries any of the dirt above (used by tests to measure the nasty share)."""
    if region == "CN":
        phone_ok = _CN_PHONE.fullmatch(receiver.phone)
    else:  # Shopee: the country code then the local number, digits only
        code = REGION_CODES.get(region, "")
        phone_ok = receiver.phone.startswith(code) and re.fullmatch(r"[0-9]{9,14}", receiver.phone)
    return (
        not phone_ok
        or not receiver.district
        or len(receiver.detail) > 200
        or bool(_SUSPECT.search(receiver.name + receiver.detail))
    )
