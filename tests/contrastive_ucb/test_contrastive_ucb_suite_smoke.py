"""The suite end to end at the smoke budget through the CLI (inline executor, temporary store): three verdicts
with statistic, CI, threshold and paper value; bad configs exit 2; the report draws each figure."""
from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from benchmarks.registry import load_suites

CLAIMS = {"contrastive_ucb.representation_recovery", "contrastive_ucb.sample_efficiency",
          "contrastive_ucb.markov_game"}


def test_smoke_verify_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "contrastive_ucb")
    store = str(tmp_path / "store.sqlite")
    assert main(["verify", "contrastive_ucb", "--budget", "smoke", "--store", store, "--executor", "inline",
                 "--json"]) == 0
    verdicts = {v["claim"]: v for v in json.loads(capsys.readouterr().out)}
    assert set(verdicts) == CLAIMS
    for verdict in verdicts.values():
        assert verdict["verdict"] in ("holds", "fails", "inconclusive", "invalid")
        assert verdict["statistic"] and verdict["threshold"] is not None and verdict["paper_value"]
        assert verdict["value"] is not None and verdict["ci"] is not None
        assert "Atari" in verdict["explanation"]
    # two smoke seeds cannot decide the seed-level claims
    assert verdicts["contrastive_ucb.sample_efficiency"]["verdict"] != "holds"
    assert verdicts["contrastive_ucb.representation_recovery"]["details"]["exact_sin_max"] < 1e-2
    out = tmp_path / "reports"
    assert main(["report", "--store", store, "--out", str(out)]) == 0
    for claim in CLAIMS:
        assert (out / "figures" / f"{claim}.png").stat().st_size > 10_000


@pytest.mark.parametrize("target, setting", [
    ("contrastive_ucb/representation", "rank=40"),
    ("contrastive_ucb/lock", "horizon=0"),
    ("contrastive_ucb/lock", "learners=bogus"),
    ("contrastive_ucb/game", "rank=99"),
])
def test_bad_config_exits_2(tmp_path, monkeypatch, target, setting, capsys):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "contrastive_ucb")
    assert main(["run", target, "--budget", "smoke", "--set", setting, "--store", str(tmp_path / "s.sqlite"),
                 "--executor", "inline"]) == 2
    assert "error" in capsys.readouterr().err


def test_suite_registered():
    suite = load_suites()["contrastive_ucb"]
    assert {c.id for c in suite.claims} == CLAIMS
