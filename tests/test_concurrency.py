"""Running blocking code in the thread pool."""

import asyncio
import contextvars
import functools

from spruce.concurrency import call_maybe_async, is_async_callable, iterate_in_threadpool, run_sync

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


async def test_run_sync_copies_context_and_runs_in_a_thread():
    var.set("request-1")

    def blocking():
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        return var.get(), on_loop

    assert await run_sync(blocking) == ("request-1", False)


async def test_iterate_in_threadpool():
    assert [x async for x in iterate_in_threadpool(iter([1, 2, 3]))] == [1, 2, 3]


async def test_call_maybe_async():
    async def coro(x):
        return x + 1

    assert await call_maybe_async(coro, 1) == 2
    assert await call_maybe_async(lambda x: x * 2, 4) == 8


def test_is_async_callable():
    async def coro():
        pass

    class AsyncCallable:
        async def __call__(self):
            pass

    assert is_async_callable(coro)
    assert is_async_callable(functools.partial(coro))
    assert is_async_callable(AsyncCallable())
    assert not is_async_callable(lambda: None)
