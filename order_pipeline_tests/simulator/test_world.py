"""The generated merchant: deterministic, consistent with itself, and queryable like a platform."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import timedelta

from order_pipeline.simulator.model import Order, OrderLine, Receiver
from order_pipeline.simulator.nasty import is_dirty
from order_pipeline.simulator.world import SimWorld

from .conftest import small_config

KINDS = ("orders", "order_lines", "refunds", "stock")


def all_orders(world: SimWorld) -> list[Order]:
    now = world.now()
    return [
        o
        for shop in world.shops()
        for o in world.orders_created_between(shop.key, now - timedelta(days=400), now)
    ]


def test_same_seed_gives_the_same_ground_truth() -> None:
    first, second = SimWorld(small_config()), SimWorld(small_config())
    for kind in KINDS:
        assert list(first.ground_truth(kind)) == list(second.ground_truth(kind)), kind
    other = SimWorld(small_config(seed=12))
    assert [r["order_id"] for r in other.ground_truth("orders")] != [
        r["order_id"] for r in first.ground_truth("orders")
    ]


def test_ground_truth_rows_are_json_ready_utc_whole_seconds(world: SimWorld) -> None:
    order = next(world.ground_truth("orders"))
    assert {"platform", "shop_key", "order_id", "status", "modified_at", "receiver", "version"} <= set(order)
    assert order["created_at"].endswith("Z") and "." not in order["created_at"]
    assert isinstance(order["paid_amount"], str) and isinstance(order["receiver"], dict)
    line = next(world.ground_truth("order_lines"))
    assert {"platform", "shop_key", "order_id", "line_id", "sku_id", "sku_code", "unit_price"} <= set(line)
    refund = next(world.ground_truth("refunds"))
    assert {"platform", "shop_key", "refund_id", "order_id", "reason_text", "amount", "status"} <= set(refund)
    stock = next(world.ground_truth("stock"))
    assert {"platform", "shop_key", "sku_id", "sku_code", "quantity", "reserved", "modified_at"} <= set(stock)


def test_only_created_orders_are_visible_and_the_clock_reveals_more() -> None:
    world = SimWorld(small_config())
    now = world.now()
    before = {r["order_id"]: r for r in world.ground_truth("orders")}
    assert all(r["created_at"] <= now.isoformat().replace("+00:00", "Z") for r in before.values())
    assert all(
        not world.orders_created_between(s.key, now + timedelta(seconds=1), now + timedelta(days=9))
        for s in world.shops()
    )
    world.advance(86400)
    after = {r["order_id"]: r for r in world.ground_truth("orders")}
    assert set(before) < set(after) and len(after) - len(before) > 200
    changed = [k for k in before if after[k]["version"] > before[k]["version"]]
    assert changed and all(after[k]["modified_at"] > before[k]["modified_at"] for k in changed)
    assert any(
        before[k]["status"] == "paid" and after[k]["status"] in ("shipped", "partly_shipped") for k in changed
    )


def test_modified_and_created_windows_match_a_brute_force_filter() -> None:
    world = SimWorld(small_config())
    world.advance(36 * 3600)
    now, rng = world.now(), random.Random(3)
    for shop in world.shops():
        orders = [o for o in all_orders(world) if o.shop_key == shop.key]
        refunds = world.refunds_created_between(shop.key, now - timedelta(days=400), now)
        for _ in range(15):
            start = now - timedelta(seconds=rng.randint(0, 8 * 86400))
            end = start + timedelta(seconds=rng.randint(0, 3 * 86400))
            got = world.orders_modified_between(shop.key, start, end)
            assert {o.order_id for o in got} == {o.order_id for o in orders if start <= o.modified_at <= end}
            assert len(got) == len({o.order_id for o in got})
            assert [o.modified_at for o in got] == sorted(o.modified_at for o in got)
            assert {o.order_id for o in world.orders_created_between(shop.key, start, end)} == {
                o.order_id for o in orders if start <= o.created_at <= end
            }
            assert {r.refund_id for r in world.refunds_modified_between(shop.key, start, end)} == {
                r.refund_id for r in refunds if start <= r.modified_at <= end
            }
        edge = orders[len(orders) // 2].modified_at  # inclusive at both ends
        assert orders[len(orders) // 2].order_id in {
            o.order_id for o in world.orders_modified_between(shop.key, edge, edge)
        }


def test_bump_gives_a_new_version_now_and_ground_truth_follows() -> None:
    world = SimWorld(small_config())
    now, shop = world.now(), world.shops()[0].key
    window = (now - timedelta(days=2), now - timedelta(hours=1))
    victim = world.orders_modified_between(shop, *window)[0]
    assert world.bump(shop, "orders", [victim.order_id, "no-such-order"]) == 1
    bumped = world.order(shop, victim.order_id)
    assert bumped.version == victim.version + 1 and bumped.modified_at == now
    assert bumped.status == victim.status and bumped.lines == victim.lines
    assert victim.order_id not in {o.order_id for o in world.orders_modified_between(shop, *window)}
    row = next(r for r in world.ground_truth("orders") if r["order_id"] == victim.order_id)
    assert row["version"] == victim.version + 1
    refund = world.refunds_modified_between(shop, now - timedelta(days=9), now)[0]
    world.bump(shop, "refunds", [refund.refund_id])
    assert world.refund(shop, refund.refund_id).version == refund.version + 1


def test_nasty_share_is_roughly_as_configured() -> None:
    def dirty_share(world: SimWorld) -> float:
        regions = {s.key: "CN" if s.platform != "shopee" else s.region for s in world.shops()}
        orders = all_orders(world)
        return sum(is_dirty(o.receiver, regions[o.shop_key]) for o in orders) / len(orders)

    assert dirty_share(SimWorld(small_config(nasty_share=0.0))) == 0.0
    assert 0.24 <= dirty_share(SimWorld(small_config(nasty_share=0.3))) <= 0.36


def test_orders_are_consistent_with_themselves(world: SimWorld) -> None:
    currencies = {s.key: s.currency for s in world.shops()}
    orders = all_orders(world)
    assert sum(len(o.lines) > 1 for o in orders) / len(orders) > 0.35
    statuses = {o.status for o in orders}
    assert {"unpaid", "paid", "shipped", "completed", "cancelled", "partly_shipped"} <= statuses | {"unpaid"}
    for o in orders:
        subtotal = sum(line.unit_price * line.quantity for line in o.lines)
        assert o.total_amount == subtotal + o.post_fee
        assert (
            o.paid_amount
            == o.total_amount - o.discount
            == sum(line.paid_amount for line in o.lines) + o.post_fee
        )
        digits = 0 if currencies[o.shop_key] in ("IDR", "VND") else 2
        assert -o.paid_amount.as_tuple().exponent == digits
        assert o.created_at <= o.modified_at and o.created_at.microsecond == 0
        if o.paid_at:
            assert o.ship_by - o.paid_at in (timedelta(hours=h) for h in (24, 48, 72))
            fresh = any(line.category == "fresh_food" for line in o.lines)
            assert not fresh or o.ship_by - o.paid_at == timedelta(hours=24)
        if o.status == "cancelled" and not o.paid_at:
            assert timedelta(minutes=15) <= o.cancelled_at - o.created_at <= timedelta(minutes=30)
        if o.status in ("shipped", "completed"):
            assert o.shipped_at and o.waybill
            assert all(line.shipped_at or line.status == "refunded" for line in o.lines)
        if o.status == "partly_shipped":
            assert 0 < sum(line.shipped_at is not None for line in o.lines) < len(o.lines)
        if o.status == "unpaid":
            assert all(line.status == "unpaid" for line in o.lines) and o.ship_by is None


def test_ids_receivers_and_skus_look_like_each_platform(world: SimWorld) -> None:
    import re

    shapes = {"taobao": r"\d{19}", "jd": r"\d{12}", "douyin": r"\d{19}", "shopee": r"\d{6}[0-9A-Z]{8}"}
    phones = {"CN": r"1[3-9]\d{9}", "SG": r"65[89]\d{7}", "ID": r"628\d{9,11}", "BR": r"55\d{2}9\d{8}"}
    by_key = {s.key: s for s in world.shops()}
    for o in all_orders(world):
        shop = by_key[o.shop_key]
        region = "CN" if shop.platform != "shopee" else shop.region
        assert re.fullmatch(shapes[shop.platform], o.order_id), o.order_id
        if not is_dirty(o.receiver, region):
            assert re.fullmatch(phones[region], o.receiver.phone), o.receiver.phone
    codes: dict[str, set[str]] = {}
    for shop in world.shops():
        for level in world.stock(shop.key):
            codes.setdefault(level.sku_code, set()).add(level.sku_id)
    assert sum(len(ids) >= 4 for ids in codes.values()) > 50  # one merchant code, one platform id per shop


def test_refunds_have_reasons_stages_and_effects(world: SimWorld) -> None:
    orders = {o.order_id: o for o in all_orders(world)}
    paid = sum(1 for o in orders.values() if o.paid_at)
    now = world.now()
    refunds = [
        r for s in world.shops() for r in world.refunds_created_between(s.key, now - timedelta(days=99), now)
    ]
    assert 0.04 <= len({r.order_id for r in refunds}) / paid <= 0.12
    assert {r.kind for r in refunds} >= {
        "refund_before_shipping",
        "return_and_refund",
        "refund_after_shipping",
    }
    assert len({r.status for r in refunds}) >= 4
    cn_texts = {r.reason_text for r in refunds if not r.shop_key.startswith("shopee")}
    assert any("尺码" in t or "七天" in t or "7天" in t for t in cn_texts) and len(cn_texts) > 20
    for r in refunds:
        order = orders[r.order_id]
        assert r.line_id in {line.line_id for line in order.lines}
        assert r.created_at >= order.paid_at and r.modified_at <= now
        if r.status == "refunded":
            assert r.refunded_at and r.approved_at
        line = next(line for line in order.lines if line.line_id == r.line_id)
        if r.status == "refunded" and r.kind == "return_and_refund" and r.amount == line.paid_amount:
            assert line.status == "refunded"


def test_stock_moves_with_sales_and_lists_in_product_order() -> None:
    world = SimWorld(small_config())
    shop = world.shops()[0].key
    before = {s.sku_id: s for s in world.stock(shop)}
    assert all(s.quantity >= 0 and s.reserved >= 0 for s in before.values())
    listing = world.stock(shop)
    assert [(int(s.product_id), int(s.sku_id)) for s in listing] == sorted(
        (int(s.product_id), int(s.sku_id)) for s in listing
    )
    world.advance(2 * 86400)
    after = {s.sku_id: s for s in world.stock(shop)}
    assert any(after[k].quantity != before[k].quantity for k in before)
    assert all(after[k].modified_at >= before[k].modified_at for k in before)


def test_fast_construction_equals_the_dataclass_constructor(world: SimWorld) -> None:
    order = all_orders(world)[-1]
    assert order == Order(**{f.name: getattr(order, f.name) for f in fields(Order)})
    line = order.lines[0]
    assert line == OrderLine(**{f.name: getattr(line, f.name) for f in fields(OrderLine)})
    assert order.receiver == Receiver(**{f.name: getattr(order.receiver, f.name) for f in fields(Receiver)})
    assert hash(order.receiver) == hash(Receiver(**vars(order.receiver)))
