"""The `invalid` status end to end: registry, evaluate, verify (table, --json, summary counts), report, list."""
from __future__ import annotations

import json

from benchmarks.cli import STATUS_STYLE, main
from benchmarks.evaluate import evaluate
from benchmarks.registry import STATUSES, Claim, RunRecord, Verdict
from benchmarks.report import STATUS_MARK


def test_statuses_include_invalid_and_every_one_has_a_mark_and_a_style():
    assert STATUSES == ("holds", "fails", "inconclusive", "invalid", "not run")
    assert set(STATUS_MARK) == set(STATUS_STYLE) == set(STATUSES)
    assert len(set(STATUS_MARK.values())) == len(STATUSES)  # its own symbol


def _claim(status: str) -> Claim:
    return Claim("t.c", "p", "s", "statement", ("t/e",), lambda records: Verdict("t.c", status, "x", 1.0, None, None),
                 controls=("a control",))


def test_evaluate_passes_invalid_through_and_rejects_unknown_statuses():
    records = {"t/e": [RunRecord("t/e", 0, {}, {"x": 1.0}, {})]}
    verdict, error = evaluate(_claim("invalid"), records)
    assert verdict.status == "invalid" and error is None
    verdict, error = evaluate(_claim("bogus"), records)
    assert verdict.status == "inconclusive" and "bogus" in verdict.explanation and error
    assert Claim("a", "p", "s", "t", (), lambda r: None).controls == ()


def test_invalid_in_verify_json_summary_table_report_and_list(controls_env, tmp_path, capsys):
    store, out = str(tmp_path / "s.sqlite"), tmp_path / "reports"
    assert main(["verify", "controls", "--budget", "quick", "--store", store, "--executor", "inline", "--json"]) == 0
    captured = capsys.readouterr()
    (verdict,) = json.loads(captured.out)
    assert verdict["verdict"] == "invalid" and verdict["holds"] is False
    assert verdict["controls"] == ["the placebo's effect stays below 0.1 (one-sided 95% bound)"]
    assert verdict["details"]["control"] == "fails"
    assert "verdicts: 1 invalid" in captured.err.splitlines()

    assert main(["verify", "controls", "--budget", "smoke", "--store", store, "--executor", "inline"]) == 0
    captured = capsys.readouterr()
    assert "verdicts: 1 holds" in captured.err.splitlines() and "holds" in captured.out

    assert main(["verify", "controls", "--budget", "quick", "--store", store, "--executor", "inline"]) == 0
    assert "invalid" in capsys.readouterr().out  # the table

    assert main(["report", "--store", store, "--out", str(out)]) == 0
    assert "1 invalid" in capsys.readouterr().out
    text = (out / "README.md").read_text()
    assert "| `controls.coin_fair` |" in text and "⛔ invalid |" in text and "Verdicts: " in text
    assert "- control: the placebo's effect stays below 0.1" in text
    verdicts = {v["claim"]: v for v in json.loads((out / "verdicts.json").read_text())}
    assert verdicts["controls.coin_fair"]["verdict"] == "invalid"
    assert verdicts["selftest.mean_below_one"]["verdict"] == "not run"

    assert main(["list", "--json"]) == 0
    listing = {s["suite"]: s for s in json.loads(capsys.readouterr().out)}
    assert listing["controls"]["claims"][0]["controls"] == verdict["controls"]
