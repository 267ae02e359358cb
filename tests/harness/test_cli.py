"""The `claimbench` command end to end, in real subprocesses."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.cli import main


def _rows(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT experiment, config_hash, seed, status, finished_at, metrics FROM runs "
                          "ORDER BY experiment, seed").fetchall()


def test_list_json_names_every_suite(tmp_path, cli):
    result = cli("list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listing = {s["suite"]: s for s in json.loads(result.stdout)}
    assert {"copg", "selftest"} <= set(listing)
    assert "copg/toy_bandit" in [e["name"] for e in listing["copg"]["experiments"]]
    assert "copg.baselines_biased" in [c["id"] for c in listing["copg"]["claims"]]


@pytest.fixture(scope="module")
def populated_store(tmp_path_factory, plugin_env_module):
    """A store holding two finished self-test runs, shared by the bad-input cases (which must not change it)."""
    store = tmp_path_factory.mktemp("bad-input") / "store.sqlite"
    assert main(["run", "selftest/sleepy", "--budget", "smoke", "--store", str(store), "--executor", "inline"]) == 0
    return store


BAD_INPUTS = [
    (["run", "nosuch"], "unknown experiment 'nosuch'"),
    (["verify", "nosuch"], "unknown suite 'nosuch'"),
    (["run", "copg/nosuch"], "unknown experiment 'copg/nosuch'"),
    (["run", "copg/toy_bandit", "--set", "beta=-1"], "beta must be > 0, got -1"),
    (["run", "copg/toy_bandit", "--set", "beta=abc"], "beta: expected float, got 'abc'"),
    (["run", "copg/toy_bandit", "--set", "rewards=2.5,nan,1"], "rewards contains NaN"),
    (["run", "copg/toy_bandit", "--set", "mu1=0.5,0.2,0.2"], "mu1 must sum to 1"),
    (["run", "copg/toy_bandit", "--set", "ref_probs=0.5,0.5,0"], "ref_probs must give every action positive"),
    (["run", "copg/toy_bandit", "--set", "nosuchkey=1"], "unknown config key 'nosuchkey'"),
    (["run", "copg/toy_bandit", "--set", "beta"], "--set expects key=value"),
    (["run", "copg/toy_bandit", "--seeds", "x"], "--seeds"),
    (["run", "copg/toy_bandit", "--executor", "warp"], "unknown executor 'warp'"),
    (["run", "copg/toy_bandit", "--budget", "huge"], "invalid choice: 'huge'"),
    (["run", "copg/toy_bandit", "--workers", "0"], "--workers must be >= 1"),
]


@pytest.mark.parametrize("args, fragment", BAD_INPUTS)
def test_bad_input_exits_2_with_one_line_and_leaves_store_unchanged(populated_store, capsys, args, fragment):
    before = _rows(populated_store)
    capsys.readouterr()
    assert main([*args, "--store", str(populated_store)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err
    assert _rows(populated_store) == before


def test_bad_input_in_a_real_process_exits_2_without_traceback(tmp_path, cli):
    result = cli("run", "copg/toy_bandit", "--set", "beta=-1", "--store", str(tmp_path / "s.sqlite"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "claimbench: error: copg/toy_bandit: beta must be > 0, got -1.0" or \
        (len(result.stderr.strip().splitlines()) == 1 and "beta must be > 0" in result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "s.sqlite").exists()
    unknown = cli("frobnicate", cwd=tmp_path)
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_unwritable_store_path_exits_2(tmp_path, cli):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = cli("run", "selftest/sleepy", "--budget", "smoke", "--store", str(blocker / "s.sqlite"),
                        cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write the store" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "not a directory"


def test_crashing_runs_are_recorded_and_exit_1(tmp_path, cli):
    store = tmp_path / "s.sqlite"
    result = cli("run", "selftest/crashy", "--seeds", "4", "--store", str(store), "--workers", "2",
                        "--json", cwd=tmp_path)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert (summary["done"], summary["failed"]) == (2, 2)
    statuses = {seed: status for _, _, seed, status, _, _ in _rows(store)}
    assert statuses == {0: "done", 1: "failed", 2: "done", 3: "failed"}


def test_nan_metric_is_a_failed_run_not_a_result(tmp_path, cli):
    store = tmp_path / "s.sqlite"
    result = cli("run", "selftest/nan", "--seeds", "1", "--store", str(store), "--executor", "inline",
                        cwd=tmp_path)
    assert result.returncode == 1
    assert [row[3] for row in _rows(store)] == ["failed"]


@pytest.mark.parametrize("executor", ["local", "ray", "submitit"])
def test_sigkill_midway_then_resume_finishes_without_redoing(tmp_path, cli, cli_environment, executor):
    store = tmp_path / "s.sqlite"
    command = [sys.executable, "-m", "benchmarks.cli", "run", "selftest/sleepy", "--seeds", "10",
               "--workers", "1", "--store", str(store), "--executor", executor]
    process = subprocess.Popen(command, cwd=tmp_path, env=cli_environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        if store.exists():
            try:
                if len(_rows(store)) >= 3:
                    break
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = _rows(store)
    assert 3 <= len(before) < 10, "the sweep should have been killed halfway"
    result = cli("run", "selftest/sleepy", "--seeds", "10", "--workers", "1", "--store", str(store),
                 "--json", "--executor", executor, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == len(before) and summary["done"] == 10 - len(before)
    after = _rows(store)
    assert sorted(row[2] for row in after) == list(range(10))  # every seed once: no duplicates
    assert set(before) <= set(after)  # finished rows untouched (same finished_at and metrics)


def test_verify_json_has_the_documented_keys(tmp_path, cli):
    result = cli("verify", "selftest", "--budget", "quick", "--store", str(tmp_path / "s.sqlite"),
                        "--json", "--executor", "inline", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (verdict,) = json.loads(result.stdout)
    for key in ("claim", "verdict", "holds", "statistic", "value", "ci", "threshold", "paper_value"):
        assert key in verdict
    assert verdict["claim"] == "selftest.mean_below_one"
    assert verdict["verdict"] in ("holds", "fails", "inconclusive")
    assert verdict["holds"] == (verdict["verdict"] == "holds")
    assert len(verdict["ci"]) == 2 and verdict["ci"][0] <= verdict["value"] <= verdict["ci"][1]


def test_report_writes_table_and_figures(tmp_path, cli):
    store = tmp_path / "s.sqlite"
    assert cli("verify", "copg", "--budget", "smoke", "--store", str(store), "--executor", "inline",
               cwd=tmp_path).returncode == 0
    result = cli("report", "--store", str(store), "--out", str(tmp_path / "reports"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "reports" / "README.md").read_text()
    assert "| `copg.fixed_point` |" in text and "| `copg.baselines_biased` |" in text
    assert (tmp_path / "reports" / "figures" / "copg.baselines_biased.png").stat().st_size > 10_000
    verdicts = json.loads((tmp_path / "reports" / "verdicts.json").read_text())
    assert {v["claim"] for v in verdicts} >= {"copg.fixed_point", "copg.baselines_biased"}


def test_report_without_store_is_a_clear_error(tmp_path, cli):
    result = cli("report", "--store", str(tmp_path / "missing.sqlite"), cwd=tmp_path)
    assert result.returncode == 2 and "no store" in result.stderr


def test_unreachable_ray_address_fails_fast_and_leaves_store_unchanged(tmp_path, cli):
    store = tmp_path / "s.sqlite"
    assert cli("run", "selftest/sleepy", "--budget", "smoke", "--store", str(store), "--executor", "inline",
               cwd=tmp_path).returncode == 0
    before = _rows(store)
    start = time.time()
    result = cli("run", "selftest/sleepy", "--seeds", "5", "--executor", "ray", "--address", "127.0.0.1:9",
                 "--store", str(store), cwd=tmp_path)
    assert result.returncode == 2 and "unreachable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.time() - start < 60  # seconds of our own, the rest is interpreter start-up on a loaded machine
    assert _rows(store) == before
