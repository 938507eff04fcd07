"""Small immutable containers used by requests and responses: headers, query strings, URLs, state."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

__all__ = ["URL", "Headers", "MultiDict", "QueryParams", "State", "parse_cookie_header"]

RawHeaders = Sequence[tuple[bytes, bytes]]


class MultiDict(Mapping[str, str]):
    """An immutable mapping whose keys may carry several values, in arrival order.

    ``d[key]`` and ``d.get(key)`` give the last value (what a form or query string means by "the
    value"); ``d.getlist(key)`` gives all of them.
    """

    __slots__ = ("_items", "_lists")

    def __init__(self, items: Sequence[tuple[str, str]] = ()) -> None:
        self._items = list(items)
        lists: dict[str, list[str]] = {}
        for key, value in self._items:
            lists.setdefault(key, []).append(value)
        self._lists = lists

    def __getitem__(self, key: str) -> str:
        return self._lists[key][-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def __contains__(self, key: object) -> bool:
        return key in self._lists

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key``, in order; an empty list when absent."""
        return list(self._lists.get(key, ()))

    def multi_items(self) -> list[tuple[str, str]]:
        """All ``(key, value)`` pairs in arrival order, repeated keys included."""
        return list(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return sorted(self._items) == sorted(other._items)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


class QueryParams(MultiDict):
    """The parsed query string of a request (blank values kept, ``+`` and ``%xx`` decoded)."""

    __slots__ = ()

    def __init__(self, query: str | bytes | Sequence[tuple[str, str]] = "") -> None:
        if isinstance(query, bytes):
            query = query.decode("latin-1")
        if isinstance(query, str):
            items = parse_qsl(query, keep_blank_values=True) if query else []
        else:
            items = list(query)
        super().__init__(items)

    def __str__(self) -> str:
        return urlencode(self._items)


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued, immutable HTTP headers.

    Built from the raw ASGI list of ``(name, value)`` byte pairs; decoded on first use only.
    """

    __slots__ = ("_lists", "raw")

    def __init__(
        self, raw: RawHeaders | None = None, *, mapping: Mapping[str, str] | None = None
    ) -> None:
        if mapping is not None:
            raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in mapping.items()]
        self.raw: RawHeaders = raw or []
        self._lists: dict[str, list[str]] | None = None

    def _index(self) -> dict[str, list[str]]:
        lists = self._lists
        if lists is None:
            lists = {}
            for name, value in self.raw:
                lists.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
            self._lists = lists
        return lists

    def __getitem__(self, key: str) -> str:
        values = self._index()[key.lower()]
        return values[0] if len(values) == 1 else ", ".join(values)

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    @overload
    def get(self, key: str, default: Any) -> Any: ...

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (several values joined by ``", "``), or ``default``."""
        values = self._index().get(key.lower())
        if values is None:
            return default
        return values[0] if len(values) == 1 else ", ".join(values)

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key`` as sent, in order."""
        return list(self._index().get(key.lower(), ()))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())

    def __repr__(self) -> str:
        return f"Headers({[(k.decode('latin-1'), v.decode('latin-1')) for k, v in self.raw]!r})"


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` request header leniently (browsers do not follow RFC 6265 strictly).

    Pairs without ``=`` are skipped; surrounding double quotes are removed; the first value of a
    repeated name wins (it is the most specific path, as browsers order them).
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            continue
        name = name.strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name and name not in cookies:
            cookies[name] = unquote(value)
    return cookies


class URL:
    """An absolute or relative URL, split into its parts."""

    __slots__ = ("_parts", "_text")

    def __init__(self, url: str = "") -> None:
        self._text = url
        self._parts: SplitResult | None = None

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any], host: str | None = None) -> URL:
        """The full URL of an ASGI request."""
        scheme = scope.get("scheme", "http")
        path = scope.get("root_path", "") + scope["path"]
        query = scope.get("query_string", b"")
        if host is None:
            host = ""
            for name, value in scope.get("headers", ()):
                if name == b"host":
                    host = value.decode("latin-1")
                    break
            if not host and scope.get("server"):
                server_host, port = scope["server"]
                default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
                host = server_host if port == default else f"{server_host}:{port}"
        url = f"{scheme}://{host}{path}"
        if query:
            url += "?" + query.decode("latin-1")
        return cls(url)

    @property
    def parts(self) -> SplitResult:
        """The ``urllib.parse.SplitResult`` of this URL."""
        if self._parts is None:
            self._parts = urlsplit(self._text)
        return self._parts

    @property
    def scheme(self) -> str:
        """``http``, ``https``, ``ws`` or ``wss``."""
        return self.parts.scheme

    @property
    def netloc(self) -> str:
        """Host and port as sent."""
        return self.parts.netloc

    @property
    def hostname(self) -> str | None:
        """The host name, lower-cased, without the port."""
        return self.parts.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, if any."""
        return self.parts.port

    @property
    def path(self) -> str:
        """The path."""
        return self.parts.path

    @property
    def query(self) -> str:
        """The raw query string (without ``?``)."""
        return self.parts.query

    @property
    def fragment(self) -> str:
        """The fragment (without ``#``)."""
        return self.parts.fragment

    def replace(self, **parts: str) -> URL:
        """A copy with some parts replaced: ``url.replace(scheme="https", query="")``."""
        return URL(self.parts._replace(**parts).geturl())

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"URL({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, (URL, str)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)


class State:
    """An attribute bag: ``app.state.pool = ...``, ``request.state.user = ...``."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"state has no attribute {name!r}; set it first (e.g. in a startup hook)"
        )

    def __repr__(self) -> str:
        return f"State({self.__dict__!r})"
