"""The TechEmpower-style benchmark app, written the way a Spruce user would write it.

/plaintext and /json need nothing; /db, /queries, /fortunes and /updates use the db battery
(SQLAlchemy ORM on asyncpg, a session per request) on DATABASE_URL, with BENCH_POOL_SIZE
connections opened at startup (see shared/bench/README.md for the contract).

The queries follow the advice of docs/database.md for hot paths: the reads that answer /db,
/queries and /fortunes are prepared once at import (``prepare(select(...))``, built from the
models, no SQL strings) and run on the request's session as fast reads, straight on the
driver; /updates reads its rows the same way and writes them back with the ORM's bulk UPDATE
by primary key (``session.execute(update(World), [...])``: one batch, committed by the session
when the handler returns). Loading model objects and changing them (the unit of work) does the
same job at about 2.6 times the CPU (docs/benchmarks.md).
"""

import os
import random
from operator import itemgetter

from sqlalchemy import bindparam, update

from spruce import PlainTextResponse, Spruce
from spruce.db import AsyncSession, Database, Mapped, Model, mapped_column, prepare, select
from spruce.templating import render

WORLD_ROWS = 10000
EXTRA_FORTUNE = "Additional fortune added at request time."


class World(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    randomnumber: Mapped[int]


class Fortune(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


WORLD_ROW = prepare(select(World.id, World.randomnumber).where(World.id == bindparam("id")))
FORTUNE_ROWS = prepare(select(Fortune.id, Fortune.message))

pool_size = int(os.environ.get("BENCH_POOL_SIZE", "8"))
database = Database(
    os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    pool_size=pool_size,
    max_overflow=0,
)
app = Spruce(batteries=[database])


def query_count(queries: str | None) -> int:
    """?queries=N clamped to 1..500; missing or not a number -> 1."""
    try:
        return min(max(int(queries or ""), 1), 500)
    except ValueError:
        return 1


def random_id() -> int:
    return random.randint(1, WORLD_ROWS)


by_id = itemgetter("id")


@app.get("/plaintext")
async def plaintext():
    return PlainTextResponse("Hello, World!")


@app.get("/json")
async def json_():
    return {"message": "Hello, World!"}


@app.get("/db")
async def single_query(session: AsyncSession):
    world = await WORLD_ROW.one(session, id=random_id())
    return {"id": world.id, "randomNumber": world.randomnumber}


@app.get("/queries")
async def multiple_queries(session: AsyncSession, queries: str | None = None):
    worlds = [await WORLD_ROW.one(session, id=random_id()) for _ in range(query_count(queries))]
    return [{"id": w.id, "randomNumber": w.randomnumber} for w in worlds]


@app.get("/fortunes")
async def fortunes(session: AsyncSession):
    rows = [*await FORTUNE_ROWS.all(session), Fortune(id=0, message=EXTRA_FORTUNE)]
    rows.sort(key=lambda fortune: fortune.message)
    return render("fortunes.html", fortunes=rows)


@app.get("/updates")
async def updates(session: AsyncSession, queries: str | None = None):
    ids = [(await WORLD_ROW.one(session, id=random_id())).id for _ in range(query_count(queries))]
    changes = sorted(({"id": id_, "randomnumber": random_id()} for id_ in ids), key=by_id)
    # the ORM's bulk UPDATE by primary key: one batch, in primary-key order, committed by the
    # session when the handler returns
    await session.execute(update(World), changes)
    return [{"id": c["id"], "randomNumber": c["randomnumber"]} for c in changes]
