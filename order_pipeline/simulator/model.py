"""The simulator's platform-neutral world, and the interface platform handlers render it through.

The world (`world.py`) generates one deterministic merchant and keeps the latest version of every order,
refund and stock level as its clock moves. Each platform handler (`platforms/<name>.py`) turns that neutral
world into its platform's contract (`docs/platform-api.md`): paths, parameters, signing, enums, time formats,
money units and error envelopes. Handlers never touch the world's internals, only `SimContext`.

All datetimes are timezone-aware UTC; all money is `Decimal` in major units of the shop's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

# The neutral order lifecycle; handlers map it onto each platform's status enum.
OrderStatus = Literal[
    "unpaid",  # created, awaiting payment
    "paid",  # paid, awaiting shipment
    "partly_shipped",
    "shipped",  # all lines shipped, awaiting receipt
    "completed",
    "cancelled",  # closed before shipment (unpaid timeout, buyer or seller cancel)
]
LineStatus = Literal["unpaid", "paid", "shipped", "completed", "cancelled", "refunded"]
RefundKind = Literal[
    "refund_before_shipping", "refund_after_shipping", "return_and_refund", "exchange", "price_protection"
]
RefundStatus = Literal[
    "requested",  # waiting for the seller
    "waiting_buyer_return",  # seller agreed, buyer must send the goods back
    "waiting_seller_receipt",  # goods on the way back
    "refunded",  # money paid back: success
    "rejected",  # seller refused
    "closed",  # buyer withdrew / closed
]


@dataclass(frozen=True)
class SimShop:
    """A shop of the simulated merchant with the credentials the platform issued to it."""

    key: str
    platform: str  # taobao | jd | douyin | shopee
    platform_shop_id: str
    region: str
    timezone: str
    currency: str
    app_key: str  # Shopee: partner_id
    app_secret: str  # Shopee: partner_key
    access_token: str


@dataclass(frozen=True)
class Receiver:
    name: str
    phone: str  # as the buyer typed it: may hold full-width digits, spaces, +86, invisible characters
    province: str
    city: str
    district: str  # may be "" (a nasty record: missing district)
    town: str
    detail: str  # street address; may hold emoji, invisible Unicode, over-long text
    zipcode: str


@dataclass(frozen=True)
class OrderLine:
    line_id: str  # platform line id (Taobao oid, Douyin sku order id, Shopee order_item_id, JD: sku based)
    sku_id: str  # platform SKU id
    sku_code: str  # merchant SKU code (outer_sku_id / out_sku_id / model_sku / outerSkuId)
    product_id: str  # platform item / ware / product id
    title: str
    category: str  # e.g. apparel, fresh_food, electronics, beauty, home, mother_baby
    quantity: int
    unit_price: Decimal  # list price per unit
    paid_amount: Decimal  # what the buyer paid for this line after discounts
    status: LineStatus
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    """One version of an order: the platform's view of it at `modified_at`."""

    order_id: str  # platform order id (Taobao tid, JD orderId, Douyin order_id, Shopee order_sn)
    shop_key: str
    status: OrderStatus
    created_at: datetime
    modified_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None  # when the last line shipped
    completed_at: datetime | None
    cancelled_at: datetime | None
    ship_by: datetime | None  # the platform's latest ship time (promise)
    lines: tuple[OrderLine, ...]
    receiver: Receiver
    buyer_id: str  # platform-scoped buyer id (open uid)
    post_fee: Decimal
    discount: Decimal  # order-level discount
    total_amount: Decimal  # sum(line list price * qty) + post_fee
    paid_amount: Decimal  # what the buyer paid in total
    buyer_message: str = ""
    cancel_reason: str = ""
    waybill: str = ""
    risk_flag: bool = False
    version: int = 1  # 1 for the first version, +1 for each later change


@dataclass(frozen=True)
class Refund:
    """One version of a refund / return / after-sale case."""

    refund_id: str
    order_id: str
    line_id: str
    shop_key: str
    sku_id: str
    sku_code: str
    kind: RefundKind
    status: RefundStatus
    reason_code: str  # the platform's own reason code or label (e.g. Shopee WRONG_ITEM, Taobao reason text)
    reason_text: str  # buyer's free text, mostly Chinese (English for some Shopee regions)
    amount: Decimal  # refund amount, major units
    quantity: int
    created_at: datetime
    modified_at: datetime
    approved_at: datetime | None = None
    goods_returned_at: datetime | None = None
    refunded_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class StockLevel:
    """Sellable stock of one SKU as one shop's platform sees it."""

    shop_key: str
    sku_id: str
    sku_code: str
    product_id: str
    title: str
    quantity: int  # sellable on the platform
    modified_at: datetime
    reserved: int = 0


@dataclass
class Page:
    """A slice of a listing, after the world applied its fault profile (duplicates, moves)."""

    records: list = field(default_factory=list)
    total: int = 0


class World(Protocol):
    """Queries over the merchant's state as of the world's clock ("now")."""

    def now(self) -> datetime: ...

    def shops(self) -> list[SimShop]: ...

    def orders_modified_between(self, shop_key: str, start: datetime, end: datetime) -> list[Order]:
        """Current version of every order whose current `modified_at` is in [start, end] (inclusive)."""

    def orders_created_between(self, shop_key: str, start: datetime, end: datetime) -> list[Order]:
        """Current version of every order created in [start, end] (inclusive), whatever its modified time."""

    def order(self, shop_key: str, order_id: str) -> Order | None:
        """Current version of one order, or None if unknown or not yet created."""

    def refunds_modified_between(self, shop_key: str, start: datetime, end: datetime) -> list[Refund]: ...

    def refunds_created_between(self, shop_key: str, start: datetime, end: datetime) -> list[Refund]: ...

    def stock(self, shop_key: str) -> list[StockLevel]:
        """Every SKU the shop lists, with its sellable quantity now, ordered by product then SKU id."""


class SimContext(Protocol):
    """What a platform handler may use. Implemented by the server core (`server.py`)."""

    world: World

    def shop_by_token(self, platform: str, access_token: str) -> SimShop | None:
        """The shop an access token belongs to (Shopee: also check shop_id matches)."""

    def app_secret(self, platform: str, app_key: str) -> str | None:
        """The secret of a registered app (Shopee: partner_key of a partner_id), None for an unknown app."""

    def throttle(self, platform: str, app_key: str) -> float | None:
        """None if the call may proceed; else seconds until the app may call again. Combines the per-app rate
        limit and the fault profile's injected throttles. Handlers render it as the platform's throttle error."""

    def count_call(self, platform: str, api: str) -> None:
        """Record one call for `/_sim/stats`."""

    def paginate(self, shop_key: str, stream: str, records: list, start: int, size: int) -> Page:
        """Slice `records[start:start+size]` and apply list faults: a record repeated from the previous page
        (duplicates across pages) and, after serving, moving records (the world bumps some of this listing's
        records to a new version, so they leave a modified-time window while the client pages)."""

    def request_id(self) -> str:
        """A fresh request id (deterministic sequence)."""
