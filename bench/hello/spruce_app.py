"""Hello world in Spruce, for cold start and memory (bench/run.sh hello)."""

from spruce import PlainTextResponse, Spruce

app = Spruce()


@app.get("/plaintext")
async def plaintext():
    return PlainTextResponse("Hello, World!")
