"""A small shop: a catalogue of products, a stateful cart per customer, and orders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

__version__ = "1.2.0"


class Category(enum.StrEnum):
    """What kind of product it is."""

    BOOKS = "books"
    GAMES = "games"
    MUSIC = "music"


class OrderStatus(enum.IntEnum):
    """Where an order is in its life."""

    PENDING = 1
    PAID = 2
    SHIPPED = 3


@dataclass(frozen=True)
class Product:
    """A product the shop sells."""

    sku: str
    name: str
    price: Decimal
    category: Category
    tags: list[str] = field(default_factory=list)
    stock: int = 0


@dataclass(frozen=True)
class LineItem:
    """One line of a cart or an order."""

    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Order:
    """A placed order."""

    id: int
    customer: str
    items: list[LineItem]
    total: Decimal
    status: OrderStatus = OrderStatus.PENDING
    note: str | None = None


class ShopError(Exception):
    """Base class of the shop's errors."""


class NotFound(ShopError):
    """No product has this SKU."""

    sku: str

    def __init__(self, sku: str) -> None:
        super().__init__(f"no product {sku!r}")
        self.sku = sku


class OutOfStock(ShopError):
    """Not enough items in stock."""

    sku: str
    requested: int
    available: int

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"{sku}: requested {requested}, only {available} left")
        self.sku = sku
        self.requested = requested
        self.available = available


_CATALOGUE: dict[str, Product] = {
    p.sku: p
    for p in (
        Product("B-1", "The Left Hand of Darkness", Decimal("9.99"), Category.BOOKS, ["sf"], 5),
        Product("B-2", "Piranesi", Decimal("12.50"), Category.BOOKS, ["fantasy"], 2),
        Product("G-1", "Go board", Decimal("45.00"), Category.GAMES, [], 1),
        Product("M-1", "Kind of Blue", Decimal("15.00"), Category.MUSIC, ["jazz"], 0),
    )
}
_orders: list[Order] = []


def list_products(category: Category | None = None, *, limit: int = 50) -> list[Product]:
    """Products in the catalogue, optionally of one category."""
    found = [p for p in _CATALOGUE.values() if category is None or p.category == category]
    return found[:limit]


def get_product(sku: str) -> Product:
    """The product with this SKU.

    Raises:
        NotFound: when no product has this SKU.
    """
    try:
        return _CATALOGUE[sku]
    except KeyError:
        raise NotFound(sku) from None


async def price_of(sku: str, quantity: int = 1) -> Decimal:
    """The price of `quantity` items (an async function: callers cannot tell).

    Raises:
        NotFound: when no product has this SKU.
    """
    return get_product(sku).price * quantity


class Cart:
    """A customer's cart. Each caller creates its own; it lives until released."""

    note: str

    def __init__(self, customer: str, *, currency: str = "EUR") -> None:
        self.customer = customer
        self.currency = currency
        self.note = ""
        self._lines: dict[str, int] = {}

    @classmethod
    def with_items(cls, customer: str, items: dict[str, int]) -> Cart:
        """A new cart already holding `items` (SKU to quantity).

        Raises:
            NotFound: when a SKU is unknown.
            OutOfStock: when a quantity is more than the stock.
        """
        cart = cls(customer)
        for sku, quantity in items.items():
            cart.add(sku, quantity)
        return cart

    def add(self, sku: str, quantity: int = 1) -> int:
        """Put `quantity` items of `sku` in the cart; returns how many of it the cart holds.

        Raises:
            NotFound: when no product has this SKU.
            OutOfStock: when the stock is too small.
        """
        product = get_product(sku)
        wanted = self._lines.get(sku, 0) + quantity
        if wanted > product.stock:
            raise OutOfStock(sku, wanted, product.stock)
        self._lines[sku] = wanted
        return wanted

    def remove(self, sku: str) -> bool:
        """Take `sku` out of the cart; False if it was not there."""
        return self._lines.pop(sku, None) is not None

    @property
    def items(self) -> list[LineItem]:
        """The cart's lines."""
        return [LineItem(s, q, _CATALOGUE[s].price) for s, q in sorted(self._lines.items())]

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((i.unit_price * i.quantity for i in self.items), Decimal(0))

    def checkout(self, note: str | None = None) -> Order:
        """Place the order and empty the cart."""
        order = Order(len(_orders) + 1, self.customer, self.items, self.total, note=note)
        _orders.append(order)
        self._lines.clear()
        return order
