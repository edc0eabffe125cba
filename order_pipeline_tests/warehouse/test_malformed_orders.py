"""Malformed orders as real platforms send them now and then: none blocks the warehouse, none disappears.

The simulator's payloads are well-formed, so these records are made from ones it served: a landed payload with
a key field taken out, landed as a new order in a file laid out as the landing writer lays it out (its other
columns, the encrypted receiver fields included, copied). Before, a line without its id, or an order without
an id that still had lines, failed an ERROR test of the whole build; a Taobao item without SKUs (a real,
documented case), a product title with an emoji joined by a zero-width joiner, or a line sold zero times
failed a fct_order_lines gate, an order without lines the fct_orders order-total gate, an order modified a
second before it was created (clock skew) the staging time gate: each stopped publishing for everyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from order_pipeline.simulator.config import WorldConfig
from order_pipeline_tests.conftest import TEST_START
from order_pipeline_tests.warehouse.pipeline_run import PipelineEnv, pipeline_env

WORLD = WorldConfig(seed=23, start=TEST_START, history_days=1, horizon_days=1, orders_per_shop_per_day=10,
                    nasty_share=0.0, frozen=True)


def _without(record: dict, path: tuple[str | int, ...]) -> dict:
    """`record` with the field at `path` (keys and list positions) removed."""
    parent = record
    for step in path[:-1]:
        parent = parent[step]
    parent.pop(path[-1], None)
    return record


def _land_variants(landing: Path, platform: str, lines: str, min_lines: int,
                   variants: dict[str, tuple[str, Callable[[dict], dict]]]) -> dict[str, str]:
    """One new landing file of `platform` orders: per variant name, the first landed payload with `min_lines`
    lines or more (under the key path `lines`) changed by the variant's function and keyed by a new order id,
    written under the id field the variant names. Returns variant name -> new order id."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted((landing / "orders" / f"platform={platform}").glob("**/*.parquet"))
    source = pa.concat_tables(pq.read_table(f) for f in files)

    def line_count(payload: str) -> int:
        record = json.loads(payload)
        for step in lines.split("."):
            record = record.get(step) or {}
        return len(record)

    row = next(r for r in source.to_pylist() if line_count(r["payload"]) >= min_lines)
    rows, ids = [], {}
    for n, (name, (id_field, change)) in enumerate(variants.items()):
        record = json.loads(row["payload"])
        new_id = f"{record.get(id_field) or 'x'}9{n}"
        record[id_field] = new_id
        rows.append({**row, "record_key": new_id, "payload": json.dumps(change(record), ensure_ascii=False)})
        ids[name] = new_id
    pq.write_table(pa.Table.from_pylist(rows, schema=source.schema), files[0].parent / f"crafted-{platform}.parquet")
    return ids


TITLE_SENT = "\u2764\ufe0f\u200d\U0001f525 Laptop\u00adstand\tPro\u200b "  # a ZWJ emoji, soft hyphen, tab
TITLE_SHOWN = "\u2764\ufe0f\U0001f525 Laptopstand Pro"


def _title_with_invisible_characters(record: dict) -> dict:
    record["item_list"][0]["item_name"] = TITLE_SENT
    return record


def _first_line_sold_zero_times(record: dict) -> dict:
    record["sku_order_list"][0]["item_num"] = 0
    return record


def _second_line_repeats_the_first_id(record: dict) -> dict:
    lines = record["sku_order_list"]
    lines[1]["order_id"] = lines[0]["order_id"]
    return record


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> PipelineEnv:
    with pipeline_env(tmp_path_factory.mktemp("malformed"), WORLD) as pipeline:
        assert pipeline.run().success
        yield pipeline


def _warehouse(env: PipelineEnv, sql: str, params: list | None = None) -> list[tuple]:
    return env.query(sql, params, database=env.warehouse)


def test_malformed_lines_and_orders_are_kept_or_quarantined_and_never_block(env):
    landing = env.data_dir / "landing"
    taobao = _land_variants(landing, "taobao", "orders.order", 1, {
        # an item without SKUs: no sku_id, no outer_sku_id (taobao.trade.fullinfo.get documents both optional)
        "no_sku": ("tid_str", lambda r: _without(_without(r, ("orders", "order", 0, "sku_id")),
                                                 ("orders", "order", 0, "outer_sku_id"))),
        "no_oid": ("tid_str", lambda r: _without(_without(r, ("orders", "order", 0, "oid")),
                                                 ("orders", "order", 0, "oid_str"))),
        "no_lines": ("tid_str", lambda r: {**r, "orders": {"order": []}}),
    })
    douyin = _land_variants(landing, "douyin", "sku_order_list", 2, {
        "no_line_id": ("order_id", lambda r: _without(r, ("sku_order_list", 0, "order_id"))),
        "line_id_twice": ("order_id", _second_line_repeats_the_first_id),
        "no_order_id": ("order_id", lambda r: {k: v for k, v in r.items() if k != "order_id"}),
        "zero_quantity": ("order_id", _first_line_sold_zero_times),
    })
    shopee = _land_variants(landing, "shopee", "item_list", 1, {
        "no_item_id": ("order_sn", lambda r: _without(r, ("item_list", 0, "order_item_id"))),
        "joined_emoji_title": ("order_sn", _title_with_invisible_characters),
        # a clock skew between the platform's services: modified a second before created
        "modified_before_created": ("order_sn", lambda r: {**r, "update_time": int(r["create_time"]) - 1}),
    })

    result = env.run(job="warehouse_job", raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    def line(platform: str, order_id: str) -> tuple:
        rows = env.query("select line_id from fct_order_lines "
                         "where platform = ? and order_id = ? order by line_id", [platform, order_id])
        assert rows, (platform, order_id)
        return rows[0]

    no_sku = env.query("select product_id, sku_code from fct_order_lines where platform = 'taobao' "
                       "and order_id = ? and sku_id is null", [taobao["no_sku"]])
    assert len(no_sku) == 1 and all(no_sku[0]), "the item is the product, its outer_iid the code"
    assert line("taobao", taobao["no_oid"])[0] == "#1"
    assert line("douyin", douyin["no_line_id"])[0] == "#1"
    twice = {r[0] for r in env.query("select line_id from fct_order_lines where platform = 'douyin' "
                                     "and order_id = ?", [douyin["line_id_twice"]])}
    repeated = {line_id for line_id in twice if "#" in line_id}
    assert len(repeated) == 2 and {i.split("#")[1] for i in repeated} == {"1", "2"}, twice
    assert len({i.split("#")[0] for i in repeated}) == 1, "one id, told apart by position"
    assert line("shopee", shopee["no_item_id"])[0] == "#1"
    titles = {r[0] for r in env.query("select title from fct_order_lines where platform = 'shopee' and order_id = ?",
                                      [shopee["joined_emoji_title"]])}
    assert TITLE_SHOWN in titles, titles
    for platform, order_id in (("taobao", taobao["no_sku"]), ("taobao", taobao["no_oid"]),
                               ("douyin", douyin["no_line_id"]), ("douyin", douyin["line_id_twice"]),
                               ("shopee", shopee["no_item_id"]), ("shopee", shopee["joined_emoji_title"])):
        assert env.query("select count(*) from fct_orders where platform = ? and order_id = ?",
                         [platform, order_id]) == [(1,)]

    # the versions that cannot be used: quarantined with the reason, and in no mart
    def reason(platform: str, variants: dict[str, str], name: str) -> list[tuple]:
        file_row = list(variants).index(name)
        return env.query("select reason from fct_quarantine where stream = 'orders' and landing_file like ? "
                         "and file_row = ?", [f"%crafted-{platform}.parquet", file_row])

    assert reason("douyin", douyin, "no_order_id") == [("missing_key",)]
    assert reason("douyin", douyin, "zero_quantity") == [("unparseable_quantity",)]
    assert reason("taobao", taobao, "no_lines") == [("no_lines",)]
    assert reason("shopee", shopee, "modified_before_created") == [("implausible_time",)]
    for platform, order_id in (("douyin", douyin["zero_quantity"]), ("taobao", taobao["no_lines"]),
                               ("shopee", shopee["modified_before_created"])):
        assert env.query("select count(*) from fct_orders where platform = ? and order_id = ?",
                         [platform, order_id]) == [(0,)]
    landed = _warehouse(env, "select count(*) from landing.orders")[0][0]
    clean = _warehouse(env, "select count(*) from int_order_versions")[0][0]
    quarantined = env.query("select count(*) from fct_quarantine where stream = 'orders'")[0][0]
    assert landed == clean + quarantined
    assert env.query("select count(*) from fct_order_lines where order_key is null or line_id is null") == [(0,)]


def test_the_line_union_is_a_view_the_marts_read(env):
    """int_order_line_versions is not written: it is the union of the staging line models, read by the marts."""
    with duckdb.connect(str(env.warehouse), read_only=True) as con:
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables "
                                 "where table_name like 'int_%'").fetchall())
        assert kinds["int_order_line_versions"] == "VIEW" and kinds["int_order_versions"] == "BASE TABLE"
        union = con.execute("select count(*) from int_order_line_versions").fetchall()[0][0]
        staged = sum(con.execute(f"select count(*) from stg_{p}__order_lines").fetchall()[0][0]
                     for p in ("taobao", "jd", "douyin", "shopee"))
    assert union == staged > 0
