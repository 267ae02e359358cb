"""The results store: one SQLite row per (experiment, config hash, seed), and its exchange format.

Only the driver process writes. Each finished run is committed in its own transaction, so a killed sweep
loses at most the runs in flight; rerunning skips the rows whose status is ``done`` (resume).

Exchange format (shipped results, ``reports/results/<suite>.jsonl.gz``, and ``claimbench import``): gzipped
JSON lines, one finished run per line, keys ``schema`` (= :data:`RESULTS_SCHEMA`), ``experiment``,
``config_hash``, ``seed``, ``config`` (an object), ``metrics``, ``series``, ``duration_s`` and the provenance
``git_commit``, ``versions`` (an object), ``finished_at`` (Unix time). Rows are sorted by key and the gzip header
carries no time stamp, so the same rows give the same bytes.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.registry import ConfigError, RunRecord

RESULTS_SCHEMA = 1
"""Version of the exchange format; a file of another version is refused."""
RowKey = tuple[str, str, int]

DEFAULT_STORE = Path("results/claimbench.sqlite")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    experiment  TEXT    NOT NULL,
    config_hash TEXT    NOT NULL,
    seed        INTEGER NOT NULL,
    config      TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('done', 'failed')),
    metrics     TEXT    NOT NULL,
    series      TEXT    NOT NULL,
    duration_s  REAL    NOT NULL,
    git_commit  TEXT    NOT NULL,
    versions    TEXT    NOT NULL,
    error       TEXT,
    finished_at REAL    NOT NULL,
    PRIMARY KEY (experiment, config_hash, seed)
);
"""


@dataclass(frozen=True)
class RunRow:
    """One finished run (successful or not), as written by the driver."""

    experiment: str
    config_hash: str
    seed: int
    config: dict[str, Any]
    status: str
    metrics: dict[str, float]
    series: dict[str, list[float]]
    duration_s: float
    error: str | None = None


class Store:
    """A SQLite file of runs. Open it with :func:`open_store`, which checks that the path is writable."""

    def __init__(self, connection: sqlite3.Connection, path: Path, provenance: tuple[str, str]):
        self._db = connection
        self.path = path
        self._git_commit, self._versions = provenance

    def close(self) -> None:
        self._db.close()

    def done_seeds(self, experiment: str, config_hash: str) -> set[int]:
        """Seeds already finished successfully for this experiment and config."""
        rows = self._db.execute(
            "SELECT seed FROM runs WHERE experiment=? AND config_hash=? AND status='done'", (experiment, config_hash)
        )
        return {seed for (seed,) in rows}

    def write(self, row: RunRow) -> None:
        """Insert or replace one run, in its own transaction."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (row.experiment, row.config_hash, row.seed, json.dumps(row.config, sort_keys=True), row.status,
                 json.dumps(row.metrics), json.dumps(row.series), row.duration_s, self._git_commit,
                 self._versions, row.error, time.time()),
            )

    def records(self, experiment: str, config_hash: str, seeds: Iterable[int] | None = None) -> list[RunRecord]:
        """Finished runs of one experiment and config (optionally restricted to some seeds), by seed."""
        rows = self._db.execute(
            "SELECT seed, config, metrics, series FROM runs WHERE experiment=? AND config_hash=? AND status='done' "
            "ORDER BY seed", (experiment, config_hash),
        ).fetchall()
        wanted = None if seeds is None else set(seeds)
        return [  # keys in sorted order, so a check sees the same record from a store and from shipped rows
            RunRecord(experiment, seed, json.loads(config), _sorted_keys(json.loads(metrics)),
                      _sorted_keys(json.loads(series)))
            for seed, config, metrics, series in rows if wanted is None or seed in wanted
        ]

    def failures(self, experiment: str, config_hash: str) -> list[tuple[int, str]]:
        """(seed, error) of the failed runs of one experiment and config."""
        rows = self._db.execute(
            "SELECT seed, error FROM runs WHERE experiment=? AND config_hash=? AND status='failed' ORDER BY seed",
            (experiment, config_hash),
        )
        return list(rows)

    def rows(self) -> list[dict[str, Any]]:
        """Every row, as dictionaries (for inspection and tests)."""
        cursor = self._db.execute("SELECT * FROM runs ORDER BY experiment, config_hash, seed")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values)) for values in cursor]

    def durations(self, experiment: str, config_hash: str) -> list[float]:
        """Wall seconds per seed of the finished runs of one experiment and config."""
        rows = self._db.execute("SELECT duration_s FROM runs WHERE experiment=? AND config_hash=? AND status='done'",
                                (experiment, config_hash))
        return [float(d) for (d,) in rows]

    def exported(self, experiment: str, config_hash: str) -> list[dict[str, Any]]:
        """The finished runs of one experiment and config as exchange-format rows (provenance kept)."""
        cursor = self._db.execute("SELECT * FROM runs WHERE experiment=? AND config_hash=? AND status='done' "
                                  "ORDER BY seed", (experiment, config_hash))
        names = [d[0] for d in cursor.description]
        return [_exchange_row(dict(zip(names, values))) for values in cursor]

    def all_exported(self) -> list[dict[str, Any]]:
        """Every finished run as an exchange-format row (failed runs are not results and are left out)."""
        return [_exchange_row(row) for row in self.rows() if row["status"] == "done"]

    def done_row(self, key: RowKey) -> dict[str, Any] | None:
        """The finished run stored under (experiment, config hash, seed) as an exchange row, or None."""
        cursor = self._db.execute("SELECT * FROM runs WHERE experiment=? AND config_hash=? AND seed=? AND "
                                  "status='done'", key)
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        return None if found is None else _exchange_row(dict(zip(names, found)))

    def insert_exported(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write exchange-format rows with their own provenance, all in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(r["experiment"], r["config_hash"], r["seed"], json.dumps(r["config"], sort_keys=True), "done",
                  json.dumps(r["metrics"]), json.dumps(r["series"]), r["duration_s"], r["git_commit"],
                  json.dumps(r["versions"], sort_keys=True), None, r["finished_at"]) for r in rows],
            )


def open_store(path: str | os.PathLike[str], provenance: tuple[str, str] = ("unknown", "{}")) -> Store:
    """Open (creating if needed) the store at ``path``; a ConfigError if it cannot be created or written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError("file is read-only")
        if not os.access(path.parent, os.W_OK):
            raise PermissionError("directory is read-only")
        connection = sqlite3.connect(path, timeout=30.0, isolation_level="DEFERRED")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(_SCHEMA)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"cannot write the store at {str(path)!r}: {error}") from None
    return Store(connection, path, provenance)


def open_store_readonly(path: str | os.PathLike[str]) -> Store:
    """Open an existing store for reading; a ConfigError if there is none."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no store at {str(path)!r} (run `claimbench verify` first)")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.execute("SELECT count(*) FROM runs").fetchone()
    except sqlite3.Error as error:
        raise ConfigError(f"cannot read the store at {str(path)!r}: {error}") from None
    return Store(connection, path, ("unknown", "{}"))


def open_memory_store(rows: Sequence[dict[str, Any]] = ()) -> Store:
    """A store in memory holding ``rows`` (exchange format): ``claimbench report --from`` reads through it."""
    connection = sqlite3.connect(":memory:")
    connection.executescript(_SCHEMA)
    store = Store(connection, Path(":memory:"), ("unknown", "{}"))
    store.insert_exported(rows)
    return store


# ------------------------------------------------------------------------------------------------ exchange format

def row_key(row: dict[str, Any]) -> RowKey:
    """(experiment, config hash, seed): the identity of a run."""
    return (row["experiment"], row["config_hash"], row["seed"])


def _exchange_row(row: dict[str, Any]) -> dict[str, Any]:
    """A store row (JSON columns as text) → an exchange-format row."""
    try:
        versions = json.loads(row["versions"])
    except (TypeError, json.JSONDecodeError):
        versions = {"raw": row["versions"]}
    return {"schema": RESULTS_SCHEMA, "experiment": row["experiment"], "config_hash": row["config_hash"],
            "seed": int(row["seed"]), "config": json.loads(row["config"]), "metrics": json.loads(row["metrics"]),
            "series": json.loads(row["series"]), "duration_s": float(row["duration_s"]),
            "git_commit": row["git_commit"], "versions": versions, "finished_at": float(row["finished_at"])}


TIMING_PREFIX = "timing/"
"""Metric and series keys under this prefix are wall-clock measurements: never part of a result's identity."""


def _without_timing(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith(TIMING_PREFIX)}


def same_result(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two rows for one key agree when their config, metrics and series are equal (provenance may differ), the
    wall-clock ``timing/`` entries aside (a re-run of the same seed reproduces every other number, not its speed)."""
    return json.dumps(a["config"], sort_keys=True) == json.dumps(b["config"], sort_keys=True) and all(
        json.dumps(_without_timing(a[k]), sort_keys=True) == json.dumps(_without_timing(b[k]), sort_keys=True)
        for k in ("metrics", "series"))


def write_results(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write exchange rows to a gzipped JSON-lines file, sorted by key, reproducibly (no time in the gzip header).
    Returns the number of rows."""
    ordered = sorted(rows, key=row_key)
    text = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in ordered)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as archive:
        archive.write(text.encode())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return len(ordered)


_ROW_TYPES: dict[str, type | tuple[type, ...]] = {
    "schema": int, "experiment": str, "config_hash": str, "seed": int, "config": dict, "metrics": dict,
    "series": dict, "duration_s": (int, float), "git_commit": str, "versions": dict, "finished_at": (int, float),
}


def _row_problem(row: Any) -> str | None:
    """Why ``row`` is not a valid exchange row, or None."""
    if not isinstance(row, dict):
        return "not a JSON object"
    if "schema" in row and row["schema"] != RESULTS_SCHEMA:
        return f"schema version {row['schema']!r} (this claimbench reads version {RESULTS_SCHEMA})"
    missing = [k for k in _ROW_TYPES if k not in row]
    if missing:
        return f"missing {', '.join(missing)}"
    for key, kind in _ROW_TYPES.items():
        if not isinstance(row[key], kind) or isinstance(row[key], bool):
            return f"{key} is not a {getattr(kind, '__name__', 'number')}"
    if row["seed"] < 0:
        return f"negative seed {row['seed']}"
    for name, value in row["metrics"].items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"metric {name!r} is {value!r} (a finished run has finite metrics)"
    if any(not isinstance(v, list) for v in row["series"].values()):
        return "a series is not a list"
    digest = hashlib.sha256(json.dumps(row["config"], sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    if digest[:16] != row["config_hash"]:
        return f"config_hash {row['config_hash']} does not match its config ({digest[:16]})"
    return None


def read_results(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of one exchange file (``.jsonl.gz`` or ``.jsonl``), every line validated; a ConfigError naming
    the file and line otherwise (missing file, unreadable gzip, malformed JSON, wrong schema version)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no results file at {str(path)!r}")
    opener = gzip.open if path.name.endswith(".gz") else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ConfigError(f"{path}:{number}: malformed line ({error.msg})") from None
                problem = _row_problem(row)
                if problem:
                    raise ConfigError(f"{path}:{number}: {problem}")
                rows.append(row)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {str(path)!r}: {error}") from None
    return rows


def is_sqlite(path: Path) -> bool:
    """True if the file starts with SQLite's magic header."""
    with open(path, "rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def read_source(source: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Exchange rows from a results file, a folder of ``*.jsonl.gz`` files, or a SQLite store (its finished
    runs). A ConfigError for anything missing or malformed."""
    path = Path(source)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl.gz"))
        if not files:
            raise ConfigError(f"no *.jsonl.gz results files in {str(path)!r}")
        return [row for file in files for row in read_results(file)]
    if path.is_file() and is_sqlite(path):
        store = open_store_readonly(path)
        try:
            return store.all_exported()
        finally:
            store.close()
    return read_results(path)


def merge_plan(rows: Iterable[dict[str, Any]], target: Store | None) -> tuple[list[dict[str, Any]], int]:
    """The rows to add to ``target`` (new keys, or keys the target holds only as failed runs) and how many are
    already there unchanged. Rows that disagree with each other or with the target for the same key are a
    ConfigError naming the key; nothing is decided partly."""
    chosen: dict[RowKey, dict[str, Any]] = {}
    for row in rows:
        key = row_key(row)
        if key in chosen and not same_result(chosen[key], row):
            raise ConfigError(f"conflicting rows for {_key_text(key)} among the inputs")
        chosen.setdefault(key, row)
    new, present = [], 0
    for key, row in sorted(chosen.items()):
        stored = target.done_row(key) if target is not None else None
        if stored is None:
            new.append(row)
        elif same_result(stored, row):
            present += 1
        else:
            raise ConfigError(f"conflicting row for {_key_text(key)}: the store holds different results "
                              f"(store unchanged)")
    return new, present


def _key_text(key: RowKey) -> str:
    experiment, digest, seed = key
    return f"experiment {experiment} config {digest} seed {seed}"


def _sorted_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with its keys in sorted order (checks that iterate metrics see one canonical order)."""
    return dict(sorted(mapping.items()))
