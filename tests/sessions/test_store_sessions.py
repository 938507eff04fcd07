"""Server-side sessions, against the in-memory store and the real Redis: the cookie carries an id,
regenerate() rotates it, clear() deletes it, expiry, forged ids, and loading on demand."""

from __future__ import annotations

import os
import re

import pytest

from conftest import counter_app
from spruce import Request
from spruce.sessions import (
    MemorySessionStore,
    RedisSessionStore,
    Session,
    SessionNotLoaded,
    SessionStore,
    load_session,
)

REDIS_URL = os.environ.get("SPRUCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


class Inspect:
    """What a store holds, read behind the app's back."""

    def __init__(self, store, redis_client=None, prefix=""):
        self.store, self.redis, self.prefix = store, redis_client, prefix

    def ids(self) -> set[str]:
        if self.redis is None:
            return set(self.store._items)
        return {key.decode()[len(self.prefix) :] for key in self.redis.scan_iter(self.prefix + "*")}

    def ttl(self, session_id: str) -> int:
        assert self.redis is not None
        return self.redis.ttl(self.prefix + session_id)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request) -> tuple[SessionStore, Inspect]:
    if request.param == "memory":
        store = MemorySessionStore()
        return store, Inspect(store)
    prefix = request.getfixturevalue("redis_prefix")
    client = request.getfixturevalue("redis_client")
    store = RedisSessionStore(REDIS_URL, prefix=prefix)
    return store, Inspect(store, client, prefix)


def test_cookie_holds_only_a_random_id(make_app, backend):
    store, inspect = backend
    with counter_app(make_app, store=store).test_client() as client:
        assert client.get("/count").json() == {"n": 1}
        session_id = client.cookies["session"]
        assert ID.match(session_id)
        assert inspect.ids() == {session_id}
        assert client.get("/count").json() == {"n": 2}
        assert client.cookies["session"] == session_id  # same id while nothing rotates


def test_untouched_and_read_only_requests_do_not_write(make_app, backend):
    store, inspect = backend
    with counter_app(make_app, store=store).test_client() as client:
        client.get("/count")
        response = client.get("/peek")
        assert response.headers["vary"] == "Cookie"
        assert "set-cookie" not in response.headers
        assert len(inspect.ids()) == 1


def test_regenerate_rotates_the_id_and_keeps_the_data(make_app, backend):
    store, inspect = backend
    with counter_app(make_app, store=store).test_client() as client:
        client.get("/count")
        old_id = client.cookies["session"]
        client.post("/login")
        new_id = client.cookies["session"]
        assert new_id != old_id
        assert inspect.ids() == {new_id}  # the old id is gone from the store
        assert client.get("/peek").json() == {"n": 1}

    with counter_app(make_app, store=store).test_client() as attacker:
        response = attacker.get("/peek", headers={"cookie": f"session={old_id}"})
        assert response.json() == {"n": None}


def test_clear_deletes_the_stored_session(make_app, backend):
    store, inspect = backend
    with counter_app(make_app, store=store).test_client() as client:
        client.get("/count")
        old_id = client.cookies["session"]
        response = client.post("/logout")
        assert "Max-Age=0" in response.headers["set-cookie"]
        assert inspect.ids() == set()
        response = client.get("/peek", headers={"cookie": f"session={old_id}"})
        assert response.json() == {"n": None}


@pytest.mark.parametrize("value", ["forged", "A" * 43, "../../etc/passwd", "*"])
def test_unknown_or_malformed_id_is_an_empty_session(make_app, backend, value):
    store, inspect = backend
    with counter_app(make_app, store=store).test_client() as client:
        response = client.get("/peek", headers={"cookie": f"session={value}"})
        assert response.status_code == 200
        assert response.json() == {"n": None}
        assert inspect.ids() == set()


def test_idle_and_absolute_expiry(make_app, clock, backend):
    store, inspect = backend
    with counter_app(
        make_app, store=store, clock=clock, idle_timeout=600, max_age=900
    ).test_client() as client:
        client.get("/count")
        clock.advance(601)
        assert client.get("/peek").json() == {"n": None}
        assert inspect.ids() == set()  # an expired session is deleted when it is seen

        client.cookies.clear()
        client.get("/count")
        for _ in range(3):
            clock.advance(280)
            assert client.get("/count").json()["n"] > 1
        clock.advance(80)  # 920 s after it began: past max_age although active
        assert client.get("/peek").json() == {"n": None}


@pytest.mark.redis
def test_redis_keys_expire_with_the_session(make_app, redis_prefix, redis_client):
    store = RedisSessionStore(REDIS_URL, prefix=redis_prefix)
    inspect = Inspect(store, redis_client, redis_prefix)
    with counter_app(make_app, store=store, idle_timeout=300).test_client() as client:
        client.get("/count")
        ttl = inspect.ttl(client.cookies["session"])
        assert 290 <= ttl <= 300


@pytest.mark.redis
async def test_redis_store_with_a_client_of_your_own(redis_prefix):
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    store = RedisSessionStore(client=client, prefix=redis_prefix)
    await store.write("abc", b"data", 60)
    assert await store.read("abc") == b"data"
    await store.delete("abc")
    assert await store.read("abc") is None
    await store.close()  # not the store's client: still usable
    assert await client.ping()
    await client.aclose()


def test_stores_follow_the_protocol():
    assert isinstance(MemorySessionStore(), SessionStore)
    assert isinstance(RedisSessionStore(), SessionStore)


def test_without_preload_only_handlers_that_ask_load_the_session(make_app):
    reads: list[str] = []

    class CountingStore(MemorySessionStore):
        async def read(self, session_id: str) -> bytes | None:
            reads.append(session_id)
            return await super().read(session_id)

    app = make_app(store=CountingStore(), preload=False)

    @app.get("/set")
    async def set_value(session: Session):
        session["v"] = 1

    @app.get("/plain")
    def plain():
        return "no session here"

    @app.get("/property")
    def by_property(request: Request):
        try:
            return {"v": request.session.get("v")}
        except SessionNotLoaded as exc:
            return {"error": str(exc)}

    @app.get("/explicit")
    async def explicit(request: Request):
        await load_session(request)
        return {"v": request.session.get("v")}

    with app.test_client() as client:
        client.get("/set")
        reads.clear()
        client.get("/plain")
        assert reads == []
        assert "load_session" in client.get("/property").json()["error"]
        assert client.get("/explicit").json() == {"v": 1}
        assert len(reads) == 1


def test_preload_reads_only_when_a_cookie_came(make_app):
    reads: list[str] = []

    class CountingStore(MemorySessionStore):
        async def read(self, session_id: str) -> bytes | None:
            reads.append(session_id)
            return await super().read(session_id)

    app = counter_app(make_app, store=CountingStore())
    with app.test_client() as client:
        client.get("/peek")
        assert reads == []
        client.get("/count")
        client.get("/peek")
        assert len(reads) == 1


def test_store_sessions_need_no_secret_key(monkeypatch):
    from spruce import Spruce
    from spruce.sessions import Sessions
    from spruce.settings import Settings

    monkeypatch.delenv("SPRUCE_SECRET_KEY", raising=False)
    app = Spruce(settings=Settings(debug=False), batteries=[Sessions(MemorySessionStore())])

    @app.get("/")
    def index(request: Request):
        request.session["a"] = 1

    assert app.test_client().get("/").status_code == 204


async def test_a_stored_session_without_values_is_still_that_session(make_app, clock):
    import orjson

    from spruce.testing import AsyncTestClient

    store = MemorySessionStore()
    session_id = "B" * 43
    record = {"d": {}, "c": clock.now, "a": clock.now}
    await store.write(session_id, orjson.dumps(record), 600)
    app = counter_app(make_app, store=store, clock=clock)
    async with AsyncTestClient(app) as client:
        response = await client.get("/peek", headers={"cookie": f"session={session_id}"})
    assert response.json() == {"n": None}
    assert "set-cookie" not in response.headers  # not mistaken for a bad cookie and deleted
    assert await store.read(session_id) is not None
