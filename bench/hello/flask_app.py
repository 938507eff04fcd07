"""Hello world in Flask, for cold start and memory (bench/run.sh hello)."""

from flask import Flask

app = Flask(__name__)


@app.get("/plaintext")
def plaintext():
    return "Hello, World!", 200, {"Content-Type": "text/plain; charset=utf-8"}
