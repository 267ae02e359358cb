"""The CoPG suite end to end at the smoke budget: `claimbench verify copg` (inline executor, temporary store)
prints six verdicts with their statistic, CI and threshold, and the report draws each claim's figure."""
from __future__ import annotations

import json

from benchmarks.cli import main

CLAIMS = {"copg.fixed_point", "copg.baselines_biased", "copg.unbiased_on_policy", "copg.rloo_equivalence",
          "copg.ipo_equivalence", "copg.baseline_identity"}


def test_smoke_verify_and_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "copg")
    store = str(tmp_path / "store.sqlite")
    assert main(["verify", "copg", "--budget", "smoke", "--store", store, "--executor", "inline", "--json"]) == 0
    verdicts = {v["claim"]: v for v in json.loads(capsys.readouterr().out)}
    assert set(verdicts) == CLAIMS
    for verdict in verdicts.values():
        assert verdict["verdict"] in ("holds", "fails", "inconclusive", "invalid")
        assert verdict["statistic"] and verdict["threshold"] is not None and verdict["paper_value"]
        assert "ci" in verdict and verdict["value"] is not None
    # algebraic identities hold at any budget; the training claims cannot converge in a few epochs
    for claim in ("copg.rloo_equivalence", "copg.ipo_equivalence", "copg.baseline_identity"):
        assert verdicts[claim]["verdict"] == "holds", verdicts[claim]["explanation"]
    assert verdicts["copg.rloo_equivalence"]["value"] < 1e-10
    assert verdicts["copg.fixed_point"]["verdict"] == "inconclusive"  # 6 instances < 50, not converged
    assert verdicts["copg.fixed_point"]["details"]["random_exact_max_kl"] < 1e-6

    out = tmp_path / "reports"
    assert main(["report", "--store", store, "--out", str(out)]) == 0
    for claim in CLAIMS:
        assert (out / "figures" / f"{claim}.png").stat().st_size > 10_000
