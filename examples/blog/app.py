"""Where `spruce db upgrade`, `spruce serve` (and any ASGI server: `uvicorn app:app`) find the
blog when started in this folder. Everything is configured by the environment (see README.md)."""

from blog import create_app

app = create_app()
