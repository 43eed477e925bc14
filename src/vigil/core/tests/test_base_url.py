"""Links in e-mails and feeds point to the server that sent them: `make run` on another port
exports PORT, and the settings default of VIGIL_BASE_URL follows PORT."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
PRINT_BASE_URL = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
                  "'vigil.config.settings'; django.setup(); "
                  "from django.conf import settings; print(settings.VIGIL_BASE_URL)")


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIGIL_BASE_URL", "PORT"}}
    env.update(extra)
    return env


def _base_url(**extra: str) -> str:
    done = subprocess.run([sys.executable, "-c", PRINT_BASE_URL],  # noqa: S603 - fixed code
                          env=_environment(**extra),
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip().splitlines()[-1]


def test_base_url_follows_the_port_when_not_set() -> None:
    assert _base_url(PORT="8101") == "http://127.0.0.1:8101"
    assert _base_url() == "http://127.0.0.1:8000"


def test_base_url_set_outright_wins_over_the_port() -> None:
    assert _base_url(PORT="8101", VIGIL_BASE_URL="https://vigil.example.org/") == \
        "https://vigil.example.org"


MAKE, BASH = shutil.which("make"), shutil.which("bash")


@pytest.mark.skipif(MAKE is None or BASH is None, reason="GNU make or bash is not installed")
def test_make_run_on_another_port_serves_links_to_that_port() -> None:
    assert MAKE is not None
    assert BASH is not None
    plan = subprocess.run([MAKE, "-n", "run", "PORT=8101"],  # noqa: S603 - our own Makefile
                          cwd=ROOT, env=_environment(), capture_output=True, text=True,
                          check=True, timeout=60).stdout
    export = next(line for line in plan.splitlines() if "export PORT=" in line)
    assert "runserver 127.0.0.1:8101" in plan
    # Run the recipe's own export line, then ask the settings what links will start with.
    script = export.rstrip("\\ ") + f'\n"{sys.executable}" -c "{PRINT_BASE_URL}"'
    done = subprocess.run([BASH, "-c", script],  # noqa: S603 - the recipe's own line
                          env=_environment(), capture_output=True, text=True, check=True,
                          timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8101"
