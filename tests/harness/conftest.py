"""Helpers to run the real `claimbench` command in a subprocess, with the self-test plugin suite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).parent / "plugins"
REPO = Path(__file__).resolve().parents[2]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN_DIR), str(REPO), env.get("PYTHONPATH", "")])
    env["CLAIMBENCH_PLUGINS"] = "harness_selftest"
    env["CLAIMBENCH_SUITES"] = "copg"  # the harness tests need only the first tenant; each suite tests itself
    env["COLUMNS"] = "200"
    return env


def claimbench(*args: str, cwd: Path, timeout: float = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `python -m benchmarks.cli ARGS` and capture its output (``env`` entries override the defaults)."""
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], cwd=cwd, env={**cli_env(), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


NO_BUILTIN_SUITES = "__none__"
"""A CLAIMBENCH_SUITES value that matches no built-in suite: only the plugins load (fast)."""


@pytest.fixture
def controls_env(monkeypatch):
    """In process: only the two self-test plugin suites (selftest and controls), no built-in suite."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest,harness_controls")
    monkeypatch.setenv("CLAIMBENCH_SUITES", NO_BUILTIN_SUITES)


@pytest.fixture
def plugin_env(monkeypatch):
    """Make the self-test suite visible to in-process calls too."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest")
    monkeypatch.setenv("CLAIMBENCH_SUITES", "copg")


@pytest.fixture
def cli():
    """The `claimbench` runner, as a fixture (tests cannot import conftest under importlib mode)."""
    return claimbench


@pytest.fixture
def cli_environment():
    return cli_env()


@pytest.fixture(scope="module")
def plugin_env_module():
    """Module-scoped: the self-test suite importable in process."""
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(PLUGIN_DIR))
    patch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest")
    patch.setenv("CLAIMBENCH_SUITES", "copg")
    yield
    patch.undo()
