"""A small in-test world and context for the platform handlers, plus builders for orders, refunds and stock.

Test doubles live here, never in production modules. The fake context slices pages exactly as asked (no
faults) unless a test installs `after_page`, which runs after a page is served: the hook the tests use to
move a record out of its window while a client pages, as the real fault profile does.
"""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from starlette.applications import Starlette
from starlette.routing import Mount

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2; httpx is the project's pinned client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from order_pipeline.simulator.model import Order, OrderLine, Page, Receiver, Refund, SimShop, StockLevel
from order_pipeline.simulator.platforms import PLATFORM_ROUTES
from order_pipeline.simulator.platforms.common import CN_TZ

NOW = datetime(2025, 3, 10, 4, 0, 0, tzinfo=UTC)  # 12:00:00 in Beijing; deliberately not the machine's clock

SHOPS = {
    "taobao": SimShop(
        "tb", "taobao", "2200100001", "CN", "Asia/Shanghai", "CNY", "23456789", "tb-secret", "tb-session"
    ),
    "jd": SimShop("jd", "jd", "10088001", "CN", "Asia/Shanghai", "CNY", "JDKEY", "jd-secret", "jd-token"),
    "douyin": SimShop(
        "dy", "douyin", "48201001", "CN", "Asia/Shanghai", "CNY", "7000001", "dy-secret", "dy-token"
    ),
    "shopee": SimShop(
        "sg", "shopee", "220001001", "SG", "Asia/Singapore", "SGD", "2000123", "sp-key", "sp-token-sg"
    ),
    "shopee_id": SimShop(
        "id", "shopee", "220001002", "ID", "Asia/Jakarta", "IDR", "2000123", "sp-key", "sp-token-id"
    ),
}
RECEIVER = Receiver(
    "张三", "+86 138 0013 8000", "浙江省", "杭州市", "西湖区", "西溪街道", "文三路 90 号 / 3 栋", "310000"
)


def line(
    line_id: str,
    status: str = "paid",
    quantity: int = 2,
    unit: str = "59.90",
    paid: str = "109.80",
    shipped_at: datetime | None = None,
) -> OrderLine:
    return OrderLine(
        line_id,
        f"sku{line_id}",
        f"SKU-{line_id}",
        "5550001",
        "纯棉T恤 白色 L",
        "apparel",
        quantity,
        Decimal(unit),
        Decimal(paid),
        status,
        shipped_at,
    )


def order(order_id: str, shop_key: str, modified: datetime, status: str = "paid", **changes) -> Order:
    created = changes.pop("created_at", modified - timedelta(hours=1))
    paid_at = None if status == "unpaid" or (status == "cancelled" and not changes.get("paid")) else created
    changes.pop("paid", None)
    base = Order(
        order_id=order_id,
        shop_key=shop_key,
        status=status,
        created_at=created,
        modified_at=modified,
        paid_at=paid_at,
        shipped_at=None,
        completed_at=None,
        cancelled_at=None,
        ship_by=created + timedelta(hours=48),
        lines=(line(order_id + "1"),),
        receiver=RECEIVER,
        buyer_id="buyer-001",
        post_fee=Decimal("8.00"),
        discount=Decimal("10.00"),
        total_amount=Decimal("127.80"),
        paid_amount=Decimal("117.80"),
        buyer_message="请尽快发货",
    )
    return replace(base, **changes)


def refund(
    refund_id: str,
    shop_key: str,
    order_id: str,
    modified: datetime,
    status: str = "requested",
    kind: str = "return_and_refund",
) -> Refund:
    return Refund(
        refund_id,
        order_id,
        order_id + "1",
        shop_key,
        f"sku{order_id}1",
        f"SKU-{order_id}1",
        kind,
        status,
        "尺码不符",
        "衣服偏小，想退货",
        Decimal("54.90"),
        1,
        modified - timedelta(hours=2),
        modified,
    )


def stock(shop_key: str) -> list[StockLevel]:
    levels = []
    for product in range(3):
        for sku in range(2):
            levels.append(
                StockLevel(
                    shop_key,
                    f"77{product}{sku}",
                    f"P{product}-{sku}",
                    f"500{product}",
                    f"商品{product}",
                    10 * product + sku,
                    NOW - timedelta(days=product),
                    reserved=1,
                )
            )
    return levels


class FakeWorld:
    def __init__(self, orders: list[Order] = (), refunds: list[Refund] = (), levels: list[StockLevel] = ()):
        self.clock = NOW
        self.orders = {(o.shop_key, o.order_id): o for o in orders}
        self.refunds = list(refunds)
        self.levels = list(levels)

    def now(self) -> datetime:
        return self.clock

    def shops(self) -> list[SimShop]:
        return list(SHOPS.values())

    def orders_modified_between(self, shop_key, start, end):
        return [o for (key, _), o in self.orders.items() if key == shop_key and start <= o.modified_at <= end]

    def orders_created_between(self, shop_key, start, end):
        return [o for (key, _), o in self.orders.items() if key == shop_key and start <= o.created_at <= end]

    def order(self, shop_key, order_id):
        return self.orders.get((shop_key, order_id))

    def refunds_modified_between(self, shop_key, start, end):
        return [r for r in self.refunds if r.shop_key == shop_key and start <= r.modified_at <= end]

    def refunds_created_between(self, shop_key, start, end):
        return [r for r in self.refunds if r.shop_key == shop_key and start <= r.created_at <= end]

    def stock(self, shop_key):
        return [level for level in self.levels if level.shop_key == shop_key]

    def bump(self, shop_key: str, order_id: str, modified: datetime) -> None:
        """A new version of an order: what a moving-record fault does while a client pages."""
        key = (shop_key, order_id)
        self.orders[key] = replace(
            self.orders[key], modified_at=modified, version=self.orders[key].version + 1
        )


class FakeContext:
    def __init__(self, world: FakeWorld):
        self.world = world
        self.calls: Counter = Counter()
        self.wait: float | None = None
        self.pages: list[tuple[str, str, int, int]] = []
        self.after_page: Callable[[int], None] | None = None
        self._ids = itertools.count(1)

    def shop_by_token(self, platform, access_token):
        return next(
            (s for s in SHOPS.values() if s.platform == platform and s.access_token == access_token), None
        )

    def app_secret(self, platform, app_key):
        return next(
            (s.app_secret for s in SHOPS.values() if s.platform == platform and s.app_key == app_key), None
        )

    def throttle(self, platform, app_key):
        return self.wait

    def count_call(self, platform, api):
        self.calls[(platform, api)] += 1

    def paginate(self, shop_key, stream, records, start, size):
        self.pages.append((shop_key, stream, start, size))
        page = Page(list(records[start : start + size]), len(records))
        if self.after_page is not None:
            self.after_page(len(self.pages))
        return page

    def request_id(self):
        return f"req-{next(self._ids):06d}"


def bj(instant: datetime) -> str:
    """A Beijing-time string as Taobao and JD expect it."""
    return instant.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M:%S")


def client_for(ctx: FakeContext) -> TestClient:
    """The four platforms mounted under their prefixes, as the server core mounts them."""
    app = Starlette(routes=[Mount(f"/{name}", routes=make(ctx)) for name, make in PLATFORM_ROUTES.items()])
    return TestClient(app)
