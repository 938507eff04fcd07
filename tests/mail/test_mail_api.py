"""The package surface: names, and an import that stays light."""

from __future__ import annotations

import subprocess
import sys

import spruce.mail


def test_all_is_sorted_and_resolves() -> None:
    assert spruce.mail.__all__ == sorted(spruce.mail.__all__)
    for name in spruce.mail.__all__:
        assert getattr(spruce.mail, name).__module__.startswith("spruce.mail")


def test_importing_the_battery_loads_no_heavy_library() -> None:
    code = (
        "import sys, spruce.mail\n"
        "heavy = ['aiosmtplib', 'pydantic', 'pydantic_settings', 'jinja2', 'click', 'pytest']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == ""
