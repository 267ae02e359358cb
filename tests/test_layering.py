"""Layering rules of REVISION-2 §2, checked by an AST scan of the source tree (no imports executed).

- library packages (bandits, mdps, llm_bridge) never import ``benchmarks``;
- ``bandits`` never imports ``mdps`` or ``llm_bridge``;
- suite modules (``benchmarks/suites/**``) define no ``nn.Module`` subclass and build no optimiser;
- every suite package has the five files (``__init__``, experiments, budgets, claims, figures).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("bandits", "mdps", "llm_bridge")
SUITE_FILES = ("__init__.py", "experiments.py", "budgets.py", "claims.py", "figures.py")
OPTIMISERS = {"SGD", "Adam", "AdamW", "LBFGS", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta"}


def _python_files(*parts: str) -> list[Path]:
    return sorted(p for p in ROOT.joinpath(*parts).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _top(module: str) -> str:
    return module.split(".")[0]


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {module}" for path in _python_files(package)
            for module in sorted(_imported_modules(path)) if _top(module) in forbidden]


@pytest.mark.parametrize("package", LIBRARIES)
def test_libraries_never_import_the_harness(package: str) -> None:
    assert _violations(package, ("benchmarks",)) == []


def test_bandits_never_imports_mdps_or_llm_bridge() -> None:
    assert _violations("bandits", ("mdps", "llm_bridge")) == []


def _suite_files() -> list[Path]:
    return _python_files("benchmarks", "suites")


def _base_names(node: ast.ClassDef) -> list[str]:
    return [ast.unparse(base) for base in node.bases]


def test_suites_define_no_modules_and_build_no_optimisers() -> None:
    problems = []
    for path in _suite_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ClassDef) and any(b.split(".")[-1] == "Module" for b in _base_names(node)):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} defines nn.Module {node.name}")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if "optim" in name.split(".") or name.split(".")[-1] in OPTIMISERS:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} builds optimiser {name}")
    assert problems == []


def _suite_packages() -> list[Path]:
    return sorted(p for p in ROOT.joinpath("benchmarks", "suites").iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")))


def test_every_suite_is_a_package_with_the_five_files() -> None:
    loose = [p.name for p in ROOT.joinpath("benchmarks", "suites").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"suites must be packages benchmarks/suites/<paper>/, found modules {loose}"
    missing = {p.name: [f for f in SUITE_FILES if not (p / f).exists()] for p in _suite_packages()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_no_suite_file_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _suite_files() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_the_scan_sees_violations(tmp_path: Path) -> None:
    """The scanners flag what they should (a rule that cannot fail checks nothing)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import benchmarks.stats\nfrom mdps.tabular import x\n"
                   "class Net(nn.Module):\n    pass\nopt = torch.optim.Adam([])\n")
    assert _imported_modules(bad) == {"benchmarks.stats", "mdps.tabular"}
    tree = ast.parse(bad.read_text())
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    assert _base_names(classes[0]) == ["nn.Module"]
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert "torch.optim.Adam" in calls
