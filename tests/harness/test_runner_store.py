"""Store, runner and determinism, in process."""
from __future__ import annotations

import threading

import pytest

from benchmarks.registry import Budget, ConfigError, find_experiment, load_suites
from benchmarks.runner import execute, make_tasks, parse_seeds, plan
from benchmarks.store import RunRow, open_store, open_store_readonly


def _row(seed: int, value: float = 1.0, status: str = "done") -> RunRow:
    return RunRow("x/y", "h", seed, {"a": 1}, status, {"v": value}, {"c": [1.0, 2.0]}, 0.1)


def test_store_round_trip_resume_and_replace(tmp_path):
    store = open_store(tmp_path / "s.sqlite", ("abc123", '{"numpy": "1"}'))
    store.write(_row(0))
    store.write(_row(1, status="failed"))
    assert store.done_seeds("x/y", "h") == {0}
    store.write(_row(1, value=2.0))  # a retried failure replaces the failed row
    assert store.done_seeds("x/y", "h") == {0, 1}
    records = store.records("x/y", "h")
    assert [r.metrics["v"] for r in records] == [1.0, 2.0] and records[0].series == {"c": [1.0, 2.0]}
    rows = store.rows()
    assert len(rows) == 2 and rows[0]["git_commit"] == "abc123" and rows[0]["versions"] == '{"numpy": "1"}'
    store.close()


def test_concurrent_writers_lose_no_rows(tmp_path):
    path = tmp_path / "s.sqlite"
    open_store(path).close()

    def writer(offset: int) -> None:
        store = open_store(path)
        for seed in range(offset, offset + 25):
            store.write(_row(seed))
        store.close()

    threads = [threading.Thread(target=writer, args=(k * 25,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert open_store_readonly(path).done_seeds("x/y", "h") == set(range(100))


def test_unwritable_store_is_a_config_error(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ConfigError, match="cannot write the store"):
        open_store(tmp_path / "f" / "s.sqlite")


def test_parse_seeds():
    assert parse_seeds(None, 3) == (0, 1, 2)
    assert parse_seeds("4", 3) == (0, 1, 2, 3)
    assert parse_seeds("2,5", 3) == (2, 5)
    assert parse_seeds("3-5", 3) == (3, 4, 5)
    assert parse_seeds(None, (5, 6, 7)) == (5, 6, 7)
    assert parse_seeds("2", (5, 6, 7)) == (0, 1)  # an explicit --seeds wins over the budget's
    with pytest.raises(ConfigError):
        parse_seeds("a", 3)


def test_budget_seed_list_starts_at_first_seed():
    assert Budget(3).seed_list() == (0, 1, 2)
    assert Budget(3, {}, first_seed=5).seed_list() == (5, 6, 7)


@pytest.fixture(autouse=True)
def _only_copg(monkeypatch):
    monkeypatch.setenv("CLAIMBENCH_SUITES", "copg")


def test_tasks_split_missing_seeds_over_workers():
    suites = load_suites()
    runs = plan([find_experiment(suites, "copg/toy_bandit")], "quick", "5", {}, None)
    tasks = make_tasks(runs, workers=2)
    assert [t.seeds for t in tasks] == [(0, 1, 2), (3, 4)]


def test_same_seed_twice_gives_identical_stored_metrics(tmp_path):
    suites = load_suites()
    experiment = find_experiment(suites, "copg/toy_bandit")
    stored = []
    for name in ("a", "b"):
        store = open_store(tmp_path / f"{name}.sqlite")
        runs = plan([experiment], "smoke", "0,1", {}, store)
        summary = execute(runs, store, executor="inline")
        assert summary.done == 2 and summary.failed == 0
        stored.append([(r.seed, r.metrics, r.series) for r in store.records(experiment.name, runs[0].config_hash)])
        store.close()
    assert stored[0] == stored[1]


def test_batched_seeds_match_single_seed_runs():
    """A seed's result does not depend on which other seeds share its vectorised task."""
    experiment = find_experiment(load_suites(), "copg/toy_bandit")
    config = experiment.config("smoke")
    together = experiment.run(config, (0, 1))
    alone = experiment.run(config, (1,))
    assert together[1].metrics == pytest.approx(alone[0].metrics, rel=1e-12, abs=1e-15)
