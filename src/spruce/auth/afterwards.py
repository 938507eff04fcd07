"""Work done after the response has been sent (a mail whose sending must not show in the
response's timing)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..responses import Receive, Response, Scope, Send

__all__ = ["respond_then"]

logger = logging.getLogger("spruce.auth")

Job = Callable[[], Awaitable[Any]]


class _ThenRun(Response):
    """``response``, then ``job()`` once its last byte is sent (a failing job is logged)."""

    def __init__(self, response: Response, job: Job) -> None:  # no super(): a copy of response
        self.__dict__.update(response.__dict__)
        self._respond = type(response).__call__
        self._job = job

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._respond(self, scope, receive, send)
        try:
            await self._job()
        except Exception:
            logger.exception("work after the response failed")


def respond_then(response: Response, job: Job) -> Response:
    """``response`` that runs ``job()`` after it has been sent: the client has its answer by
    then, so the job's duration does not show in the answer's timing."""
    return _ThenRun(response, job)
