"""`claimbench plan`, `--seeds-per-task`, and `--set` at suite level."""
from __future__ import annotations

import json
import sqlite3
import statistics

import pytest

from benchmarks.cli import main
from benchmarks.registry import ConfigError, load_suites
from benchmarks.runner import make_tasks, plan, route_overrides


def _rows(store) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT experiment, seed, config, metrics FROM runs ORDER BY experiment, seed").fetchall()


def test_plan_without_store_says_unknown_and_writes_nothing(controls_env, tmp_path, capsys):
    store = tmp_path / "none.sqlite"
    assert main(["plan", "controls", "--budget", "smoke", "--store", str(store), "--workers", "2", "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert [e["experiment"] for e in planned["experiments"]] == ["controls/coin", "controls/placebo"]
    for line in planned["experiments"]:
        assert (line["seeds"], line["stored"], line["to_run"], line["tasks"]) == (5, 0, 5, 2)
        assert line["seconds_per_seed"] is None and line["cpu_s"] is None
    assert planned["total_cpu_s"] is None and not store.exists()
    assert main(["plan", "controls", "--budget", "smoke", "--store", str(store)]) == 0
    assert "unknown" in capsys.readouterr().out


def test_plan_estimates_cpu_time_from_stored_durations(controls_env, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["run", "controls", "--budget", "smoke", "--store", str(store), "--executor", "inline"]) == 0
    before = _rows(store)
    assert main(["plan", "controls", "--budget", "smoke", "--seeds", "8", "--seeds-per-task", "1", "--store",
                 str(store), "--json"]) == 0
    planned = {e["experiment"]: e for e in json.loads(capsys.readouterr().out)["experiments"]}
    with sqlite3.connect(store) as db:
        durations = [d for (d,) in db.execute("SELECT duration_s FROM runs WHERE experiment='controls/coin'")]
    coin = planned["controls/coin"]
    assert (coin["seeds"], coin["stored"], coin["to_run"], coin["tasks"]) == (8, 5, 3, 3)
    assert coin["seconds_per_seed"] == pytest.approx(statistics.median(durations))
    assert coin["cpu_s"] == pytest.approx(3 * coin["seconds_per_seed"])
    assert coin["cpu_all_s"] == pytest.approx(8 * coin["seconds_per_seed"])
    assert planned["controls/placebo"]["cpu_s"] is not None
    assert main(["plan", "controls", "--budget", "quick", "--store", str(store), "--json"]) == 0
    assert all(e["cpu_s"] is None for e in json.loads(capsys.readouterr().out)["experiments"])  # other config
    assert _rows(store) == before  # plan runs nothing


def test_seeds_per_task_overrides_batching_and_leaves_results_unchanged(controls_env, tmp_path):
    suites = load_suites()
    runs = plan(suites["controls"].experiments, "smoke", "7", {}, None)
    assert [t.seeds for t in make_tasks(runs[:1], workers=1)] == [tuple(range(7))]
    assert [t.seeds for t in make_tasks(runs[:1], workers=1, seeds_per_task=3)] == [(0, 1, 2), (3, 4, 5), (6,)]
    with pytest.raises(ConfigError, match="--seeds-per-task"):
        make_tasks(runs, workers=1, seeds_per_task=0)
    stores = [tmp_path / "batched.sqlite", tmp_path / "one.sqlite"]
    assert main(["run", "controls/placebo", "--seeds", "4", "--store", str(stores[0]), "--executor", "inline"]) == 0
    assert main(["run", "controls/placebo", "--seeds", "4", "--seeds-per-task", "1", "--store", str(stores[1]),
                 "--executor", "inline"]) == 0
    assert _rows(stores[0]) == _rows(stores[1])


@pytest.mark.parametrize("command", ["run", "verify", "plan"])
def test_seeds_per_task_must_be_positive(controls_env, tmp_path, capsys, command):
    assert main([command, "controls", "--seeds-per-task", "0", "--store", str(tmp_path / "s.sqlite")]) == 2
    assert "--seeds-per-task must be >= 1" in capsys.readouterr().err
    assert not (tmp_path / "s.sqlite").exists()


def test_set_key_no_selected_experiment_has_exits_2_naming_valid_keys(controls_env, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["run", "controls", "--set", "bta=0.1", "--store", str(store), "--executor", "inline"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown config key 'bta'" in err[0], err
    assert "controls/coin: p, flips" in err[0] and "controls/placebo: bias" in err[0]
    assert not store.exists()  # nothing run
    assert main(["plan", "controls", "--set", "bta=0.1", "--store", str(store)]) == 2


def test_set_key_some_experiments_have_applies_to_those_only_and_says_so(controls_env, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["run", "controls", "--budget", "smoke", "--set", "p=0.25", "--store", str(store),
                 "--executor", "inline"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "--set p applies to controls/coin only (not controls/placebo)" in err
    configs = {(experiment, json.loads(config)["p" if "coin" in experiment else "bias"])
               for experiment, _, config, _ in _rows(store)}
    assert configs == {("controls/coin", 0.25), ("controls/placebo", 0.0)}
    assert main(["run", "controls", "--set", "p=2", "--store", str(store)]) == 2  # validated where it applies
    assert "p must be in [0, 1]" in capsys.readouterr().err


def test_route_overrides(controls_env):
    experiments = load_suites()["controls"].experiments
    routed, notes = route_overrides(experiments, {"p": "0.3", "bias": "1"})
    assert routed == {"controls/coin": {"p": "0.3"}, "controls/placebo": {"bias": "1"}} and len(notes) == 2
    assert route_overrides(experiments[:1], {"nosuch": "1"}) == ({"controls/coin": {"nosuch": "1"}}, [])
    with pytest.raises(ConfigError, match="unknown config key 'nosuch'"):
        route_overrides(experiments, {"nosuch": "1"})


def test_decide_is_an_optional_budget(tmp_path, capsys):
    """``decide`` runs only the experiments that define it; where none does, one line and exit 2."""
    from benchmarks.cli import main

    store = str(tmp_path / "s.sqlite")
    assert main(["plan", "copg", "--budget", "decide", "--store", store]) == 2
    assert "no selected experiment has the budget 'decide'" in capsys.readouterr().err
