"""The cpl suite end to end at the smoke budget through the CLI (inline executor, temporary store)."""
from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from benchmarks.suites.cpl.experiments import ConservativeConfig, DiscountedConfig, FiniteHorizonConfig, MinigridConfig


def test_smoke_verify_produces_all_six_verdicts(tmp_path, capsys):
    store = tmp_path / "cpl.sqlite"
    code = main(["verify", "cpl", "--budget", "smoke", "--store", str(store), "--executor", "inline", "--json"])
    assert code == 0
    verdicts = json.loads(capsys.readouterr().out)
    assert [v["claim"] for v in verdicts] == ["cpl.consistency", "cpl.wrong_model_bias",
                                              "cpl.reward_learns_advantage", "cpl.conservative_tradeoff",
                                              "cpl.hard_labels", "cpl.minigrid_scale"]
    for v in verdicts:
        assert v["verdict"] in ("holds", "fails", "inconclusive", "invalid")
        assert {"statistic", "value", "ci", "threshold", "paper_value", "details"} <= set(v)


@pytest.mark.parametrize("cls, field, value", [
    (DiscountedConfig, "alpha", 0.0), (DiscountedConfig, "gamma", 1.0), (DiscountedConfig, "pair_counts", (10, 5)),
    (FiniteHorizonConfig, "segment_length", 9), (ConservativeConfig, "lambdas", (0.5, 1.0)),
    (MinigridConfig, "epsilon", 1.5), (MinigridConfig, "env_id", "CartPole-v1"),
])
def test_bad_configs_raise(cls, field, value):
    with pytest.raises(ValueError):
        cls(**{field: value})


def test_cli_rejects_bad_alpha_with_exit_2(tmp_path):
    assert main(["run", "cpl/discounted", "--budget", "smoke", "--set", "alpha=-1", "--store",
                 str(tmp_path / "s.sqlite"), "--executor", "inline"]) == 2
