"""The benchmark's generated landing zone is what real pulls of the same world land, record for record.

`bench/landing_gen.py` writes landing files without HTTP. Here the same small world is served by the
simulator and pulled over HTTP by the real pipeline (adapters, paging, `LandingChunk`, watermarks) on the
generator's schedule: one incremental pull a day with overlap 0 and safety lag 0, the clock frozen at each
pull, then the later incremental pulls of `generate_changes`. Files are compared by name (window + keyed
digest of the plaintext records: equal names mean equal records), and every row by key: its payload with the
personal fields decrypted (ciphertexts differ, nonces are random), which fields are encrypted, its version
time, window and pull time.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from bench import landing_gen
from order_pipeline.clock import FrozenClock, parse_instant
from order_pipeline.ingestion.pull import PullPolicy
from order_pipeline.ingestion.runner import PullJob, pull_shops
from order_pipeline.landing.pii import PREFIX, PiiCipher
from order_pipeline.landing.writer import landing_schema
from order_pipeline.platforms import adapter_class
from order_pipeline.settings import landing_dir
from order_pipeline.shops import load_shops
from order_pipeline.simulator.server import RunningSimulator
from order_pipeline_tests.conftest import TEST_START

SEED, DAYS, ORDERS, CHANGES = 11, 2, 6 * 2 * 60, 60
DAILY = PullPolicy(overlap=timedelta(0), safety_lag=timedelta(0), initial_lookback=timedelta(days=1))


def _rows(data_dir: Path) -> list[dict]:
    root = landing_dir(data_dir)
    out = []
    for path in sorted(root.rglob("*.parquet")):
        assert pq.read_schema(path).equals(landing_schema()), path
        for row in pq.read_table(path).to_pylist():
            row["file"] = path.relative_to(root).as_posix()
            out.append(row)
    return out


def _walk(node: object, path: tuple[str, ...], visit) -> None:  # noqa: ANN001 - visit(container, key, field)
    """Every value at a pii path (`*` walks a list), as `encrypt_paths` walks them."""
    head, rest = path[0], path[1:]
    if head == "*":
        for item in node if isinstance(node, list) else []:
            if rest:
                _walk(item, rest, visit)
        return
    if isinstance(node, dict) and head in node:
        if rest:
            _walk(node[head], rest, visit)
        else:
            visit(node, head)


def _opened(row: dict, cipher: PiiCipher) -> tuple[dict, dict]:
    """(payload with personal fields decrypted, payload with each ciphertext replaced by a marker)."""
    paths = adapter_class(row["platform"]).pii_paths.get(row["stream"], [])
    plain, masked = json.loads(row["payload"]), json.loads(row["payload"])
    for path in paths:
        field = ".".join(path)

        def decrypt(node: dict, key: str, field: str = field) -> None:
            if isinstance(node[key], str) and node[key].startswith(PREFIX):
                node[key] = cipher.decrypt(node[key], field)

        def mask(node: dict, key: str, field: str = field) -> None:
            if isinstance(node[key], str) and node[key].startswith(PREFIX):
                node[key] = f"<encrypted {field}>"
            else:  # the writer encrypts every non-empty string or number: only empties may stay clear
                assert node[key] in ("", None) or isinstance(node[key], bool), (field, row["record_key"])

        _walk(plain, path, decrypt)
        _walk(masked, path, mask)
    return plain, masked


def _by_key(rows: list[dict]) -> dict[tuple, dict]:
    keyed = {(r["stream"], r["shop_key"], r["record_key"], r["pulled_at"]): r for r in rows}
    assert len(keyed) == len(rows), "a record landed twice in one pull"
    return keyed


def _assert_same_row(generated: dict, pulled: dict, cipher: PiiCipher) -> None:
    key = (generated["stream"], generated["shop_key"], generated["record_key"])
    for column in ("platform", "record_modified", "window_start", "window_end", "pulled_at", "pii_digest"):
        assert generated[column] == pulled[column], (key, column, generated[column], pulled[column])
    plain_generated, masked_generated = _opened(generated, cipher)
    plain_pulled, masked_pulled = _opened(pulled, cipher)
    assert plain_generated == plain_pulled, key
    assert masked_generated == masked_pulled, key
    assert all(isinstance(rid, str) and rid for rid in generated["request_ids"]), key


def test_generated_landing_equals_real_pulls_of_the_same_world(tmp_path, monkeypatch):
    generated_dir, pulled_dir = tmp_path / "generated", tmp_path / "pulled"
    stats = landing_gen.generate_landing(generated_dir, ORDERS, seed=SEED, start=TEST_START, days=DAYS,
                                         processes=1)
    # Two change pulls: the second window starts at the instant of an order version the first one landed.
    changes = [landing_gen.generate_changes(generated_dir, count=CHANGES) for _ in range(2)]
    manifest = json.loads((generated_dir / "landing_gen" / "manifest.json").read_text())
    start = TEST_START

    with RunningSimulator(landing_gen.world_config(ORDERS, SEED, TEST_START, DAYS)) as sim:
        monkeypatch.setenv("ORDER_PIPELINE_SIM_URL", sim.url)
        shops = load_shops()
        for pull in manifest["pulls"]:
            now = parse_instant(pull["now"])
            sim.world.set_now(now)
            pull_shops(shops, PullJob(policy=DAILY), data_dir=pulled_dir, clock=FrozenClock(now))
        for change in changes:
            now = parse_instant(change["window_end"])
            sim.world.set_now(now)
            pull_shops(shops, PullJob(policy=DAILY), data_dir=pulled_dir, clock=FrozenClock(now))

        def order_of(row: dict) -> tuple[str, str]:
            if row["stream"] == "refunds":
                return row["shop_key"], sim.world.refund(row["shop_key"], row["record_key"]).order_id
            return row["shop_key"], row["record_key"]

        cipher = PiiCipher.from_env()
        generated, pulled = _rows(generated_dir), _rows(pulled_dir)
        daily = [r for r in generated if r["pulled_at"] <= start]
        daily_pulled = [r for r in pulled if r["pulled_at"] <= start]
        landed_orders = {(r["shop_key"], r["record_key"]) for r in daily if r["stream"] == "orders"}

        # The daily pulls: the very same files (names carry the keyed digest of every plaintext record).
        assert sorted({r["file"] for r in daily}) == sorted({r["file"] for r in daily_pulled})
        generated_keyed, pulled_keyed = _by_key(daily), _by_key(daily_pulled)
        assert generated_keyed.keys() == pulled_keyed.keys()
        for key, row in generated_keyed.items():
            _assert_same_row(row, pulled_keyed[key], cipher)
        counts = Counter((r["platform"], r["stream"]) for r in daily)
        for platform in ("taobao", "jd", "douyin", "shopee"):
            assert counts[(platform, "orders")] > 50 and counts[(platform, "refunds")] > 0, counts
            assert counts[(platform, "stock")] > 10, counts
        assert stats["order_rows"] == sum(1 for r in daily if r["stream"] == "orders")
        assert stats["orders"] == len(landed_orders)

        # The change pulls: the real ones also bring the orders not landed before (created since, or JD orders
        # paid since) and their refunds; everything else is identical.
        window_start, extra = start, 0
        for change in changes:
            now = parse_instant(change["window_end"])
            later = _by_key([r for r in generated if r["pulled_at"] == now])
            later_pulled = _by_key([r for r in pulled if r["pulled_at"] == now])
            assert later.keys() <= later_pulled.keys()
            for key, row in later.items():
                _assert_same_row(row, later_pulled[key], cipher)
            for key in later_pulled.keys() - later.keys():
                assert key[0] != "stock" and order_of(later_pulled[key]) not in landed_orders, key
                extra += 1
            changed = [r for r in later.values() if r["stream"] == "orders"]
            assert len(changed) == change["orders"] >= CHANGES
            assert all(r["window_start"] == window_start for r in later.values() if r["stream"] != "stock")
            assert all(r["record_modified"] > window_start for r in changed)
            assert {order_of(r) for r in later.values() if r["stream"] != "stock"} <= landed_orders
            window_start = now
        assert extra > 0, "the world should have orders created after start"


def test_default_layout_one_file_per_shop_stream_and_day(tmp_path):
    stats = landing_gen.generate_landing(tmp_path, 1_200, seed=3, start=TEST_START)
    files = list(landing_dir(tmp_path).rglob("*.parquet"))
    assert stats["files"] == len(files) and stats["bytes"] == sum(p.stat().st_size for p in files)
    per_day = Counter(p.relative_to(landing_dir(tmp_path)).parts[:4] for p in files)
    assert max(per_day.values()) == 1
    for kind in ("window_date", "snapshot_date"):
        assert len({parts[3] for parts in per_day if parts[3].startswith(kind)}) == landing_gen.DEFAULT_DAYS
    rows = duckdb.sql(
        "SELECT stream, count(*), count(DISTINCT (shop_key, record_key, record_modified)) "
        "FROM read_parquet($f) GROUP BY stream",
        params={"f": [str(p) for p in files if "/stock/" not in str(p)]}).fetchall()
    for stream, total, distinct in rows:
        assert total == distinct, f"{stream}: a version landed twice"
    assert 1_100 <= stats["orders"] <= 1_300 and stats["lines"] > stats["orders"]

    later = landing_gen.generate_changes(tmp_path, count=50)
    again = landing_gen.generate_changes(tmp_path, count=50)
    assert later["orders"] >= 50 and again["orders"] >= 50
    assert parse_instant(again["window_start"]) == parse_instant(later["window_end"]), "change pulls chain on"
    with pytest.raises(FileExistsError):
        landing_gen.generate_landing(tmp_path, 1_200, seed=3, start=TEST_START)
