"""Shipped results (REVISION-2 §3): `report` writes the rows behind it, `report --from` regenerates the report from
them alone with identical verdicts, `import` merges rows into a store; bad input → one line, exit 2, nothing written."""
from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.store import RESULTS_SCHEMA, open_store_readonly, read_results, write_results

PLUGIN_DIR = Path(__file__).parent / "plugins"
KEYS = {"schema", "experiment", "config_hash", "seed", "config", "metrics", "series", "duration_s", "git_commit",
        "versions", "finished_at"}


def _table(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT * FROM runs ORDER BY experiment, config_hash, seed").fetchall()


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """Only the plugin suites, for the whole module; a store with the controls suite at smoke, and the report
    written from it (read-only for the tests)."""
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(PLUGIN_DIR))
    patch.setenv("CLAIMBENCH_PLUGINS", "harness_selftest,harness_controls")
    patch.setenv("CLAIMBENCH_SUITES", "__none__")
    folder = tmp_path_factory.mktemp("reported")
    store, out = folder / "s.sqlite", folder / "reports"
    assert main(["verify", "controls", "--budget", "smoke", "--store", str(store), "--executor", "inline"]) == 0
    assert main(["report", "--store", str(store), "--out", str(out)]) == 0
    yield store, out
    patch.undo()


def test_report_ships_the_rows_behind_it_reproducibly(reported, tmp_path, capsys):
    store, out = reported
    shipped = out / "results" / "controls.jsonl.gz"
    assert sorted(p.name for p in (out / "results").iterdir()) == ["controls.jsonl.gz"]  # selftest: not run, no rows
    rows = read_results(shipped)
    assert len(rows) == 10 and all(set(r) == KEYS and r["schema"] == RESULTS_SCHEMA for r in rows)
    assert {r["experiment"] for r in rows} == {"controls/coin", "controls/placebo"}
    coin = next(r for r in rows if r["experiment"] == "controls/coin")
    assert coin["config"] == {"p": 0.5, "flips": 20} and "heads" in coin["metrics"]
    assert len(coin["series"]["running_mean"]) == 20 and coin["git_commit"] and "numpy" in coin["versions"]
    assert main(["report", "--store", str(store), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "results" / "controls.jsonl.gz").read_bytes() == shipped.read_bytes()


def test_report_from_shipped_rows_regenerates_identical_verdicts(reported, tmp_path, cli):
    _, out = reported
    regenerated = tmp_path / "regenerated"
    clean = tmp_path / "clean-clone"  # no store anywhere: a fresh directory, in a real process
    clean.mkdir()
    env = {"CLAIMBENCH_PLUGINS": "harness_selftest,harness_controls", "CLAIMBENCH_SUITES": "__none__"}
    result = cli("report", "--from", str(out / "results"), "--out", str(regenerated), cwd=clean, env=env)
    assert result.returncode == 0, result.stderr
    assert (regenerated / "verdicts.json").read_text() == (out / "verdicts.json").read_text()
    assert (regenerated / "README.md").read_text() == (out / "README.md").read_text()
    assert (regenerated / "figures" / "controls.coin_fair.png").stat().st_size > 5_000
    assert not (regenerated / "results").exists() and not list(clean.iterdir())  # nothing else written


def test_import_merges_idempotently_from_files_and_stores(reported, tmp_path, capsys):
    store, out = reported
    target = tmp_path / "merged.sqlite"
    assert main(["import", str(out / "results" / "controls.jsonl.gz"), "--store", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"imported": 10, "already_present": 0, "store": str(target)}
    first = _table(target)
    assert main(["import", str(out / "results"), str(store), "--store", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 0  # idempotent, from a folder and a store alike
    assert _table(target) == first
    source, merged = open_store_readonly(store), open_store_readonly(target)
    for row in source.all_exported():  # same results and provenance as in the source
        assert merged.done_row((row["experiment"], row["config_hash"], row["seed"])) == row
    source.close()
    merged.close()


def test_import_adds_new_rows_and_replaces_failed_ones(reported, tmp_path, capsys):
    store, out = reported
    rows = read_results(out / "results" / "controls.jsonl.gz")
    extra = dict(rows[0], seed=99)
    write_results(tmp_path / "extra.jsonl.gz", [extra])
    target = tmp_path / "t.sqlite"
    assert main(["import", str(out / "results"), "--store", str(target)]) == 0
    with sqlite3.connect(target) as db:  # seed 0 of coin failed in this store: an import replaces it
        db.execute("UPDATE runs SET status='failed' WHERE seed=0 AND experiment='controls/coin'")
    assert main(["import", str(tmp_path / "extra.jsonl.gz"), str(out / "results"), "--store", str(target),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"imported": 2, "already_present": 9, "store": str(target)}
    assert len(_table(target)) == 11


def test_conflicting_row_exits_2_naming_the_key_and_leaves_the_store_unchanged(reported, tmp_path, capsys):
    _, out = reported
    rows = read_results(out / "results" / "controls.jsonl.gz")
    target = tmp_path / "t.sqlite"
    assert main(["import", str(out / "results"), "--store", str(target)]) == 0
    before = _table(target)
    changed = dict(rows[3], metrics={**rows[3]["metrics"], **{k: 0.123 for k in rows[3]["metrics"]}})
    new = dict(rows[0], seed=77)
    write_results(tmp_path / "new.jsonl.gz", [new])
    write_results(tmp_path / "conflict.jsonl.gz", [changed])
    capsys.readouterr()
    assert main(["import", str(tmp_path / "new.jsonl.gz"), str(tmp_path / "conflict.jsonl.gz"),
                 "--store", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    key = f"experiment {changed['experiment']} config {changed['config_hash']} seed {changed['seed']}"
    assert len(err) == 1 and "conflicting row" in err[0] and key in err[0], err
    assert _table(target) == before  # the new row was not written either
    # Two inputs disagreeing with each other: the same, before any store exists.
    fresh = tmp_path / "fresh.sqlite"
    assert main(["import", str(out / "results"), str(tmp_path / "conflict.jsonl.gz"), "--store", str(fresh)]) == 2
    assert key in capsys.readouterr().err and not fresh.exists()


def test_rerun_differing_only_in_timing_is_already_present(reported, tmp_path, capsys):
    _, out = reported
    rows = read_results(out / "results" / "controls.jsonl.gz")
    target = tmp_path / "t.sqlite"
    assert main(["import", str(out / "results"), "--store", str(target)]) == 0
    rerun = dict(rows[0], metrics={**rows[0]["metrics"], "timing/wall_s": 123.0},
                 series={**rows[0]["series"], "timing/steps": [1.0, 2.0]}, duration_s=99.0)
    write_results(tmp_path / "rerun.jsonl.gz", [rerun])
    capsys.readouterr()
    assert main(["import", str(tmp_path / "rerun.jsonl.gz"), "--store", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_present"] == 1


def _bad_inputs(tmp_path: Path, good: list[dict]) -> dict[str, tuple[Path, str]]:
    """name → (path, fragment of the error line)."""
    tmp_path.mkdir()
    cases = {"missing": (tmp_path / "nope.jsonl.gz", "no results file")}
    malformed = tmp_path / "malformed.jsonl.gz"
    lines = [json.dumps(good[0]), "{not json", json.dumps(good[1])]
    malformed.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    cases["malformed"] = (malformed, "malformed.jsonl.gz:2: malformed line")
    schema = tmp_path / "schema.jsonl.gz"
    write_results(schema, [dict(good[0], schema=RESULTS_SCHEMA + 1)])
    cases["schema"] = (schema, f"schema version {RESULTS_SCHEMA + 1}")
    garbage = tmp_path / "garbage.jsonl.gz"
    garbage.write_bytes(b"this is not gzip")
    cases["not gzip"] = (garbage, "cannot read")
    tampered = tmp_path / "tampered.jsonl.gz"
    write_results(tampered, [dict(good[0], config={**good[0]["config"], "flips": 21})])
    cases["hash"] = (tampered, "does not match its config")
    missing_key = tmp_path / "missing_key.jsonl.gz"
    write_results(missing_key, [{k: v for k, v in good[0].items() if k != "metrics"}])
    cases["missing key"] = (missing_key, "missing metrics")
    nan = tmp_path / "nan.jsonl.gz"
    nan.write_bytes(gzip.compress((json.dumps(dict(good[0], metrics={"heads": float("nan")})) + "\n").encode()))
    cases["nan"] = (nan, "metric 'heads' is nan")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    cases["empty folder"] = (empty_dir, "no *.jsonl.gz")
    return cases


CASES = ["missing", "malformed", "schema", "not gzip", "hash", "missing key", "nan", "empty folder"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_to_import_and_report_from_exits_2_and_writes_nothing(reported, tmp_path, capsys, case):
    _, out = reported
    path, fragment = _bad_inputs(tmp_path / "bad", read_results(out / "results" / "controls.jsonl.gz"))[case]
    target, regenerated = tmp_path / "t.sqlite", tmp_path / "regenerated"
    capsys.readouterr()
    assert main(["import", str(out / "results"), str(path), "--store", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not target.exists()
    assert main(["report", "--from", str(path), "--out", str(regenerated)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not regenerated.exists()


def test_report_from_and_store_are_exclusive(reported, tmp_path, capsys):
    assert main(["report", "--from", str(tmp_path), "--store", str(tmp_path / "s.sqlite")]) == 2
    assert "not allowed with" in capsys.readouterr().err


def test_records_list_metric_keys_in_sorted_order(tmp_path):
    """A check iterating metrics sees the same order from a store and from shipped rows (sorted either way)."""
    from benchmarks.store import RunRow, open_store

    store = open_store(tmp_path / "s.sqlite")
    store.write(RunRow("x/y", "h", 0, {}, "done", {"b": 1.0, "a": 2.0}, {"z": [1.0], "c": [2.0]}, 0.1))
    (record,) = store.records("x/y", "h")
    assert list(record.metrics) == ["a", "b"] and list(record.series) == ["c", "z"]
