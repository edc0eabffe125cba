"""A landing zone for warehouse benchmarks, written without HTTP: what daily pulls of the simulator land.

Pulling 1M orders through the simulator over HTTP takes ~16 minutes; this writes the same files directly:
- the world is the simulator's own (`WorldConfig`, `ShopGenerator`, catalog, buyer pools, stock series), built
  one shop at a time the way `builder.build_world` builds it, so a shop's orders equal `SimWorld(config)`'s;
- each daily pull is replayed at its instant: the simulator's own modified-time window query and `order()` /
  `stock()` lookups with the clock frozen at the pull, rendered by the simulator's platform renderers
  (`platforms/*_render.py`) into the detail record each adapter lands (Taobao `trade` of
  taobao.trade.fullinfo.get with `orders.order`, JD enGet `orderInfo`, Douyin `shop_order_detail`, Shopee
  get_order_detail with the adapter's optional fields; refunds as listed; stock per SKU / model), JD leaving
  unpaid orders out (`truth.listed`);
- each file is written as `landing.writer.LandingChunk` writes it: same folder and name (window + keyed
  content digest), schema, row groups, zstd; record_key / record_modified from the adapter's own functions;
  the adapter's `pii_paths` AES-GCM encrypted in `PiiCipher`'s format.

The pull schedule is that of an incremental pull run once a day with overlap 0 and safety lag 0 (the first
with a one-day lookback): pull k runs at `start - (days - k)` days and lands window [previous pull, this
pull], one file per shop, stream and day (`window_date=` the day), plus a stock snapshot per shop and pull. A
record version the previous pull landed (modified exactly at the window's start, same content) is not written
again, as the pull's `known` versions would skip it. `generate_changes` then lands one later incremental pull
at the instant by which `count` already-landed orders have changed (shipped, completed, refunded, address
changed ...: the simulator's own lifecycle), leaving out the orders no earlier pull landed.

Differences from a real pull, none in what a row holds: rows are in modified-time order rather than page
order, request ids are generated in the simulator's shape (13 base36 characters; JD sends none), files are not
fsynced (the data can be regenerated), and no ingestion state database (watermarks, landed versions) is
written. `order_pipeline_tests/bench/test_landing_gen.py` replays the same schedule through the simulator over
HTTP with the real pipeline and checks the file names (same content digests), every decrypted payload and
version time.

Usage: .venv/bin/python bench/landing_gen.py --data-dir /tmp/bench_landing --orders 1000000 --changes 10000
       .venv/bin/python bench/landing_gen.py --verify     (runs that test)
"""
from __future__ import annotations

import argparse
import binascii
import hmac
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from order_pipeline.clock import FrozenClock, ensure_utc  # noqa: E402
from order_pipeline.landing.pii import KEY_ENV, PREFIX, PiiCipher, load_key, new_key  # noqa: E402
from order_pipeline.landing.writer import ROW_GROUP_ROWS, landing_schema  # noqa: E402
from order_pipeline.platforms import PlatformAdapter, Window, adapter_class  # noqa: E402
from order_pipeline.platforms.shopee import DETAIL_FIELDS  # noqa: E402
from order_pipeline.platforms.taobao import TRADE_FIELDS  # noqa: E402
from order_pipeline.settings import landing_dir  # noqa: E402
from order_pipeline.simulator import people  # noqa: E402
from order_pipeline.simulator.builder import ShopData  # noqa: E402
from order_pipeline.simulator.catalog import build_catalog, shop_listing  # noqa: E402
from order_pipeline.simulator.config import WorldConfig  # noqa: E402
from order_pipeline.simulator.generator import ShopGenerator, region_of  # noqa: E402
from order_pipeline.simulator.index import BITS, Stream  # noqa: E402
from order_pipeline.simulator.model import Order, Refund, SimShop, StockLevel  # noqa: E402
from order_pipeline.simulator.platforms import (  # noqa: E402
    douyin_render,
    jd_render,
    shopee_render,
    taobao_render,
)
from order_pipeline.simulator.platforms.common import products_of  # noqa: E402
from order_pipeline.simulator.specs import NEVER, dt  # noqa: E402
from order_pipeline.simulator.stock import build_series  # noqa: E402
from order_pipeline.simulator.truth import listed  # noqa: E402
from order_pipeline.simulator.world import SimWorld  # noqa: E402

try:  # not a declared dependency (it comes with dagster-dbt / great-expectations): json is the fallback
    import orjson

    # Datetimes and dataclasses must fail as they fail in json, not be written as strings.
    _ORJSON_PLAIN = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    _ORJSON_SORTED = _ORJSON_PLAIN | orjson.OPT_SORT_KEYS
except ImportError:  # pragma: no cover
    orjson = None

DAY = 86400
DEFAULT_START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # the last daily pull; the history precedes it
DEFAULT_DAYS = 30
HORIZON_DAYS = 2  # lifecycles generated after `start`: what generate_changes draws from
STREAMS = ("orders", "refunds", "stock")
SMALL = 30_000  # below this many orders, spawning worker processes costs more than it saves
META = "landing_gen"  # data_dir/landing_gen/: the manifest and each shop's later order versions
_MOD = 2**256
_B64_URLSAFE = bytes.maketrans(b"+/", b"-_")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_KEY_CHECK = b"order_pipeline bench/landing_gen key check"

# What one list page (one Batch) holds, and how many request ids the adapter names for a page of n records:
# the list call plus each detail call (Taobao fullinfo and Douyin orderDetail per order, Shopee one detail
# call per 50 orders). JD's gateway sends no request id. Refund lists carry every field: one call per page.
ORDER_PAGE = {"taobao": (100, lambda n: 1 + n), "jd": (100, lambda n: 0), "douyin": (100, lambda n: 1 + n),
              "shopee": (100, lambda n: 1 + -(-n // 50))}
REFUND_PAGE = {"taobao": (100, lambda n: 1), "jd": (50, lambda n: 0), "douyin": (100, lambda n: 1),
               "shopee": (100, lambda n: 1)}
_TAOBAO_WITH_LINES = "orders" in {name.strip() for name in TRADE_FIELDS.split(",")}


# ----------------------------------------------------------------------------------------------- the world
def world_config(orders: int, seed: int = 7, start: datetime = DEFAULT_START, days: int = DEFAULT_DAYS
                 ) -> WorldConfig:
    """The simulator world whose daily pulls land about `orders` orders over `days` days before `start`,
    spread evenly over the shops of config/shops.yaml (each with its platform, region, timezone, currency)."""
    shops = WorldConfig().shops
    per_day = max(1, round(orders / (len(shops) * days)))
    return WorldConfig(seed=seed, start=ensure_utc(start), history_days=days, horizon_days=HORIZON_DAYS,
                       orders_per_shop_per_day=per_day, frozen=True, shops=shops)


class ShopWorld(SimWorld):
    """A `SimWorld` holding one shop: its window, `order()` and `stock()` queries are the simulator's own.
    `SimWorld.__init__` is not called because it generates every shop of the config."""

    def __init__(self, config: WorldConfig, shop: SimShop, data: ShopData):
        self.config = config
        self._lock = threading.RLock()
        self._generation = 0
        self._cache = OrderedDict()
        self._cached = 0
        self._shops = {shop.key: shop}
        self._data = {shop.key: data}
        self._orders = {shop.key: Stream(data.orders, "order_id")}
        self._refunds = {shop.key: Stream(data.refunds, "refund_id")}
        self._stock_bumps = {}
        self._missed = {shop.key: frozenset()}  # the generator lands every order: none hidden from listings
        self.clock = FrozenClock(config.start)
        self.data = data

    def forget(self) -> None:
        """Drop cached answers: every window is asked for once, so the cache only holds memory."""
        with self._lock:
            self._cache.clear()
            self._cached = 0


def build_shop(config: WorldConfig, shop_key: str) -> ShopWorld:
    """`builder.build_world` for one shop: the same catalog, the same regional buyer pool (sized for all the
    region's shops, as build_world sizes it) and the same seeded generators, so this shop's orders, refunds
    and stock equal those of `SimWorld(config)`."""
    shop = next(s for s in config.shops if s.key == shop_key)
    days = config.history_days + config.horizon_days
    region = region_of(shop)
    expected = sum(config.orders_per_shop_per_day * days for s in config.shops if region_of(s) == region)
    pool = _buyer_pool(config.seed, region, max(50, expected // 3))
    skus = shop_listing(config.seed, shop, build_catalog(config.seed))
    gen = ShopGenerator(config, shop, skus, pool).run()
    stock_rng = random.Random(f"{config.seed}:stock:{shop.key}")
    series = build_series(stock_rng, skus, gen.stock_events, gen.begin, gen.end)
    return ShopWorld(config, shop, ShopData(gen.orders, gen.refunds, skus, series))


_POOL: dict[tuple[int, str, int], list[tuple[str, ...]]] = {}


def _buyer_pool(seed: int, region: str, size: int) -> list[tuple[str, ...]]:
    """The region's buyers as build_world draws them; the last pool is kept, since a worker often lands
    several shops of one region (the three CN shops share theirs)."""
    key = (seed, region, size)
    if key not in _POOL:
        _POOL.clear()
        rng = random.Random(f"{seed}:persons:{region}")
        _POOL[key] = [people.person(rng, region) for _ in range(size)]
    return _POOL[key]


# --------------------------------------------------------------------------------------- what adapters land
def order_renderer(shop: SimShop) -> Callable[[Order], dict]:
    """The detail record the shop's adapter lands for an order (the simulator's rendering of the reply)."""
    platform = shop.platform
    if platform == "taobao":
        return lambda order: taobao_render.trade_full(order, with_lines=_TAOBAO_WITH_LINES)
    if platform == "jd":
        return lambda order: jd_render.order_detail(order, shop)
    if platform == "douyin":
        return lambda order: douyin_render.shop_order(order, shop, detail=True)
    if platform == "shopee":  # the optional fields the adapter names, in its order (the server's is a set's)
        return lambda order: shopee_render.order_detail(order, shop, DETAIL_FIELDS)  # type: ignore[arg-type]
    raise ValueError(f"unknown platform {platform!r}")


def refund_renderer(shop: SimShop) -> Callable[[Refund, Order | None], dict]:
    """The refund list record (no detail call exists), given the refund's order as of the pull."""
    platform = shop.platform
    if platform == "taobao":
        return taobao_render.refund_record
    if platform == "jd":
        return jd_render.refund_record
    if platform == "douyin":
        return lambda refund, order: douyin_render.aftersale(refund)
    if platform == "shopee":
        return lambda refund, order: shopee_render.return_record(refund, order, shop)
    raise ValueError(f"unknown platform {platform!r}")


def stock_pages(shop: SimShop, levels: list[StockLevel]) -> list[tuple[list[dict], int]]:
    """The stock records the adapter's fetch_stock yields, page by page, with its request ids per page."""
    products = products_of(levels)
    ids = list(products)
    platform = shop.platform
    if platform == "taobao":  # items.onsale.get pages of 200, then item.skus.get for 40 items at a time
        return [([taobao_render.sku_record(level) for pid in ids[i:i + 200] for level in products[pid]],
                 1 + -(-len(ids[i:i + 200]) // 40)) for i in range(0, len(ids), 200)]
    if platform == "jd":  # searchSkuList pages of 100 SKUs
        return [([jd_render.sku_record(level) for level in levels[i:i + 100]], 0)
                for i in range(0, len(levels), 100)]
    if platform == "douyin":  # product.listV2 pages of 100, then sku.list per product
        return [([douyin_render.sku(level) for pid in ids[i:i + 100] for level in products[pid]],
                 1 + len(ids[i:i + 100])) for i in range(0, len(ids), 100)]
    if platform == "shopee":  # get_item_list pages of 100, then get_model_list per item
        return [([{**model, "item_id": shopee_render.numeric_id(pid)} for pid in ids[i:i + 100]
                  for model in shopee_render.model_list(products[pid], shop)["model"]],
                 1 + len(ids[i:i + 100])) for i in range(0, len(ids), 100)]
    raise ValueError(f"unknown platform {platform!r}")


# ------------------------------------------------------------------------------------------- landing files
class FastCipher(PiiCipher):
    """`PiiCipher` with the same output, faster: AES-256-GCM with a random 96-bit nonce (drawn from the OS in
    bulk), the field path as associated data, `enc:v1:` + urlsafe base64 of nonce + ciphertext; and the same
    keyed digest in one HMAC call. `seal` is `encrypt_paths` for paths of one or two keys (every adapter's):
    the same copies and the same rule (non-empty strings and numbers, never a value already encrypted)."""

    def __init__(self, key: bytes):
        super().__init__(key)
        self._gcm = AESGCM(key)
        self._nonces, self._at = b"", 0
        self._fields: dict[str, bytes] = {}

    def encrypt(self, value: str, field: str) -> str:
        at = self._at
        if at + 12 > len(self._nonces):
            self._nonces, at = os.urandom(12 * 4096), 0
        nonce = self._nonces[at:at + 12]
        self._at = at + 12
        aad = self._fields.get(field)
        if aad is None:
            aad = self._fields[field] = field.encode("utf-8")
        sealed = self._gcm.encrypt(nonce, value.encode("utf-8"), aad)
        text = binascii.b2a_base64(nonce + sealed, newline=False).translate(_B64_URLSAFE).decode("ascii")
        return PREFIX + text

    def digest_one(self, chunk: bytes) -> str:
        """`digest([chunk])`."""
        return hmac.digest(self._digest_key, len(chunk).to_bytes(8, "big") + chunk, "sha256").hex()

    def seal(self, record: dict[str, Any], plan: list[tuple[str, str | None, str]] | None,
             paths: list[tuple[str, ...]]) -> dict[str, Any]:
        if plan is None:
            return self.encrypt_paths(record, paths)
        out = dict(record)
        copied: set[str] = set()
        for head, tail, field in plan:
            node = out
            if tail is not None:
                child = out.get(head)
                if not isinstance(child, dict):
                    continue  # absent, or a list: a key step into a list encrypts nothing
                if head not in copied:
                    child = out[head] = dict(child)
                    copied.add(head)
                node, head = child, tail
            if head not in node:
                continue
            value = node[head]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and value and not value.startswith(PREFIX):
                node[head] = self.encrypt(value, field)
        return out


def seal_plan(paths: list[tuple[str, ...]]) -> list[tuple[str, str | None, str]] | None:
    """(key, subkey or None, field name) per path; None when a path walks a list or is deeper (use
    `encrypt_paths`)."""
    if any("*" in path or not 1 <= len(path) <= 2 for path in paths):
        return None
    return [(path[0], path[1] if len(path) == 2 else None, ".".join(path)) for path in paths]


def _json_sorted(record: dict) -> bytes:
    """json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(): the bytes the
    landing writer digests. orjson writes the same bytes (checked for every code point and our floats) 8x
    faster; anything orjson would write differently or not at all goes through json."""
    if orjson is not None:
        try:
            return orjson.dumps(record, option=_ORJSON_SORTED)
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _json(record: dict) -> str:
    """json.dumps(record, ensure_ascii=False, separators=(",", ":")): the payload column."""
    if orjson is not None:
        try:
            return orjson.dumps(record, option=_ORJSON_PLAIN).decode("utf-8")
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class RequestIds:
    """Request ids in the simulator's shape (13 base36 characters), from a seeded sequence."""

    _TRIPLES = [a + b + c for a in _B36 for b in _B36 for c in _B36]

    def __init__(self, seed: str):
        self._bits = random.Random(seed).getrandbits

    def take(self, count: int) -> list[str]:
        triples, bits, out = self._TRIPLES, self._bits, []
        for _ in range(count):
            n = bits(68) % 36**13
            n, a = divmod(n, 46656)
            n, b = divmod(n, 46656)
            n, c = divmod(n, 46656)
            n, d = divmod(n, 46656)
            out.append(triples[a] + triples[b] + triples[c] + triples[d] + _B36[n])
        return out


class Chunk:
    """One landing file, written as `LandingChunk` writes it: the same folder, schema, row groups of at least
    ROW_GROUP_ROWS rows, zstd, and the same name (window + keyed digest of the plaintext records), so an
    identical pull would produce the identical name. Not fsynced, and no empty folder for an empty window."""

    def __init__(self, root: Path, adapter: type[PlatformAdapter], shop_key: str, stream: str,
                 window: Window | None, cipher: FastCipher, pull_id: str, pulled_at: datetime):
        self.adapter, self.shop_key, self.stream, self.window = adapter, shop_key, stream, window
        self.cipher, self.pull_id, self.pulled_at = cipher, pull_id, pulled_at
        self.paths = adapter.pii_paths.get(stream, [])
        self.plan = seal_plan(self.paths)
        day = (window.start if window else pulled_at).strftime("%Y-%m-%d")
        self.folder = (root / stream / f"platform={adapter.platform}" / f"shop={shop_key}"
                       / f"{'window' if window else 'snapshot'}_date={day}")
        self._tmp: Path | None = None
        self._writer = None
        self._columns: dict[str, list] = {name: [] for name in ("record_key", "record_modified", "payload",
                                                                "request_ids", "pii_digest")}
        self._sum = 0
        self.records = 0

    def add(self, records: list[dict], request_ids: list[str]) -> None:
        """One Batch: records fetched together, with the request ids behind them."""
        adapter, stream, cipher, columns = self.adapter, self.stream, self.cipher, self._columns
        for record in records:
            version = cipher.digest_one(_json_sorted(record))[:32]
            self._sum = (self._sum + int(version, 16)) % _MOD
            columns["record_key"].append(adapter.record_key(stream, record))
            columns["record_modified"].append(adapter.record_modified(stream, record))
            columns["payload"].append(_json(cipher.seal(record, self.plan, self.paths)))
            columns["request_ids"].append(request_ids)
            columns["pii_digest"].append(cipher.pii_digest(record, self.paths))
        self.records += len(records)
        if len(columns["record_key"]) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        columns = self._columns
        rows = len(columns["record_key"])
        if not rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = landing_schema()
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._tmp = self.folder / f".{uuid.uuid4().hex}.partial"
            self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        window = self.window
        constant = {"platform": self.adapter.platform, "shop_key": self.shop_key, "stream": self.stream,
                    "window_start": window.start if window else None,
                    "window_end": window.end if window else None, "pulled_at": self.pulled_at,
                    "pull_id": self.pull_id}
        arrays = [pa.array(columns[f.name] if f.name in columns else [constant[f.name]] * rows, type=f.type)
                  for f in schema]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        self._columns = {name: [] for name in columns}

    def close(self) -> Path | None:
        """The file under its content-derived name; None when nothing was added or the file already exists."""
        self._flush()
        if self._writer is None or self._tmp is None:
            return None
        self._writer.close()
        window = self.window
        window_part = f"{window.start:%Y%m%dT%H%M%S}-{window.end:%Y%m%dT%H%M%S}" if window else "snapshot"
        digest = self.cipher.digest([self._sum.to_bytes(32, "big"), str(self.records).encode()])[:20]
        final = self.folder / f"{window_part}-{digest}.parquet"
        if final.exists():  # an identical file (a snapshot equal to the last one): the pull writes nothing
            self._tmp.unlink()
            return None
        os.replace(self._tmp, final)
        return final


def paged(chunk: Chunk, records: list[dict], page: tuple[int, Callable[[int], int]], rids: RequestIds
          ) -> None:
    size, request_count = page
    for i in range(0, len(records), size):
        batch = records[i:i + size]
        chunk.add(batch, rids.take(request_count(len(batch))))


# -------------------------------------------------------------------------------------- one shop's pulls
@dataclass(frozen=True)
class Pull:
    now: int  # epoch seconds: the pull's frozen "now", also its window's end
    start: int  # the window's start: the previous pull's now (or the world's beginning for the first)
    pull_id: str


@dataclass(frozen=True)
class ShopJob:
    config: WorldConfig
    shop_key: str
    key: bytes
    root: str  # the landing directory
    pulls: tuple[Pull, ...]
    streams: tuple[str, ...]
    first_start: int  # a window starting here has no earlier pull whose versions it could repeat
    existing_until: int | None = None  # change pulls: only orders landed before (created by then, listed at
    # the window's start) and their refunds
    versions_file: str | None = None  # where to keep the shop's order versions after config.start


@dataclass
class Counts:
    orders: int = 0  # distinct orders landed
    lines: int = 0  # their lines
    refunds: int = 0  # distinct refunds landed
    order_rows: int = 0  # order versions landed (rows), and so on
    refund_rows: int = 0
    stock_rows: int = 0
    files: int = 0
    bytes: int = 0
    cpu_seconds: float = 0.0  # of the process(es) landing: the wall time on idle cores is about this / cores


def land_shop(job: ShopJob) -> dict[str, Any]:
    """Generate one shop and land its pulls; returns Counts as a dict (runs in a worker process)."""
    cpu = time.process_time()
    world = build_shop(job.config, job.shop_key)
    shop = world.shop(job.shop_key)
    adapter = adapter_class(shop.platform)
    cipher = FastCipher(job.key)
    root = Path(job.root)
    counts = Counts()
    seen_orders: set[str] = set()
    seen_refunds: set[str] = set()
    render_order, render_refund = order_renderer(shop), refund_renderer(shop)
    order_page, refund_page = ORDER_PAGE[shop.platform], REFUND_PAGE[shop.platform]
    existing = dt(job.existing_until) if job.existing_until is not None else None

    def landed_before(order_id: str, window: Window) -> bool:
        """Change pulls land only orders the earlier pulls landed: created by `existing_until` and listed at
        the last pull (JD shows no unpaid order: one paid since was never landed)."""
        now = world.now()
        world.set_now(window.start)
        order = world.order(shop.key, order_id)
        world.set_now(now)
        return order is not None and order.created_at <= existing and listed(shop, order)

    def close(chunk: Chunk) -> None:
        path = chunk.close()
        if path is not None:
            counts.files += 1
            counts.bytes += path.stat().st_size
            rows = {"orders": "order_rows", "refunds": "refund_rows", "stock": "stock_rows"}[chunk.stream]
            setattr(counts, rows, getattr(counts, rows) + chunk.records)

    for pull in job.pulls:
        now, window = dt(pull.now), Window(dt(pull.start), dt(pull.now))
        repeats = pull.start > job.first_start  # versions at the window's start: landed by the previous pull
        world.set_now(now)
        rids = RequestIds(f"{pull.pull_id}:{shop.key}")
        if "orders" in job.streams:
            records = []
            for order in world.orders_modified_between(shop.key, window.start, window.end):
                if (repeats and order.modified_at == window.start) or not listed(shop, order):
                    continue  # the previous pull landed this very version / JD does not show unpaid orders
                if existing is not None and not landed_before(order.order_id, window):
                    continue
                records.append(render_order(order))
                if order.order_id not in seen_orders:
                    seen_orders.add(order.order_id)
                    counts.lines += len(order.lines)
            chunk = Chunk(root, adapter, shop.key, "orders", window, cipher, pull.pull_id, now)
            paged(chunk, records, order_page, rids)
            close(chunk)
        if "refunds" in job.streams:
            records = []
            for refund in world.refunds_modified_between(shop.key, window.start, window.end):
                if existing is not None and not landed_before(refund.order_id, window):
                    continue
                order = world.order(shop.key, refund.order_id)
                record = render_refund(refund, order)
                if repeats and refund.modified_at == window.start:
                    # Landed by the previous pull; land it again only if it reads differently now (Taobao
                    # shows the order's current status in the refund), as the pull's known digests decide.
                    world.set_now(window.start)
                    before = render_refund(refund, world.order(shop.key, refund.order_id))
                    world.set_now(now)
                    if before == record:
                        continue
                records.append(record)
                seen_refunds.add(refund.refund_id)
            chunk = Chunk(root, adapter, shop.key, "refunds", window, cipher, pull.pull_id, now)
            paged(chunk, records, refund_page, rids)
            close(chunk)
        if "stock" in job.streams:
            chunk = Chunk(root, adapter, shop.key, "stock", None, cipher, pull.pull_id, now)
            for records, request_count in stock_pages(shop, world.stock(shop.key)):
                chunk.add(records, rids.take(request_count))
            close(chunk)
        world.forget()
    counts.orders, counts.refunds = len(seen_orders), len(seen_refunds)
    if job.versions_file:
        _write_later_versions(shop, world.data, int(job.config.start.timestamp()), Path(job.versions_file))
    counts.cpu_seconds = time.process_time() - cpu
    return counts.__dict__


def _write_later_versions(shop: SimShop, data: ShopData, start: int, path: Path) -> None:
    """Every version after `start` of the orders created by then, as sorted `instant << BITS | position` keys
    (the simulator's index encoding), each with the instant its order was first listed (JD: once paid or
    closed): generate_changes picks its pull instant from these. Keys first, then the instants."""
    pairs = []
    for position, spec in enumerate(data.orders):
        later = [t for t in spec.vtimes if t > start]
        if spec.created > start or not later:
            continue
        if shop.platform == "jd":  # truth.listed hides unpaid orders on JD only
            shown = next((t for vi, t in enumerate(spec.vtimes) if listed(shop, spec.materialize(vi))), NEVER)
        else:
            shown = spec.created
        pairs += [(t << BITS | position, shown) for t in later]
    pairs.sort()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        array("q", [key for key, _ in pairs]).tofile(out)
        array("q", [shown for _, shown in pairs]).tofile(out)


def _read_later_versions(path: Path) -> list[tuple[int, int]]:
    """(instant << BITS | position, first listed) pairs, by key."""
    values = array("q")
    values.frombytes(path.read_bytes())
    half = len(values) // 2
    return list(zip(values[:half], values[half:], strict=True))


def _run(jobs: list[ShopJob], processes: int) -> list[dict[str, Any]]:
    if processes <= 1 or len(jobs) <= 1:
        return [land_shop(job) for job in jobs]
    import multiprocessing

    # spawn, not fork: the caller may run threads (a simulator, a web server) that fork would copy mid-lock.
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(processes, len(jobs))) as pool:
        results = list(pool.imap_unordered(land_shop, jobs, chunksize=1))
        # Let the workers exit on their own: the pool's __exit__ terminates them with SIGTERM, which a worker
        # spawned by a process that ignores SIGTERM (a Dagster run) inherits ignored, and join() then hangs.
        pool.close()
        pool.join()
    return results


# ------------------------------------------------------------------------------------------------ the API
def generate_landing(data_dir: Path, orders: int, seed: int = 7, start: datetime = DEFAULT_START,
                     processes: int = 2, *, days: int = DEFAULT_DAYS, streams: Iterable[str] = STREAMS
                     ) -> dict[str, Any]:
    """Land `days` daily pulls of a simulator world of about `orders` orders under `data_dir/landing`.

    `start` is the instant of the last daily pull (the simulator's "now"); pull k runs at
    `start - (days - k)` days, UTC. Orders are spread evenly over the shops of config/shops.yaml. Returns
    {orders, lines, refunds, order_rows, refund_rows, stock_rows, files, bytes, cpu_seconds, seconds}:
    `orders`, `lines` and `refunds` count distinct records, `*_rows` the versions landed, `cpu_seconds` the
    CPU time of the shops' generation and landing (not of starting workers). Below 30,000 orders everything
    runs in this process (faster than starting workers)."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    root = landing_dir(data_dir)
    if root.exists() and any(root.rglob("*.parquet")):
        raise FileExistsError(f"{root} already holds landing files: generate into an empty data directory")
    key = _pii_key()
    streams = tuple(s for s in STREAMS if s in set(streams))
    config = world_config(orders, seed, start, days)
    now = int(config.start.timestamp())
    begin = now - days * DAY
    pulls = tuple(Pull(begin + k * DAY, begin + (k - 1) * DAY, _pull_id(seed, now, f"daily-{k}"))
                  for k in range(1, days + 1))
    meta = data_dir / META
    jobs = [ShopJob(config, shop.key, key, str(root), pulls, streams, begin,
                    versions_file=str(meta / f"{shop.key}.versions"))
            for shop in _heaviest_first(config.shops)]
    results = _run(jobs, processes if orders >= SMALL else 1)
    stats = _total(results, time.perf_counter() - started)
    manifest = {
        "seed": seed, "orders": orders, "days": days, "start": _iso(config.start), "streams": list(streams),
        "horizon_days": config.horizon_days, "orders_per_shop_per_day": config.orders_per_shop_per_day,
        "nasty_share": config.nasty_share, "shops": [shop.key for shop in config.shops],
        "key_check": PiiCipher(key).digest([_KEY_CHECK])[:16],
        "pulls": [{"pull_id": p.pull_id, "window_start": _iso(dt(p.start)), "now": _iso(dt(p.now))}
                  for p in pulls],
        "watermark": _iso(config.start), "stats": stats,
    }
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return stats


def generate_changes(data_dir: Path, count: int = 10_000, seed: int | None = None, processes: int = 2
                     ) -> dict[str, Any]:
    """Land one later incremental pull that brings a new version of `count` already-landed orders.

    The pull runs at the instant by which `count` orders created before the landing's `start` have changed
    since the last pull (the simulator's lifecycle: paid, shipped, completed, refunded, address changed ...);
    its window is [last pull, that instant] with a new pull id, and it lands what an incremental pull of every
    shop lands then, less the orders no earlier pull landed (created after `start`, or JD orders unpaid until
    the last pull) and their refunds: the changed orders, the refunds changed meanwhile, a stock snapshot.
    Repeated calls chain on (each starts where the previous ended), until the lifecycles generated (2 days
    past `start`) run out. `seed` is the world's (default: the landing's); another seed would not change the
    orders landed. Returns the stats of generate_landing plus the window."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    meta = data_dir / META
    manifest = json.loads((meta / "manifest.json").read_text(encoding="utf-8"))
    if seed is not None and seed != manifest["seed"]:
        raise ValueError(f"the landing in {data_dir} was generated with seed {manifest['seed']}, not {seed}")
    key = _pii_key()
    if PiiCipher(key).digest([_KEY_CHECK])[:16] != manifest["key_check"]:
        raise ValueError(f"{KEY_ENV} is not the key the landing in {data_dir} was generated with")
    config = WorldConfig(seed=manifest["seed"], start=datetime.fromisoformat(manifest["start"]),
                         history_days=manifest["days"], horizon_days=manifest["horizon_days"],
                         orders_per_shop_per_day=manifest["orders_per_shop_per_day"],
                         nasty_share=manifest["nasty_share"], frozen=True)
    if [shop.key for shop in config.shops] != manifest["shops"]:
        raise ValueError("config/shops.yaml changed since the landing was generated")
    start = int(config.start.timestamp())
    watermark = int(datetime.fromisoformat(manifest["watermark"]).timestamp())
    firsts: list[int] = []  # per order landed before and changed since, its first version after the watermark
    for shop in config.shops:
        seen: set[int] = set()
        for k, shown in _read_later_versions(meta / f"{shop.key}.versions"):
            instant, position = k >> BITS, k & ((1 << BITS) - 1)
            if instant > watermark and shown <= watermark and position not in seen:
                seen.add(position)
                firsts.append(instant)
    firsts.sort()
    if not firsts or count <= 0:
        raise ValueError("no order changes left after the last pull (lifecycles end 2 days past start)")
    if len(firsts) < count:
        print(f"only {len(firsts)} orders change after the last pull; landing those", file=sys.stderr)
    now = firsts[min(count, len(firsts)) - 1]
    name = f"changes-{len(manifest.get('changes', []))}"
    pull = Pull(now, watermark, _pull_id(manifest["seed"], now, name))
    root = landing_dir(data_dir)
    begin = start - manifest["days"] * DAY
    streams = tuple(manifest["streams"])
    jobs = [ShopJob(config, shop.key, key, str(root), (pull,), streams, begin, existing_until=start)
            for shop in _heaviest_first(config.shops)]
    results = _run(jobs, processes if manifest["orders"] >= SMALL else 1)
    stats = _total(results, time.perf_counter() - started)
    stats.update(pull_id=pull.pull_id, window_start=_iso(dt(watermark)), window_end=_iso(dt(now)))
    manifest["watermark"] = _iso(dt(now))
    manifest.setdefault("changes", []).append(stats)
    (meta / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return stats


def _pii_key() -> bytes:
    if not os.environ.get(KEY_ENV):
        os.environ[KEY_ENV] = new_key()
        print(f"{KEY_ENV} was not set: generated a fresh key for this process (synthetic data only); to read "
              f"or extend this landing later, export {KEY_ENV}={os.environ[KEY_ENV]}", file=sys.stderr)
    return load_key()


def _pull_id(seed: int, now: int, name: str) -> str:
    """A uuid4-shaped pull id (as a pull's default), deterministic for the same world and pull."""
    return uuid.UUID(int=random.Random(f"{seed}:{now}:{name}").getrandbits(128), version=4).hex


def _heaviest_first(shops: list[SimShop]) -> list[SimShop]:
    """Taobao and Douyin records cost most to render and land: start them first so workers end together."""
    weight = {"taobao": 0, "douyin": 1, "jd": 2, "shopee": 3}
    return sorted(shops, key=lambda shop: weight.get(shop.platform, 9))


def _total(results: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    total: dict[str, Any] = {name: sum(r[name] for r in results) for name in Counts().__dict__}
    total["cpu_seconds"] = round(total["cpu_seconds"], 1)
    total["seconds"] = round(seconds, 2)
    return total


def _iso(instant: datetime) -> str:
    return ensure_utc(instant).isoformat()


# ------------------------------------------------------------------------------------------------- the CLI
def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants, summed, from /proc."""
    total, queue = 0, [pid]
    while queue:
        current = queue.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench_landing"))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=10_000, help="changed orders to land after (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--start", default=DEFAULT_START.isoformat(), help="the last daily pull, ISO-8601")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--verify", action="store_true", help="run the equality test against a real pull")
    args = parser.parse_args()
    if args.verify:
        raise SystemExit(subprocess.call([sys.executable, "-m", "pytest", "-q", "order_pipeline_tests/bench"],
                                         cwd=ROOT))
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_kb(os.getpid()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stats = generate_landing(args.data_dir, args.orders, args.seed, datetime.fromisoformat(args.start),
                             args.processes, days=args.days)
    print(json.dumps({"landing": stats}))
    if args.changes:
        changes = generate_changes(args.data_dir, args.changes, processes=args.processes)
        print(json.dumps({"changes": changes}))
    done.set()
    watcher.join()
    print(json.dumps({"peak_rss_mb_process_tree": round(peak[0] / 1024)}))


if __name__ == "__main__":
    main()
