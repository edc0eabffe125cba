"""Spread a pull's shops over worker processes.

A pull is CPU-bound inside one interpreter (httpx, JSON, AES, Parquet): more threads only contend for the GIL
(measured: 16 detail threads are slower than 4). A second process uses a second core. Shops of one app stay
in one process, because the client-side rate limit and the platform's throttle pause are per app and live in
the process; the groups are balanced by how many calls a platform needs per order.
"""

from __future__ import annotations

import math
import multiprocessing
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from order_pipeline.clock import Clock, FrozenClock, SystemClock
from order_pipeline.ingestion.pull import StreamPullResult
from order_pipeline.shops import Shop

# Relative work per shop: one detail call per order on these platforms, 50 orders per call on Shopee.
_PLATFORM_WEIGHT = {"taobao": 1.0, "jd": 1.0, "douyin": 1.0, "shopee": 0.3}


def balanced_groups(shops: list[Shop], processes: int) -> list[list[Shop]]:
    """At most `processes` groups; every app's shops together; heaviest apps placed first on the lightest group."""
    apps: dict[tuple[str, str], list[Shop]] = defaultdict(list)
    for shop in shops:
        apps[(shop.platform, shop.credentials.app_key)].append(shop)
    weight = {app: sum(_PLATFORM_WEIGHT.get(s.platform, 1.0) for s in members) for app, members in apps.items()}
    groups: list[list[Shop]] = [[] for _ in range(min(processes, len(apps)))]
    loads = [0.0] * len(groups)
    for app in sorted(apps, key=lambda a: -weight[a]):
        lightest = loads.index(min(loads))
        groups[lightest].extend(apps[app])
        loads[lightest] += weight[app]
    return [group for group in groups if group]


def pull_in_processes(shops: list[Shop], job, *, data_dir: Path, clock: Clock, key: bytes, pull_id: str,
                      processes: int) -> tuple[list[StreamPullResult], dict[str, str]]:
    """Run `pull_shops` for each group in its own (spawned) process; returns results and failures by shop."""
    fixed_now = clock.now() if isinstance(clock, FrozenClock) else None
    groups = balanced_groups(shops, processes)
    # `shop_concurrency` is the whole pull's: each process gets its share, so memory does not grow with processes.
    single = replace(job, processes=1, shop_concurrency=max(1, math.ceil(job.shop_concurrency / len(groups))))
    results: list[StreamPullResult] = []
    failures: dict[str, str] = {}
    with ProcessPoolExecutor(len(groups), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_pull_group, group, single, data_dir, fixed_now, key, pull_id) for group in groups]
        for future in futures:
            group_results, group_failures = future.result()
            results.extend(group_results)
            failures.update(group_failures)
    return results, failures


def _pull_group(shops: list[Shop], job, data_dir: Path, fixed_now: datetime | None, key: bytes,
                pull_id: str) -> tuple[list[StreamPullResult], dict[str, str]]:
    # Failures travel as text: platform errors carry constructor arguments that do not survive pickling.
    from order_pipeline.ingestion.runner import PullFailed, pull_shops
    from order_pipeline.landing.pii import PiiCipher

    clock = FrozenClock(fixed_now) if fixed_now else SystemClock()
    try:
        return pull_shops(shops, job, data_dir=data_dir, clock=clock, cipher=PiiCipher(key), pull_id=pull_id), {}
    except PullFailed as exc:
        return exc.results, {shop: f"{type(error).__name__}: {error}" for shop, error in exc.failures.items()}
