"""The executors: identical rows through every backend, and a worker killed mid-sweep is retried."""
from __future__ import annotations

import pytest

from benchmarks.executors import ExecutorOptions
from benchmarks.registry import find_experiment, load_suites
from benchmarks.runner import execute, plan
from benchmarks.store import open_store

EXECUTORS = ["inline", "local", "ray", "submitit"]


@pytest.fixture(scope="module")
def ray_cluster(plugin_env_module):
    """One local Ray cluster for this module (the backend leaves a cluster it did not start running)."""
    ray = pytest.importorskip("ray")
    import os

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {k: os.environ[k] for k in ("CLAIMBENCH_PLUGINS", "CLAIMBENCH_SUITES",
                                                                  "PYTHONPATH") if k in os.environ}})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def environment(plugin_env_module, tmp_path_factory):
    import os
    from pathlib import Path

    plugin_dir = str(Path(__file__).parent / "plugins")
    patch = pytest.MonkeyPatch()
    patch.setenv("PYTHONPATH", os.pathsep.join([plugin_dir, os.environ.get("PYTHONPATH", "")]))
    yield
    patch.undo()


def _sweep(tmp_path, executor: str, targets: list[tuple[str, dict]], retries: int = 0):
    suites = load_suites()
    store = open_store(tmp_path / f"{executor}.sqlite")
    runs = []
    for name, overrides in targets:
        runs += plan([find_experiment(suites, name)], "smoke", "3", overrides, store)
    summary = execute(runs, store, executor, ExecutorOptions(workers=2, retries=retries))
    rows = [(r["experiment"], r["config_hash"], r["seed"], r["status"], r["metrics"], r["series"])
            for r in store.rows()]
    store.close()
    return summary, rows


def test_same_sweep_gives_identical_rows_through_every_executor(tmp_path, environment, ray_cluster):
    targets = [("selftest/sleepy", {}), ("copg/toy_bandit", {})]
    rows = {}
    for executor in EXECUTORS:
        summary, rows[executor] = _sweep(tmp_path, executor, targets)
        assert summary.failed == 0 and summary.done == 6, (executor, summary.errors)
    for executor in EXECUTORS[1:]:
        assert rows[executor] == rows["inline"], executor


@pytest.mark.parametrize("executor", ["local", "ray", "submitit"])
def test_killed_worker_is_recorded_then_retried(tmp_path, environment, ray_cluster, executor):
    markers = tmp_path / "markers"
    markers.mkdir()
    target = [("selftest/dies_once", {"marker_dir": str(markers)})]
    (tmp_path / "a").mkdir()
    summary, rows = _sweep(tmp_path / "a", executor, target, retries=0)
    assert summary.failed >= 1 and any("seed 1" in e for e in summary.errors)
    assert {r[2]: r[3] for r in rows}[1] == "failed"
    for marker in markers.iterdir():
        marker.unlink()
    (tmp_path / "b").mkdir()
    summary, rows = _sweep(tmp_path / "b", executor, target, retries=1)
    assert summary.failed == 0 and summary.done == 3, summary.errors
    assert [r[3] for r in rows] == ["done"] * 3


def test_executors_module_does_not_import_numpy():
    """Worker thread limits for numpy's BLAS are set by the pool initializer; they only work if importing the
    executor module (what a spawned worker does first) has not loaded numpy yet."""
    import subprocess
    import sys

    code = "import sys, benchmarks.executors; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_pool_broken_between_submissions_loses_only_its_own_tasks(tmp_path, environment):
    """A worker dies after one wait and before the next submission: the new task goes to a fresh pool and
    completes; only the dead pool's task is recorded as lost (the race behind a flaky CI run)."""
    from benchmarks.executors import LocalPoolBackend, Task
    from benchmarks.registry import config_hash

    markers = tmp_path / "markers"
    markers.mkdir()
    experiment = find_experiment(load_suites(), "selftest/dies_once")
    config = experiment.config("smoke", {"marker_dir": str(markers)})
    doomed_task, fine_task = (Task(experiment.name, config, config_hash(config), (seed,)) for seed in (1, 2))
    backend = LocalPoolBackend(1)
    try:
        doomed = backend.submit(doomed_task)
        doomed.exception(timeout=120)  # the worker has killed itself: the pool is broken
        fine = backend.submit(fine_task)
        in_flight, outcomes = {doomed: doomed_task, fine: fine_task}, {}
        while in_flight:
            for handle, result in backend.wait_any(in_flight):
                outcomes[in_flight.pop(handle).seeds] = result
    finally:
        backend.close()
    assert outcomes[(1,)][0].error is not None and outcomes[(2,)][0].error is None
