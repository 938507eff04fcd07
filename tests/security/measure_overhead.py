"""What the security battery costs a hello world, per request (not a test; run it by hand).

    .venv/bin/python tests/security/measure_overhead.py

Calls two in-process apps, ``Spruce(security=False)`` and ``Spruce()``, alternately in small
batches of the same GET (no cookies), and prints the 10th percentile of each and of their
difference, so that noise from other processes cancels out as far as it can.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from spruce import Spruce

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/",
    "raw_path": b"/",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"localhost:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
    "client": ("127.0.0.1", 5000),
    "server": ("127.0.0.1", 8000),
}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    return None


def hello(**options: Any) -> Spruce:
    app = Spruce(**options)

    @app.get("/")
    async def index() -> str:
        return "Hello, World!"

    app.freeze()
    return app


async def microseconds_per_request(app: Spruce, count: int) -> float:
    scopes = [dict(SCOPE) for _ in range(count)]
    start = time.perf_counter_ns()
    for scope in scopes:
        await app(scope, receive, send)
    return (time.perf_counter_ns() - start) / count / 1000


async def main(rounds: int = 3000, batch: int = 100) -> None:
    without, with_ = hello(security=False), hello()
    plain: list[float] = []
    secured: list[float] = []
    for turn in range(rounds):
        pair = [(without, plain), (with_, secured)]
        for app, results in pair if turn % 2 else reversed(pair):
            results.append(await microseconds_per_request(app, batch))
    differences = sorted(b - a for a, b in zip(plain, secured, strict=True))
    plain.sort()
    secured.sort()
    tenth = rounds // 10
    print(f"Spruce(security=False): {plain[tenth]:.2f} us per request (10th percentile)")
    print(f"Spruce():               {secured[tenth]:.2f} us per request (10th percentile)")
    print(
        f"the battery adds:       {secured[tenth] - plain[tenth]:.2f} us "
        f"(paired differences: median {differences[len(differences) // 2]:.2f} us)"
    )


if __name__ == "__main__":
    asyncio.run(main())
