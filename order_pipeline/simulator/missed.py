"""Orders a platform's incremental index never returns: the gap the nightly completeness pass must close (F10).

Real marketplaces build their modified-time ("increment") indexes asynchronously, and sellers report orders
that never show up there although the order itself exists: a created-time search and a detail lookup find
it. The simulator plays that with a configurable share of orders (`WorldConfig.missed_by_incremental_rate`,
default 0) that every modified-time listing leaves out, for the whole life of the order.

Which orders are missed is a pure function of (seed, shop, order id), not of generation order or of what a
client asked before: the same world always hides the same orders, and the ground truth can name them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

_SCALE = float(1 << 64)


def missed_share(seed: int, shop_key: str, order_id: str) -> float:
    """A uniform draw in [0, 1) per order; the order is missed when it falls below the configured rate."""
    digest = hashlib.blake2b(f"missed:{seed}:{shop_key}:{order_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def missed_order_ids(seed: int, shop_key: str, order_ids: Iterable[str], rate: float) -> frozenset[str]:
    """The ids among `order_ids` that the shop's modified-time listings never return."""
    if rate <= 0:
        return frozenset()
    return frozenset(order_id for order_id in order_ids if missed_share(seed, shop_key, order_id) < rate)
