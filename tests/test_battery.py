"""Battery ordering."""

from typing import ClassVar

import pytest

from spruce.battery import Battery, order_batteries
from spruce.exceptions import ImproperlyConfigured


def battery(name: str, requires: tuple[str, ...] = ()) -> Battery:
    class B:
        def install(self, app):
            pass

    B.name = name  # type: ignore[attr-defined]
    B.requires = requires  # type: ignore[attr-defined]
    return B()  # type: ignore[return-value]


def test_orders_by_requirements():
    ordered = order_batteries(
        [battery("admin", ("auth", "db")), battery("auth", ("db",)), battery("db")]
    )
    assert [b.name for b in ordered] == ["db", "auth", "admin"]


def test_cycle_and_duplicates():
    with pytest.raises(ImproperlyConfigured, match="cycle: a -> b -> a"):
        order_batteries([battery("a", ("b",)), battery("b", ("a",))])
    with pytest.raises(ImproperlyConfigured, match="listed twice"):
        order_batteries([battery("a"), battery("a")])


def test_protocol_is_runtime_checkable():
    class Mine:
        name: ClassVar[str] = "mine"
        requires: ClassVar[tuple[str, ...]] = ()

        def install(self, app):
            pass

    assert isinstance(Mine(), Battery)
