"""Running blocking code without blocking the event loop.

Sync handlers, hooks and iterators run in a dedicated thread pool whose size is set by
``Spruce(thread_pool_size=...)``. Context variables are copied into the worker thread, so a sync
handler sees the same request context as an async one.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

__all__ = ["is_async_callable", "iterate_in_threadpool", "run_sync", "set_thread_pool_size"]

P = ParamSpec("P")
T = TypeVar("T")

_DEFAULT_WORKERS = min(64, (os.cpu_count() or 1) * 8 + 8)
_executor: ThreadPoolExecutor | None = None
_workers = _DEFAULT_WORKERS


def set_thread_pool_size(workers: int) -> None:
    """Set how many threads run sync code (takes effect before the pool is first used)."""
    global _workers, _executor
    if workers < 1:
        raise ValueError("the thread pool needs at least one worker")
    _workers = workers
    if _executor is not None:
        _executor.shutdown(wait=False)
        _executor = None


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_workers, thread_name_prefix="spruce-sync")
    return _executor


async def run_sync(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call a blocking ``func`` in the thread pool and await its result."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    return await loop.run_in_executor(_get_executor(), call)


_STOP = object()


def _next_or_stop(iterator: Iterator[T]) -> T | object:
    try:
        return next(iterator)
    except StopIteration:
        return _STOP


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterable, one ``next()`` per thread-pool call."""
    iterator = iter(iterable)
    while True:
        item = await run_sync(_next_or_stop, iterator)
        if item is _STOP:
            return
        yield item  # type: ignore[misc]


def is_async_callable(func: Any) -> bool:
    """True for ``async def`` functions, partials of them and objects with an async ``__call__``."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004
    )


async def call_maybe_async(func: Callable[..., Any], *args: Any) -> Any:
    """Await ``func(*args)`` if it is async, else run it in the thread pool."""
    if is_async_callable(func):
        return await func(*args)
    result = await run_sync(func, *args)
    if inspect.isawaitable(result):
        return await result
    return result


AwaitableFactory = Callable[..., Awaitable[Any]]
