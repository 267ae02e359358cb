"""The results store: one SQLite row per (experiment, config hash, seed).

Only the driver process writes. Each finished run is committed in its own transaction, so a killed sweep
loses at most the runs in flight; rerunning skips the rows whose status is ``done`` (resume).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.registry import ConfigError, RunRecord

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
        return [
            RunRecord(experiment, seed, json.loads(config), json.loads(metrics), json.loads(series))
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
