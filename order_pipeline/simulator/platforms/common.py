"""Conversions every platform handler shares: Beijing-time strings, epoch seconds, money units, request
parsing and JSON bodies.

Why one module: the four handlers render one neutral world (UTC datetimes, Decimal major units) into four
contracts, and the rules that are the same everywhere (a GMT+8 wall clock without offset, yuan strings with
two decimals, whole fen, whole-second windows) must be written once so a rounding or zone rule cannot drift
between platforms. Nothing here knows any platform's envelope or error codes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

CN_TZ = timezone(timedelta(hours=8), "GMT+8")  # Taobao, JD and Douyin strings: Beijing time, no offset sent
GMT8_FORMAT = "%Y-%m-%d %H:%M:%S"
CENT = Decimal("0.01")
WHOLE_UNIT_CURRENCIES = frozenset({"IDR", "VND"})  # Shopee sends these without a fractional part
# Stream names handed to `SimContext.paginate`, so the fault profile knows what kind of listing it slices.
STREAM_ORDERS = "orders"
STREAM_REFUNDS = "refunds"
STREAM_STOCK = "stock"
_LAST_MICROSECOND = timedelta(microseconds=999_999)


def gmt8(instant: datetime | None) -> str | None:
    """`yyyy-MM-dd HH:mm:ss` in Beijing time, the only time format Taobao and JD speak."""
    return None if instant is None else instant.astimezone(CN_TZ).strftime(GMT8_FORMAT)


def parse_gmt8(text: str | None) -> datetime | None:
    """A strict `yyyy-MM-dd HH:mm:ss` Beijing-time string as an aware UTC instant; None when malformed."""
    if not text or len(text) != 19:
        return None
    try:
        return datetime.strptime(text, GMT8_FORMAT).replace(tzinfo=CN_TZ).astimezone(UTC)
    except ValueError:
        return None


def epoch(instant: datetime | None) -> int:
    """Epoch seconds (Douyin, Shopee); 0 stands for "not yet" as those platforms send it."""
    return 0 if instant is None else int(instant.timestamp())


def from_epoch(value: object) -> datetime | None:
    """Epoch seconds given as an int or a digit string; None when it is neither."""
    number = as_int(value)
    if number is None or number < 0 or number > 32_503_680_000:  # year 3000: beyond is a client bug
        return None
    return datetime.fromtimestamp(number, UTC)


def window_end(instant: datetime) -> datetime:
    """The platforms count in whole seconds, so an inclusive end second covers that whole second: a record
    modified at 12:00:00.4 belongs to a window ending `12:00:00`, as it would on the real platform."""
    return instant + _LAST_MICROSECOND


def add_months(instant: datetime, months: int) -> datetime:
    """Calendar-month arithmetic ("1 month apart", "last 3 months"), clamping the day to the month's end."""
    index = instant.year * 12 + instant.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    days_in_month = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return instant.replace(year=year, month=month, day=min(instant.day, days_in_month))


def yuan(amount: Decimal) -> str:
    """CNY as a decimal string with two places: Taobao and JD money."""
    return f"{amount.quantize(CENT, ROUND_HALF_UP):f}"


def fen(amount: Decimal) -> int:
    """Whole fen (1/100 yuan): Douyin money."""
    return int((amount * 100).quantize(Decimal(1), ROUND_HALF_UP))


def major_units(amount: Decimal, currency: str) -> float | int:
    """Shopee money: a float in the shop currency's major unit; IDR and VND are whole numbers."""
    if currency in WHOLE_UNIT_CURRENCIES:
        return int(amount.quantize(Decimal(1), ROUND_HALF_UP))
    return float(amount.quantize(CENT, ROUND_HALF_UP))


def as_int(value: object) -> int | None:
    """An int from a JSON number or a digit string (clients send both); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_bool(value: object, default: bool) -> bool | None:
    """A JSON bool or its string form; None for anything else (a parameter error)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def json_id(value: str) -> int | str:
    """Platforms whose ids are int64 send JSON numbers (Taobao tid, Douyin product_id); clients must not read
    them through a float. Anything non-numeric or beyond int64 stays a string."""
    return int(value) if value.isdigit() and int(value) < 2**63 else value


def phone_digits(phone: str) -> str:
    """The digits of a phone as typed (full-width digits folded, +86 and separators dropped)."""
    digits = "".join(str(int(ch)) for ch in phone if ch.isdecimal())
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def mask_phone(phone: str) -> str:
    """`138****8000`: the masked form Douyin shows next to the ciphertext."""
    digits = phone_digits(phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def mask_name(name: str) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def opaque_token(kind: str, *parts: str) -> str:
    """A deterministic, token-like stand-in for platform ciphertext (Douyin encrypt_*, Taobao oaid): it looks
    like what the platform sends and carries no personal data."""
    digest = hashlib.sha256("\x1f".join((kind, *parts)).encode()).hexdigest()
    return digest[:40]


async def request_params(request: Request) -> dict[str, str]:
    """Query string plus a form-encoded body, as the TOP and JOS gateways accept both. Parsed by hand: the
    gateways never take multipart here, and starlette's form parser would need an extra dependency."""
    params = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if body and ("form-urlencoded" in content_type or not content_type):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def json_response(payload: dict) -> Response:
    """HTTP 200 with compact UTF-8 JSON: every business outcome, errors included, travels in the body."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json")


def products_of(levels: list) -> dict[str, list]:
    """Stock levels grouped by product (item / ware), in the world's product-then-SKU order: the platforms
    list items and then their SKUs."""
    products: dict[str, list] = {}
    for level in levels:
        products.setdefault(level.product_id, []).append(level)
    return products


def page_total(page_total_value: int, records: list) -> int:
    """The total a list reports: the context's (fault-aware) total, or the listing's own size."""
    return page_total_value or len(records)
