"""Throughput of the executors on the same sweep: 8 seeds of copg/toy_bandit at the smoke budget, one seed per
task, through the local process pool and a local Ray cluster (start-up included, as a user would see it)."""
from __future__ import annotations

import pytest

from benchmarks.executors import ExecutorOptions
from benchmarks.registry import find_experiment, load_suites
from benchmarks.runner import execute, plan
from benchmarks.store import open_store

SEEDS = "8"


def _sweep(tmp_path, executor: str) -> int:
    experiment = find_experiment(load_suites(), "copg/toy_bandit")
    store = open_store(tmp_path / f"{executor}.sqlite")
    runs = plan([experiment], "smoke", SEEDS, {}, store)
    summary = execute(runs, store, executor, ExecutorOptions(workers=2, seeds_per_task=1))
    store.close()
    return summary.done


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_executor_throughput(benchmark, tmp_path_factory, executor):
    pytest.importorskip("ray") if executor == "ray" else None
    done = benchmark.pedantic(lambda: _sweep(tmp_path_factory.mktemp(executor), executor), rounds=1, iterations=1)
    assert done == int(SEEDS)
