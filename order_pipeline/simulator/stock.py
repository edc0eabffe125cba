"""Stock per shop SKU as a step function of time: sold down by paid units, refilled by restocks.

The platform's sellable count drops when an order is paid, goes back up when a refund before shipping releases
the units or returned goods are received, and is refilled by the merchant some days after it falls below a
reorder point (sometimes too late: fast sellers hit zero, which is what the oversell and safety-stock checks
of F9 look for). The whole series is computed once after the orders, so "stock now" is one bisect per SKU.
Counts never go below zero: the platform stops selling at zero, the pre-generated orders notwithstanding.
"""

from __future__ import annotations

import random

from order_pipeline.simulator.specs import ShopSku

DAY = 86400


class Series:
    __slots__ = ("times", "quantities")

    def __init__(self, start: int, quantity: int):
        self.times, self.quantities = [start], [quantity]

    def record(self, t: int, quantity: int) -> None:
        if self.times[-1] == t:
            self.quantities[-1] = quantity
        else:
            self.times.append(t)
            self.quantities.append(quantity)


def build_series(
    rng: random.Random, skus: list[ShopSku], events: list[list[tuple[int, int]]], begin: int, end: int
) -> list[Series]:
    span_days = max(1.0, (end - begin) / DAY)
    out = []
    for sku in skus:
        evs = sorted(events[sku.index])
        daily = max(1.0, sum(-delta for _, delta in evs if delta < 0) / span_days)
        scarce = rng.random() < 0.08
        initial = int(daily * (1 + 2 * rng.random() if scarce else 6 + 8 * rng.random())) + int(
            rng.random() * 20
        )
        reorder = int(daily * 2.5)
        refill = int(daily * (8 + 6 * rng.random())) + 10
        lead = (5 if scarce else 1) * DAY + int(rng.random() * 2 * DAY)
        listed = begin - DAY - int(rng.random() * 60) * DAY
        series = Series(listed, initial)
        quantity, due = initial, 0
        for t, delta in evs:
            if due and due <= t:
                quantity += refill
                series.record(due, quantity)
                due = 0
            quantity = max(0, quantity + delta)
            series.record(t, quantity)
            if not due and quantity <= reorder:
                due = t + lead
        if due and due <= end:
            series.record(due, quantity + refill)
        out.append(series)
    return out
