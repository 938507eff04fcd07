"""Models for the prepared-read tests: one column of every kind whose values SQLAlchemy
processes on the way in or out, on a metadata of their own (tables prefixed ``reads_``)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, LargeBinary, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from spruce import Spruce
from spruce.db import Database, UTCDateTime


class ReadsBase(DeclarativeBase):
    metadata = MetaData()


class Mood(enum.Enum):
    HAPPY = "happy"
    GRUMPY = "grumpy"


class Gadget(ReadsBase):
    __tablename__ = "reads_gadget"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    uid: Mapped[uuid.UUID]
    seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    mood: Mapped[Mood]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    ratio: Mapped[float]
    day: Mapped[dt.date]
    flag: Mapped[bool]
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str | None]


class Employee(ReadsBase):
    __tablename__ = "reads_employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}


class Manager(Employee):
    __mapper_args__ = {"polymorphic_identity": "manager"}


def gadget(number: int, **changes: Any) -> Gadget:
    """A gadget whose every column has a value worth processing."""
    values: dict[str, Any] = {
        "id": number,
        "name": f"gadget {number}",
        "uid": uuid.UUID(int=number),
        "seen": dt.datetime(2026, 11, 26, 12, number % 60, 30, 123456, tzinfo=dt.UTC),
        "mood": Mood.HAPPY if number % 2 else Mood.GRUMPY,
        "data": {"n": number, "tags": ["a", "b"], "nested": {"ok": True}},
        "price": decimal.Decimal(f"{number}.25"),
        "ratio": number / 4,
        "day": dt.date(2026, 1, 1) + dt.timedelta(days=number),
        "flag": bool(number % 2),
        "blob": bytes([number % 256, 0, 255]),
        "note": None if number % 3 else f"note {number}",
    }
    values.update(changes)
    return Gadget(**values)


async def gadget_database(url: str, count: int) -> Database:
    """A database on ``url`` (in an app) with the ``reads_`` tables and gadgets 1 to ``count``."""
    database = Database(url, metadata=ReadsBase.metadata)
    Spruce(batteries=[database])
    await database.create_all()
    async with database.session() as session:
        session.add_all([gadget(number) for number in range(1, count + 1)])
    return database
