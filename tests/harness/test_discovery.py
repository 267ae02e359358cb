"""Suite discovery: packages benchmarks/suites/<paper>/ and single modules alike, CLAIMBENCH_SUITES and
CLAIMBENCH_PLUGINS (a plugin may stay one module)."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import benchmarks.suites
from benchmarks.cli import main
from benchmarks.registry import SuiteLoadError, load_suites, suite_modules

SUITE_BODY = textwrap.dedent('''
    from dataclasses import dataclass

    from benchmarks.registry import Budget, Experiment, Result, Suite


    @dataclass(frozen=True)
    class Config:
        x: float = 1.0


    def run(config, seeds):
        return [Result({"x": config.x}) for _ in seeds]


    BUDGETS = {"smoke": Budget(1), "quick": Budget(1), "full": Budget(1)}
    SUITE = Suite("{name}", "test", (Experiment("{name}/e", Config, run, BUDGETS),), ())
''')


@pytest.fixture
def extra_suites(tmp_path, monkeypatch):
    """A folder added to benchmarks.suites' search path with a package suite, a module suite, a private module,
    and a package without SUITE."""
    package = tmp_path / "zz_package_suite"
    package.mkdir()
    (package / "__init__.py").write_text("from .experiments import SUITE  # assembly only\n")
    (package / "experiments.py").write_text(SUITE_BODY.replace("{name}", "zz_package_suite"))
    (tmp_path / "zz_module_suite.py").write_text(SUITE_BODY.replace("{name}", "zz_module_suite"))
    (tmp_path / "_zz_private.py").write_text("raise RuntimeError('private modules are not suites')\n")
    broken = tmp_path / "zz_no_suite"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    monkeypatch.setattr(benchmarks.suites, "__path__", [*benchmarks.suites.__path__, str(tmp_path)])
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("benchmarks.suites.zz_")]:
        del sys.modules[name]


def test_packages_and_modules_are_discovered_and_filtered(extra_suites, monkeypatch):
    monkeypatch.delenv("CLAIMBENCH_PLUGINS", raising=False)
    monkeypatch.setenv("CLAIMBENCH_SUITES", "zz_package_suite,zz_module_suite")
    assert suite_modules() == ["benchmarks.suites.zz_module_suite", "benchmarks.suites.zz_package_suite"]
    suites = load_suites()
    assert set(suites) == {"zz_package_suite", "zz_module_suite"}
    assert suites["zz_package_suite"].experiments[0].name == "zz_package_suite/e"
    monkeypatch.setenv("CLAIMBENCH_SUITES", "zz_package_suite")
    assert set(load_suites()) == {"zz_package_suite"}


def test_every_builtin_suite_folder_or_module_is_listed(monkeypatch):
    monkeypatch.delenv("CLAIMBENCH_SUITES", raising=False)
    monkeypatch.delenv("CLAIMBENCH_PLUGINS", raising=False)
    folder = Path(benchmarks.suites.__file__).parent
    expected = {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    expected |= {p.stem for p in folder.glob("*.py")}
    expected = {f"benchmarks.suites.{name}" for name in expected if not name.startswith("_")}
    assert set(suite_modules()) == expected


def test_a_package_without_suite_is_a_load_error_naming_it(extra_suites, monkeypatch, capsys):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "zz_no_suite")
    monkeypatch.delenv("CLAIMBENCH_PLUGINS", raising=False)
    with pytest.raises(SuiteLoadError, match="benchmarks.suites.zz_no_suite"):
        load_suites()
    assert main(["list"]) == 1
    assert "zz_no_suite failed to load" in capsys.readouterr().err


def test_plugins_load_as_single_modules_beside_filtered_builtins(extra_suites, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "plugins"))
    monkeypatch.setenv("CLAIMBENCH_SUITES", "zz_module_suite")
    monkeypatch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest, harness_controls")
    assert suite_modules()[-2:] == ["harness_selftest", "harness_controls"]
    assert set(load_suites()) == {"zz_module_suite", "selftest", "controls"}
    monkeypatch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest,harness_selftest")
    with pytest.raises(SuiteLoadError, match="two suites are named 'selftest'"):
        load_suites()
    monkeypatch.setenv("CLAIMBENCH_PLUGINS", "no_such_plugin_module")
    with pytest.raises(SuiteLoadError, match="no_such_plugin_module"):
        load_suites()
