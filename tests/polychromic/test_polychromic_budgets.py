"""The polychromic budgets as data: the deciding budget runs fresh seeds that no pilot used."""
from __future__ import annotations

from benchmarks.registry import find_experiment, load_suites
from benchmarks.runner import plan


def test_decide_budget_runs_twelve_fresh_seeds_at_one_million_steps(monkeypatch):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "polychromic")
    suites = load_suites()
    for name in ("polychromic/ppo", "polychromic/babyai_poly_ppo"):
        run = plan([find_experiment(suites, name)], "decide", None, {}, None)[0]
        assert run.seeds == tuple(range(5, 17))  # pre-registered; seeds 0-4 were the 1M pilot
        assert run.config.total_steps == 1_000_000
    quick = plan([find_experiment(suites, "polychromic/ppo")], "quick", None, {}, None)[0]
    assert quick.seeds == tuple(range(5))
