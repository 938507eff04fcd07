"""Routing: routers and routes, path converters, path templates and the dispatch table."""

from .converters import Converter
from .router import Router
from .routes import Route

__all__ = ["Converter", "Route", "Router"]
