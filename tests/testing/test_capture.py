"""Capturing logged exceptions must not hide Spruce's error logs in unconfigured programs."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_tracebacks_still_reach_stderr_when_logging_is_not_configured():
    script = textwrap.dedent("""
        from spruce import Spruce

        app = Spruce()

        @app.get("/boom")
        def boom():
            raise ValueError("visible in stderr")

        client = app.test_client(raise_server_exceptions=True)
        try:
            client.get("/boom")
        except ValueError:
            print("raised")
        print(app.test_client().get("/boom").status_code)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["raised", "500"]
    assert result.stderr.count("ValueError: visible in stderr") == 2
