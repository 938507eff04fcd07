"""The project's own files: the commands the README promises and the scripts behind them."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [".ci/run", "scripts/setup.sh", "scripts/test.sh", "scripts/demo.sh", "bench/run.sh"]


def test_readme_names_the_test_and_demo_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/demo.sh" in readme


def test_ci_runs_the_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*(exec\s+)?bash\s+scripts/test\.sh\b", ci, re.MULTILINE)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_is_executable_strict_bash(name):
    path = ROOT / name
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in (line.strip() for line in lines)
    assert path.stat().st_mode & stat.S_IXUSR, f"{name} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
