"""Hello world in Starlette, for cold start and memory (bench/run.sh hello)."""

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def plaintext(request):
    return PlainTextResponse("Hello, World!")


app = Starlette(routes=[Route("/plaintext", plaintext)])
