"""Dispatch cost with many routes: Spruce beside Starlette, Litestar and Falcon, in process.

Each framework builds one ASGI app with N routes ``/r{i}/{id:int}``, runs its lifespan startup,
then a GET of the LAST route (``/r{N-1}/42``) is sent straight to the ASGI callable (no server,
no network), so the figure is routing plus request and response handling. Every
(framework, N) pair is measured in a fresh interpreter; a figure is the median over timed
blocks of microseconds per request. Frameworks that are not installed are left out.

    bash bench/run.sh routes                    # with the harness's venv, Spruce installed
    python bench/routes.py --sizes 10,100,1000 --frameworks spruce,falcon --rounds 3

Compare N=10 with N=1000 in one run: absolute microseconds vary from machine to machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

FRAMEWORKS = ("spruce", "starlette", "litestar", "falcon")


class NotInstalled(Exception):
    pass


def build_spruce(n: int) -> ASGIApp:
    from spruce import Spruce

    app = Spruce()
    for i in range(n):

        async def handler(id: int) -> str:
            return "ok"

        app.get(f"/r{i}/{{id:int}}", name=f"r{i}")(handler)
    return app


def build_starlette(n: int) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def handler(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(f"/r{i}/{{id:int}}", handler) for i in range(n)])


def build_litestar(n: int) -> ASGIApp:
    from litestar import Litestar, get

    handlers = []
    for i in range(n):

        @get(f"/r{i}/{{id:int}}", sync_to_thread=False)
        def handler(id: int) -> str:
            return "ok"

        handlers.append(handler)
    return Litestar(route_handlers=handlers)


def build_falcon(n: int) -> ASGIApp:
    import falcon.asgi

    class Resource:
        async def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.text = "ok"

    app = falcon.asgi.App()
    for i in range(n):
        app.add_route(f"/r{i}/{{id:int}}", Resource())
    return app


BUILDERS: dict[str, Callable[[int], ASGIApp]] = {
    "spruce": build_spruce,
    "starlette": build_starlette,
    "litestar": build_litestar,
    "falcon": build_falcon,
}


def build(framework: str, n: int) -> ASGIApp:
    try:
        metadata.version(framework)
    except metadata.PackageNotFoundError as exc:
        raise NotInstalled(framework) from exc
    return BUILDERS[framework](n)


# ---------------------------------------------------------------- ASGI driving


class Lifespan:
    """Drives an app's ASGI lifespan protocol; apps that do not support it are tolerated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        await self.app(scope, self.inbox.get, self.outbox.put)

    async def _exchange(self, event: str) -> None:
        assert self.task is not None
        await self.inbox.put({"type": f"lifespan.{event}"})
        reply = asyncio.ensure_future(self.outbox.get())
        done, _ = await asyncio.wait(
            {reply, self.task}, timeout=60, return_when=asyncio.FIRST_COMPLETED
        )
        if reply not in done:
            reply.cancel()
            if self.task in done and event == "startup":
                self.task.exception()  # raised or returned at once: no lifespan support
                self.task = None
                return
            raise RuntimeError(f"lifespan {event} did not complete")
        message = reply.result()
        if message["type"] == f"lifespan.{event}.failed":
            raise RuntimeError(f"lifespan {event} failed: {message.get('message', '')}")

    async def startup(self) -> None:
        self.task = asyncio.ensure_future(self._run())
        await self._exchange("startup")

    async def shutdown(self) -> None:
        if self.task is not None and not self.task.done():
            await self._exchange("shutdown")
            await asyncio.wait({self.task}, timeout=10)


async def measure(app: ASGIApp, n: int, block_seconds: float, blocks: int) -> list[float]:
    lifespan = Lifespan(app)
    await lifespan.startup()
    path = f"/r{n - 1}/42"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    state = lifespan.state

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def discard(message: Message) -> None:
        pass

    async def request_once() -> None:
        """One request whose answer is checked: 200 and a body that says ok."""
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        await app({**scope, "state": dict(state)}, receive, keep)
        start = next((m for m in sent if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        if start is None or start["status"] != 200 or b"ok" not in body:
            status = start and start["status"]
            raise RuntimeError(f"GET {path} answered {status} {body[:80]!r}, expected 200 ok")

    await request_once()
    warm = 300
    t0 = time.perf_counter()
    for _ in range(warm):
        await app({**scope, "state": dict(state)}, receive, discard)
    per_request = (time.perf_counter() - t0) / warm
    count = max(100, min(200_000, int(block_seconds / per_request)))

    samples = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(count):
            await app({**scope, "state": dict(state)}, receive, discard)
        samples.append((time.perf_counter() - t0) / count * 1e6)
    await request_once()
    await lifespan.shutdown()
    return samples


def one(framework: str, n: int, block_seconds: float, blocks: int) -> dict[str, Any]:
    """Measure one (framework, N) in this process; the parent reads the JSON it prints."""
    try:
        app = build(framework, n)
    except NotInstalled:
        return {"skip": "not installed"}
    samples = asyncio.run(measure(app, n, block_seconds, blocks))
    return {"us": statistics.median(samples), "samples": samples}


# ---------------------------------------------------------------- orchestration


def run_child(framework: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        framework,
        str(n),
        "--block-seconds",
        str(args.block_seconds),
        "--blocks",
        str(args.blocks),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:g} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return {"error": why}
    return json.loads(lines[-1])


def version(framework: str) -> str:
    try:
        return metadata.version(framework)
    except metadata.PackageNotFoundError:
        return "-"


def table(
    frameworks: list[str], sizes: list[int], results: dict[tuple[str, int], list[dict[str, Any]]]
) -> str:
    growth = len(sizes) > 1
    head = ["framework", "version"] + [f"N={n}" for n in sizes]
    if growth:
        head.append(f"N={sizes[-1]} / N={sizes[0]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for fw in frameworks:
        cells, medians = [], []
        for n in sizes:
            runs = results[fw, n]
            errors = [r["error"] for r in runs if "error" in r]
            figures = [r["us"] for r in runs if "us" in r]
            if errors:
                cells.append("error")
                notes.append(f"- {fw} N={n}: {errors[0]}")
                medians.append(None)
            elif not figures:
                cells.append("not installed")
                medians.append(None)
            else:
                med = statistics.median(figures)
                text = f"{med:,.1f} us"
                if len(figures) > 1:
                    text += f" ({min(figures):,.1f}-{max(figures):,.1f})"
                cells.append(text)
                medians.append(med)
        if growth:
            first, last = medians[0], medians[-1]
            cells.append(f"{last / first:.2f}x" if first and last else "-")
        lines.append(f"| {fw} | {version(fw)} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ([""] + notes if notes else []))


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--frameworks",
        default=",".join(FRAMEWORKS),
        help="comma-separated: " + ",".join(FRAMEWORKS),
    )
    ap.add_argument("--sizes", default="10,1000", help="numbers of routes, comma-separated")
    ap.add_argument(
        "--rounds", type=int, default=1, help="fresh processes per (framework, N), round-robin"
    )
    ap.add_argument(
        "--blocks", type=int, default=5, help="timed blocks per process (the median is kept)"
    )
    ap.add_argument(
        "--block-seconds", type=float, default=0.3, help="about how long one timed block lasts"
    )
    ap.add_argument(
        "--timeout", type=float, default=300, help="seconds one measuring process may take"
    )
    ap.add_argument("--one", nargs=2, metavar=("FRAMEWORK", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        framework, n = args.one[0], int(args.one[1])
        print(json.dumps(one(framework, n, args.block_seconds, args.blocks)))
        return 0

    frameworks = [f for f in args.frameworks.split(",") if f]
    unknown = sorted(set(frameworks) - set(FRAMEWORKS))
    if unknown:
        ap.error(f"unknown frameworks {unknown}; choose from {list(FRAMEWORKS)}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if not sizes or min(sizes) < 1:
        ap.error("--sizes needs positive integers")

    results: dict[tuple[str, int], list[dict[str, Any]]] = {
        (f, n): [] for f in frameworks for n in sizes
    }
    for rnd in range(1, args.rounds + 1):
        for fw in frameworks:
            for n in sizes:
                if any("skip" in r for r in results[fw, n]):
                    continue
                r = run_child(fw, n, args)
                results[fw, n].append(r)
                shown = r.get("error") or r.get("skip") or f"{r['us']:,.1f} us/request"
                print(f"round {rnd} {fw:>10} N={n:<6} {shown}", file=sys.stderr)

    print(
        f"### In-process dispatch to the last of N routes `/r{{i}}/{{id:int}}` "
        f"(Python {sys.version.split()[0]}, median us/request"
        + (f", range over {args.rounds} rounds" if args.rounds > 1 else "")
        + ")\n"
    )
    print(table(frameworks, sizes, results))
    failed = any("error" in r for runs in results.values() for r in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
