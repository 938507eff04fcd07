"""Running providers: the factories behind parameters annotated with a registered type
(``app.add_provider``) or marked ``Provide(factory)``.

A factory may be a function, a coroutine function, or an (async) generator function whose code
after ``yield`` is its clean-up. The clean-ups run when the handler has finished, last entered
first, each seeing the handler's exception (raised at its ``yield``) or none; a clean-up cannot
swallow that exception, but one it raises replaces it. This is what ``contextlib`` would do,
without its per-request objects: on a hot path, a request with one generator provider costs a
generator and two resumptions.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Sequence
from typing import Any, TypeVar

__all__ = ["Enter", "Exits", "call_with_providers", "provider_entry", "release"]

Exits = list[AsyncGenerator[Any, None] | Generator[Any, None, None]]
Enter = Callable[[Any, Exits], Awaitable[Any]]
T = TypeVar("T")


def _name(factory: Callable[..., Any]) -> str:
    return getattr(factory, "__qualname__", repr(factory))


def provider_entry(factory: Callable[..., Any]) -> Enter:
    """An async ``enter(request, exits)`` for any kind of provider factory: it returns the
    value and appends the generator to ``exits`` when there is clean-up to run."""
    if inspect.isasyncgenfunction(factory):

        async def enter_async_gen(request: Any, exits: Exits) -> Any:
            generator = factory(request)
            try:
                value = await generator.__anext__()
            except StopAsyncIteration:
                raise RuntimeError(f"provider {_name(factory)} did not yield a value") from None
            exits.append(generator)
            return value

        return enter_async_gen
    if inspect.isgeneratorfunction(factory):

        async def enter_gen(request: Any, exits: Exits) -> Any:
            generator = factory(request)
            try:
                value = next(generator)
            except StopIteration:
                raise RuntimeError(f"provider {_name(factory)} did not yield a value") from None
            exits.append(generator)
            return value

        return enter_gen
    if inspect.iscoroutinefunction(factory):

        async def enter_coroutine(request: Any, exits: Exits) -> Any:
            return await factory(request)

        return enter_coroutine

    async def enter_plain(request: Any, exits: Exits) -> Any:
        value = factory(request)
        return await value if inspect.isawaitable(value) else value

    return enter_plain


async def release(exits: Exits, error: BaseException | None) -> None:
    """Run the clean-ups of ``exits``, last first, with ``error`` (the handler's exception, or
    None); raise the exception that remains at the end, if any other than ``error``."""
    original = error
    while exits:
        generator = exits.pop()
        try:
            if isinstance(generator, AsyncGenerator):
                if error is None:
                    await generator.__anext__()
                else:
                    await generator.athrow(error)
            elif error is None:
                next(generator)
            else:
                generator.throw(error)
        except (StopAsyncIteration, StopIteration):
            continue
        except BaseException as exc:
            if exc is not error:
                error = exc
            continue
        # It yielded a second time: close it, and say what is wrong.
        if isinstance(generator, AsyncGenerator):
            await generator.aclose()
        else:
            generator.close()
        error = RuntimeError("a provider must yield exactly once")
    if error is not None and error is not original:
        raise error


async def call_with_providers(
    providers: Sequence[tuple[str, Enter]],
    conn: Any,
    kwargs: dict[str, Any],
    call: Callable[[dict[str, Any]], Awaitable[T]],
) -> T:
    """Fill ``kwargs`` from ``providers`` for ``conn``, await ``call(kwargs)``, then release the
    providers with its outcome (a provider that fails to enter releases those before it)."""
    exits: Exits = []
    try:
        for name, enter in providers:
            kwargs[name] = await enter(conn, exits)
        result = await call(kwargs)
    except BaseException as exc:
        if exits:
            await release(exits, exc)
        raise
    if exits:
        await release(exits, None)
    return result
