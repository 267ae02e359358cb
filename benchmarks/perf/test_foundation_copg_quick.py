"""Speed of the quick CoPG toy-bandit run (5 seeds × 4 methods × 300 epochs of 10⁴ pairs, one batched program)."""
from __future__ import annotations

from benchmarks.registry import find_experiment, load_suites


def test_copg_toy_bandit_quick_run(benchmark):
    experiment = find_experiment(load_suites(), "copg/toy_bandit")
    config = experiment.config("quick")
    results = benchmark.pedantic(experiment.run, args=(config, tuple(range(5))), rounds=1, iterations=1)
    assert len(results) == 5
