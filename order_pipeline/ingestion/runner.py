"""Pull many shops at once: a thread per shop in flight, each with its own adapter, files and watermark rows.

Shops never share a landing file or a watermark row, so parallel pulls cannot corrupt each other; shops of
the same platform share that app's rate limiter (platforms limit per app). One shop failing does not stop
the others: every shop commits what it pulled, then the failures are raised together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from order_pipeline.clock import Clock
from order_pipeline.ingestion.pull import PullPolicy, StreamPullResult, pull_stream
from order_pipeline.ingestion.state import IngestionState
from order_pipeline.landing.pii import PiiCipher
from order_pipeline.platforms import TransportSettings, Window, adapter_class
from order_pipeline.settings import landing_dir, state_dir
from order_pipeline.shops import Shop

T = TypeVar("T")


class PullFailed(RuntimeError):
    """Some shops failed; the others' data is landed and committed."""

    def __init__(self, failures: dict[str, BaseException], results: list[StreamPullResult]):
        self.failures, self.results = failures, results
        detail = "; ".join(f"{shop}: {exc}" for shop, exc in failures.items())
        super().__init__(f"{len(failures)} shop(s) failed: {detail}")


@dataclass(frozen=True)
class PullJob:
    streams: Sequence[str] = ("orders", "refunds", "stock")
    window: Window | None = None  # an explicit backfill window; None = incremental from the watermarks
    policy: PullPolicy = PullPolicy()
    transport: TransportSettings = TransportSettings()
    detail_concurrency: int = 4
    # Shops pulled at once. More shops in flight don't make one process faster (the pull is CPU-bound in
    # one interpreter) but each holds its own buffers: 3 keeps 100k orders under ~350 MB of RSS.
    shop_concurrency: int = 3
    # Worker processes (shops of one app stay together). 1 = threads in this process only.
    processes: int = 1


def pull_shops(shops: Sequence[Shop], job: PullJob, *, data_dir: Path, clock: Clock,
               cipher: PiiCipher | None = None, pull_id: str | None = None) -> list[StreamPullResult]:
    cipher = cipher or PiiCipher.from_env()
    pull_id = pull_id or uuid.uuid4().hex
    if job.processes > 1 and len(shops) > 1:
        from order_pipeline.ingestion.processes import pull_in_processes

        results, failed = pull_in_processes(list(shops), job, data_dir=data_dir, clock=clock, key=cipher.key,
                                            pull_id=pull_id, processes=job.processes)
        if failed:
            raise PullFailed({shop: RuntimeError(text) for shop, text in failed.items()}, results)
        return results
    state = IngestionState(state_dir(data_dir) / "ingestion.sqlite")
    root = landing_dir(data_dir)

    def pull_one(shop: Shop) -> list[StreamPullResult]:
        adapter_type = adapter_class(shop.platform)
        with adapter_type(shop, job.transport, detail_concurrency=job.detail_concurrency, clock=clock) as adapter:
            return [
                pull_stream(adapter, stream, landing_root=root, state=state, cipher=cipher, clock=clock,
                            pull_id=pull_id, policy=job.policy, window=job.window)
                for stream in job.streams
            ]

    done, failures = for_each_shop(shops, pull_one, job.shop_concurrency, "pull")
    results = [result for shop_results in done.values() for result in shop_results]
    if failures:
        raise PullFailed(failures, results)
    return results


def for_each_shop(shops: Sequence[Shop], work: Callable[[Shop], T], concurrency: int,
                  thread_name: str) -> tuple[dict[str, T], dict[str, BaseException]]:
    """`work(shop)` for every shop (or stock system), `concurrency` at once: the results and the failures by
    shop key, in the shops' order. One shop's failure never stops the others; the caller reports them."""
    results: dict[str, T] = {}
    failures: dict[str, BaseException] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(len(shops), concurrency)), thread_name_prefix=thread_name) as pool:
        futures = {shop.key: pool.submit(work, shop) for shop in shops}
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except Exception as exc:  # noqa: BLE001 - every shop's failure is reported together by the caller
                failures[key] = exc
    return results, failures
