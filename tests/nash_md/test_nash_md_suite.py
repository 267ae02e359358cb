"""The nash_md suite end to end at the smoke budget (CLI, inline executor, tmp store) and its config checks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.registry import ConfigError
from benchmarks.suites.nash_md import SUITE

REPO = Path(__file__).resolve().parents[2]
CLAIMS = {"nash_md.last_iterate_rate", "nash_md.constant_step_floor", "nash_md.unregularised_cycling",
          "nash_md.rlhf_not_nash", "nash_md.pg_mixture_bias"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, CLAIMBENCH_SUITES="nash_md", COLUMNS="200",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_smoke_verify_produces_all_verdicts_and_figures(tmp_path):
    store = tmp_path / "store.sqlite"
    result = _cli("verify", "nash_md", "--budget", "smoke", "--executor", "inline", "--store", str(store), "--json",
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    verdicts = {v["claim"]: v for v in json.loads(result.stdout)}
    assert set(verdicts) == CLAIMS
    for verdict in verdicts.values():
        assert verdict["verdict"] in ("holds", "fails", "inconclusive", "invalid"), verdict
        assert {"statistic", "value", "ci", "threshold", "paper_value"} <= set(verdict)
    # exact parts hold even at the smoke budget
    rlhf = verdicts["nash_md.rlhf_not_nash"]["details"]
    assert rlhf["elo_p_nash_beats_rlhf"] == pytest.approx(50 / 99, abs=1e-12)
    assert rlhf["parts"]["control_lp_matches_closed_form"] == "holds" and rlhf["parts"]["bt_games_agree"] == "holds"
    assert verdicts["nash_md.last_iterate_rate"]["details"]["parts"]["bound_every_curve"] == "holds"
    report = _cli("report", "--store", str(store), "--out", str(tmp_path / "reports"), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    figures = {p.name for p in (tmp_path / "reports" / "figures").iterdir()}
    assert {f"{claim}.png" for claim in CLAIMS} <= figures


@pytest.mark.parametrize("experiment, key, value, fragment", [
    ("nash_md/last_iterate", "taus", "0.1,-1", "taus must be"),
    ("nash_md/last_iterate", "mu", "0.5,0.5,0", "full support"),
    ("nash_md/last_iterate", "sizes", "1,3", "sizes"),
    ("nash_md/last_iterate", "control_eta_tau", "1.5", "control_eta_tau"),
    ("nash_md/last_iterate", "rate_games", "0", "rate_games"),
    ("nash_md/constant_step", "etas", "1,2,10", "eta·tau <= 1"),
    ("nash_md/rlhf_vs_nash", "epsilon_high", "0.5", "epsilon"),
    ("nash_md/pg_bias", "betas", "0,1.5", "betas"),
    ("nash_md/pg_bias", "game", "chess", "game"),
    ("nash_md/cycling", "tau", "-0.1", "tau must be"),
])
def test_bad_config_values_raise_config_errors(experiment, key, value, fragment):
    exp = next(e for e in SUITE.experiments if e.name == experiment)
    with pytest.raises(ConfigError, match=fragment):
        exp.config("quick", {key: value})


def test_bad_config_exits_2_on_the_cli(tmp_path):
    result = _cli("run", "nash_md/pg_bias", "--set", "tau=-1", "--store", str(tmp_path / "s.sqlite"), cwd=tmp_path)
    assert result.returncode == 2
    assert "tau must be > 0" in result.stderr and "Traceback" not in result.stderr
