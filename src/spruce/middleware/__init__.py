"""ASGI middleware shipped with Spruce."""

from .errors import ServerErrorMiddleware

__all__ = ["ServerErrorMiddleware"]
