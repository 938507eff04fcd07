"""CPU time per request of an ASGI app's endpoints, in process (no server, no network, no wrk).

The app's lifespan runs, then each path is requested many times, one request after another, by
calling the ASGI callable directly on a uvloop event loop. The figure is this process's CPU time
(``time.process_time``) per request, so the database server's own work is left out: it measures
what the framework and its database layer cost, which is what a server's single core pays for.

    python bench/inprocess.py bench.app:app /db /fortunes "/queries?queries=20"
    python bench/inprocess.py shared.bench.peers.raw_asgi:app /db --path ..
    python bench/inprocess.py bench.app:app /db --profile 30     # cProfile, top 30 by tottime

Run it with the harness's venv (or Spruce's), PostgreSQL up and its ``world``/``fortune`` tables
filled (DATABASE_URL as for the harness). Compare figures within one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
ASGIApp = Callable[..., Awaitable[None]]


def load(target: str) -> ASGIApp:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr or "app")  # type: ignore[no-any-return]


class Lifespan:
    """Drive an ASGI app's lifespan protocol from outside."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"startup failed: {message}")

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        assert self.task is not None
        await self.task


async def request(app: ASGIApp, path: str) -> tuple[int, bytes]:
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0
    body: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def measure(app: ASGIApp, path: str, count: int, blocks: int) -> list[float]:
    """Microseconds of CPU per request, one figure per block of ``count`` requests."""
    status, body = await request(app, path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")
    for _ in range(count):  # warm up
        await request(app, path)
    figures = []
    for _ in range(blocks):
        start = time.process_time()
        for _ in range(count):
            await request(app, path)
        figures.append((time.process_time() - start) / count * 1e6)
    return figures


async def main(args: argparse.Namespace) -> None:
    app = load(args.target)
    async with Lifespan(app):
        for path in args.paths:
            if args.profile:
                import cProfile
                import pstats

                await measure(app, path, args.count, 1)
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
                for _ in range(args.count):
                    await request(app, path)
                profiler.disable()
                print(f"== {path}: {args.count} requests")
                stats = pstats.Stats(profiler)
                stats.sort_stats(args.sort).print_stats(args.profile)
                continue
            figures = await measure(app, path, args.count, args.blocks)
            print(
                f"{args.target} {path}: median {statistics.median(figures):,.0f} us CPU per "
                f"request (blocks: {', '.join(f'{f:,.0f}' for f in figures)})"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="module:attr of the ASGI app")
    parser.add_argument("paths", nargs="+", help="paths to request (query string allowed)")
    parser.add_argument("--count", type=int, default=2000, help="requests per block")
    parser.add_argument("--blocks", type=int, default=5, help="timed blocks per path")
    parser.add_argument("--path", action="append", default=[], help="prepend to sys.path")
    parser.add_argument("--profile", type=int, default=0, help="cProfile: print N top lines")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    parser.add_argument("--no-uvloop", action="store_true", help="the default asyncio loop")
    options = parser.parse_args()
    sys.path[:0] = [*options.path, "."]
    if options.no_uvloop:
        asyncio.run(main(options))
    else:
        import uvloop

        uvloop.run(main(options))
