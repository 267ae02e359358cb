"""The HDPO suite end to end at the smoke budget (inline executor, temporary store), and CLI input errors."""
from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.evaluate import evaluate, gather
from benchmarks.registry import load_suites, select
from benchmarks.runner import execute, plan
from benchmarks.store import open_store


def test_smoke_budget_produces_all_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "hdpo")
    suites = load_suites()
    experiments, claims = select(suites, "hdpo")
    store = open_store(tmp_path / "store.sqlite")
    summary = execute(plan(experiments, "smoke", None, {}, store), store, executor="inline")
    assert summary.failed == 0 and summary.done > 0, summary.errors
    verdicts = {c.id: evaluate(c, gather(c, suites, store, "smoke"))[0] for c in claims}
    assert set(verdicts) == {"hdpo.backlog_optimal", "hdpo.lost_sales_near_optimal", "hdpo.beats_reinforce",
                             "hdpo.gnn_data_efficiency", "hdpo.serial_echelon"}
    for verdict in verdicts.values():
        assert verdict.status in ("holds", "fails", "inconclusive", "invalid"), verdict
        assert "check crashed" not in verdict.explanation
        data = verdict.to_json()
        assert {"statistic", "value", "ci", "threshold", "paper_value"} <= set(data)


def test_cli_rejects_negative_lead_time(tmp_path):
    env = {**os.environ, "CLAIMBENCH_SUITES": "hdpo"}
    done = subprocess.run([sys.executable, "-m", "benchmarks.cli", "run", "hdpo/backlog", "--set", "lead_times=-1",
                           "--store", str(tmp_path / "s.sqlite")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 2
    assert "lead_time" in done.stderr + done.stdout
