"""The polychromic suite's smoke budget end to end through the CLI (inline executor, temporary store), on both
environments (FourRooms and BabyAI GoToLocal)."""
from __future__ import annotations

import json

from benchmarks.cli import main


def test_smoke_budget_produces_five_verdicts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "polychromic")
    store = str(tmp_path / "store.sqlite")
    code = main(["verify", "polychromic", "--budget", "smoke", "--executor", "inline", "--store", store, "--json"])
    assert code == 0
    out = capsys.readouterr().out
    verdicts = json.loads(out)
    ids = {v["claim"] for v in verdicts}
    assert ids == {"polychromic.coverage", "polychromic.success", "polychromic.diversity",
                   "polychromic.robustness", "polychromic.negative_control"}
    for v in verdicts:
        assert {"statistic", "value", "ci", "threshold", "paper_value"} <= set(v)
        assert v["verdict"] == "inconclusive"  # two seeds can never decide (a verdict needs 5)
        assert v["details"]["status_by_env"].keys() == {"fourrooms", "babyai"}
        assert "FourRooms: inconclusive" in v["explanation"] and "BabyAI GoToLocal: inconclusive" in v["explanation"]
        assert "too few seeds" in v["explanation"] + json.dumps(v["details"], ensure_ascii=False)
