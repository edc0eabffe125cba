"""Batches (lots) of each (warehouse, SKU) in the simulated WMS: production and expiry dates for FIFO (F9).

A warehouse receives a SKU in production runs at a fixed cadence with a per-SKU phase, so a batch keeps its
number and dates from one day to the next until a newer run arrives. The units on hand are spread over the
newest runs, fewest in the oldest (first in, first out has eaten into it). Shelf life follows the category:
fresh food expires within days to weeks (its cadence is a few days, so only unexpired runs are on hand),
beauty and mother & baby products within months to a few years, everything else has no expiry (null).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

# category -> (cadence days range, shelf life days range); no entry: no expiry date
_PERISHABLE = {"fresh_food": ((2, 4), (7, 30)), "beauty": ((20, 45), (365, 1095)),
               "mother_baby": ((20, 45), (365, 1095))}
_DURABLE_CADENCE = (20, 60)


def _draw(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / float(1 << 64)


def _pick(low_high: tuple[int, int], *parts: object) -> int:
    low, high = low_high
    return low + int(_draw(*parts) * (high - low + 1))


def lots(seed: int, wms_co_id: int, sku_code: str, category: str, qty: int, today: date) -> list[dict]:
    """The batches holding `qty` units on `today` (a Beijing date), oldest first; they add up to `qty`.
    No units, no batch."""
    if qty <= 0:
        return []
    key = (seed, "lot", wms_co_id, sku_code)
    perishable = _PERISHABLE.get(category)
    cadence = _pick(perishable[0] if perishable else _DURABLE_CADENCE, *key, "cadence")
    life = _pick(perishable[1], *key, "life") if perishable else None
    runs = 1 + int(_draw(*key, "runs") * 3)
    if life is not None:
        runs = max(1, min(runs, (life - 1) // cadence))  # fresh food: only runs still within their life
    runs = min(runs, qty)
    phase = _pick((0, cadence - 1), *key, "phase")
    day = today.toordinal()
    newest = day - (day - phase) % cadence
    produced = [date.fromordinal(newest - k * cadence) for k in reversed(range(runs))]  # oldest first
    weights = [2**k for k in range(runs)]
    units = [qty * w // sum(weights) for w in weights[:-1]]
    units.append(qty - sum(units))
    suffix = int(_draw(*key, "suffix") * 100)
    return [
        {"wms_co_id": wms_co_id, "sku_id": sku_code, "batch_no": f"{made:%Y%m%d}{suffix:02d}", "qty": n,
         "produced_date": made.isoformat(),
         "expiration_date": (made + timedelta(days=life)).isoformat() if life is not None else None}
        for made, n in zip(produced, units, strict=True)
        if n > 0
    ]
