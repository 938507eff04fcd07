"""Helpers for the db battery's tests: an app on a URL, a client that runs its lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from spruce import Spruce
from spruce.db import Database


def make_app(url: str, **options: Any) -> tuple[Spruce, Database]:
    """An app with the db battery on ``url``."""
    database = Database(url, **options)
    return Spruce(batteries=[database]), database


@contextlib.asynccontextmanager
async def serve(app: Spruce) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app (lifespan) and give an async client bound to it."""
    async with app.lifespan_context():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield client
