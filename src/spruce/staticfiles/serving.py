"""Answering a static file request: the route handler each static mount gets.

From the source folders (no manifest, or debug mode) files are sent with ``Cache-Control:
no-cache``: browsers keep them but check ``ETag``/``Last-Modified`` before each use, so an edit
shows at once. From the collected folder, content-hashed names are sent with ``Cache-Control:
public, max-age=31536000, immutable`` (their content can never change), other names with
``no-cache``; a precompressed ``.br``/``.gz`` copy is sent instead when the client accepts it and
asks for no byte range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..concurrency import run_sync
from ..exceptions import NotFound
from ..files import FileResponse, guess_media_type
from ..middleware.gzip import choose_encoding
from ..requests import Request  # the route handler's annotations are read at start-up
from ..responses import Response
from .manifest import ENCODING_SUFFIXES, CollectedFolder
from .safety import clean_segments, find_file

if TYPE_CHECKING:
    from .sources import StaticMount

__all__ = ["IMMUTABLE", "REVALIDATE", "StaticHandler"]

IMMUTABLE = "public, max-age=31536000, immutable"
"""``Cache-Control`` of content-hashed files: cache for a year, never revalidate."""

REVALIDATE = "no-cache"
"""``Cache-Control`` of other static files: cache, but revalidate (ETag) before each use."""


class StaticHandler:
    """The handler of one static mount's ``{path:path}`` route (GET and HEAD)."""

    def __init__(self, mount: StaticMount, collected: CollectedFolder | None = None) -> None:
        self.mount = mount
        self.collected = collected
        self._url_segments = [part for part in mount.url.split("/") if part]

    def __repr__(self) -> str:
        return f"<StaticHandler {self.mount.url}>"

    async def __call__(self, request: Request, path: str) -> Response:
        segments = clean_segments(path)
        if segments is None:
            raise NotFound()
        if self.collected is not None:
            return await self._from_collected(request, self.collected, segments)
        found = await run_sync(self.mount.find, segments)
        if found is None:
            raise NotFound()
        real, file_stat = found
        return FileResponse(
            real,
            headers={"cache-control": REVALIDATE},
            media_type=guess_media_type(segments[-1]),
            stat_result=file_stat,
        )

    async def _from_collected(
        self, request: Request, collected: CollectedFolder, segments: list[str]
    ) -> Response:
        full = [*self._url_segments, *segments]
        key = "/".join(full)
        found = await run_sync(find_file, collected.root, full)
        if found is None:
            raise NotFound()
        headers = {"cache-control": IMMUTABLE if collected.manifest.is_hashed(key) else REVALIDATE}
        media_type = guess_media_type(segments[-1])
        encodings = collected.manifest.compressed.get(key)
        if encodings:
            headers["vary"] = "Accept-Encoding"
            accept = request.headers.get("accept-encoding")
            if accept and "range" not in request.headers:
                encoding = choose_encoding(accept, encodings)
                if encoding is not None:
                    variant = [*full[:-1], full[-1] + ENCODING_SUFFIXES[encoding]]
                    compressed = await run_sync(find_file, collected.root, variant)
                    if compressed is not None:
                        headers["content-encoding"] = encoding
                        found = compressed
        real, file_stat = found
        return FileResponse(real, headers=headers, media_type=media_type, stat_result=file_stat)
