"""The driver: plan the runs a sweep needs, skip those already stored, execute the rest, store each result.

A sweep is a list of (experiment, config) pairs at a budget and a set of seeds. Seeds already ``done`` in the
store are skipped (resume). Missing seeds are split into tasks of at most ``seeds_per_task`` seeds (vectorised
experiments run a whole task in one tensor program).
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import math
import statistics
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.executors import ExecutorOptions, Outcome, Task, default_workers, make_backend, run_tasks
from benchmarks.registry import ConfigError, Experiment, config_hash
from benchmarks.store import RunRow, Store


@dataclass(frozen=True)
class PlannedRun:
    """One experiment at one config over some seeds, and which of them still have to run."""

    experiment: Experiment
    config: Any
    config_hash: str
    seeds: tuple[int, ...]
    missing: tuple[int, ...]


@dataclass
class SweepSummary:
    """Counts of what a sweep did."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    wall_s: dict[str, float] = dataclasses.field(default_factory=dict)


def parse_seeds(text: str | None, default: int | Sequence[int]) -> tuple[int, ...]:
    """``None`` → the default seeds (``0..default-1`` for an int); "N" → 0..N-1; "a,b,c" → those seeds; "a-b" →
    a..b inclusive."""
    if text is None:
        return tuple(range(default)) if isinstance(default, int) else tuple(default)
    try:
        if "," in text:
            seeds = tuple(int(s) for s in text.split(",") if s.strip())
        elif "-" in text.strip("-"):
            low, high = (int(s) for s in text.split("-"))
            seeds = tuple(range(low, high + 1))
        else:
            seeds = tuple(range(int(text)))
    except ValueError:
        raise ConfigError(f"--seeds: expected N, a,b,c or a-b, got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise ConfigError(f"--seeds: need at least one non-negative seed, got {text!r}")
    return seeds


def route_overrides(experiments: Sequence[Experiment],
                    overrides: Mapping[str, str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Which ``--set`` keys go to which experiment: per experiment name, the overrides whose key is one of its
    config fields, and one note per key that only some experiments have. One experiment gets every key (its
    config rejects unknown ones with the valid keys). A key that no selected experiment has is a ConfigError
    naming it and each experiment's valid keys."""
    if len(experiments) == 1:
        return {experiments[0].name: dict(overrides)}, []
    routed: dict[str, dict[str, str]] = {e.name: {} for e in experiments}
    notes = []
    for key, value in overrides.items():
        takers = [e.name for e in experiments if key in e.config_keys()]
        if not takers:
            valid = "; ".join(f"{e.name}: {', '.join(e.config_keys())}" for e in experiments)
            raise ConfigError(f"unknown config key {key!r}: no selected experiment has it (valid keys — {valid})")
        for name in takers:
            routed[name][key] = value
        if len(takers) < len(experiments):
            others = [e.name for e in experiments if e.name not in takers]
            notes.append(f"--set {key} applies to {', '.join(takers)} only (not {', '.join(others)})")
    return routed, notes


def plan(experiments: Sequence[Experiment], budget: str, seeds_text: str | None,
         overrides: Mapping[str, str], store: Store | None) -> list[PlannedRun]:
    """Configs (validated) and missing seeds of every experiment. Raises ConfigError on bad input."""
    routed, _ = route_overrides(experiments, overrides)
    runs = []
    for experiment in experiments:
        config = experiment.config(budget, routed[experiment.name])
        seeds = parse_seeds(seeds_text, experiment.budgets[budget].seed_list())
        digest = config_hash(config)
        done = store.done_seeds(experiment.name, digest) if store else set()
        runs.append(PlannedRun(experiment, config, digest, seeds, tuple(s for s in seeds if s not in done)))
    return runs


def make_tasks(runs: Sequence[PlannedRun], workers: int, seeds_per_task: int | None = None) -> list[Task]:
    """Split each run's missing seeds into tasks of at most ``seeds_per_task`` seeds (the command line's
    ``--seeds-per-task``, else the experiment's own), or evenly over the workers when neither is set."""
    if seeds_per_task is not None and seeds_per_task < 1:
        raise ConfigError(f"--seeds-per-task must be >= 1, got {seeds_per_task}")
    tasks = []
    for run in runs:
        if not run.missing:
            continue
        size = seeds_per_task or run.experiment.seeds_per_task or math.ceil(len(run.missing) / workers)
        for start in range(0, len(run.missing), size):
            tasks.append(Task(run.experiment.name, run.config, run.config_hash, run.missing[start:start + size]))
    return tasks


@dataclass(frozen=True)
class CostLine:
    """``claimbench plan``: one experiment's seeds, what is stored, the tasks left and the estimated CPU time."""

    experiment: str
    config_hash: str
    seeds: int
    stored: int
    to_run: int
    tasks: int
    seconds_per_seed: float | None
    """Median stored wall seconds per seed at this config; None when the store has none (unknown)."""

    @property
    def cpu_s(self) -> float | None:
        """Estimated CPU seconds of the seeds left to run (seconds per seed × seeds to run)."""
        if self.to_run == 0:
            return 0.0
        return None if self.seconds_per_seed is None else self.seconds_per_seed * self.to_run

    @property
    def cpu_all_s(self) -> float | None:
        """Estimated CPU seconds of every seed of the plan, stored or not (what a fresh cluster run costs)."""
        return None if self.seconds_per_seed is None else self.seconds_per_seed * self.seeds

    def to_json(self) -> dict[str, Any]:
        return {"experiment": self.experiment, "config_hash": self.config_hash, "seeds": self.seeds,
                "stored": self.stored, "to_run": self.to_run, "tasks": self.tasks,
                "seconds_per_seed": self.seconds_per_seed, "cpu_s": self.cpu_s, "cpu_all_s": self.cpu_all_s}


def cost(runs: Sequence[PlannedRun], workers: int, seeds_per_task: int | None,
         store: Store | None) -> list[CostLine]:
    """Per planned run: seeds, stored, to run, tasks (as :func:`make_tasks` would split them) and the CPU time
    estimated from the store's durations of the same experiment and config."""
    lines = []
    for run in runs:
        durations = store.durations(run.experiment.name, run.config_hash) if store else []
        lines.append(CostLine(run.experiment.name, run.config_hash, len(run.seeds), len(run.seeds) - len(run.missing),
                              len(run.missing), len(make_tasks([run], workers, seeds_per_task)),
                              statistics.median(durations) if durations else None))
    return lines


def execute(runs: Sequence[PlannedRun], store: Store, executor: str = "local",
            options: ExecutorOptions | None = None,
            on_progress: Callable[[Outcome], None] | None = None) -> SweepSummary:
    """Run every missing seed and write each finished task's rows as they arrive (one transaction per run)."""
    options = options or ExecutorOptions()
    workers = options.workers or default_workers()
    summary = SweepSummary(skipped=sum(len(r.seeds) - len(r.missing) for r in runs))
    tasks = make_tasks(runs, workers, options.seeds_per_task)
    if not tasks:
        return summary
    backend = make_backend(executor, options)
    for outcomes in run_tasks(tasks, executor, options, backend):
        for outcome in outcomes:
            store.write(_row(outcome))
            if outcome.error is None:
                summary.done += 1
            else:
                summary.failed += 1
                first_line = outcome.error.strip().splitlines()[-1] if outcome.error.strip() else "error"
                summary.errors.append(f"{outcome.task.experiment} seed {outcome.seed}: {first_line}")
            if on_progress:
                on_progress(outcome)
    return summary


def _row(outcome: Outcome) -> RunRow:
    task = outcome.task
    result = outcome.result
    return RunRow(
        experiment=task.experiment, config_hash=task.config_hash, seed=outcome.seed,
        config=dataclasses.asdict(task.config), status="done" if result is not None else "failed",
        metrics=dict(result.metrics) if result else {}, series=dict(result.series) if result else {},
        duration_s=outcome.duration_s, error=outcome.error,
    )


def provenance() -> tuple[str, str]:
    """(git commit of the code, JSON of package versions) recorded with every row."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=5).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        if dirty and commit != "unknown":
            commit += "-dirty"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    versions = {}
    for package in ("claimbench", "numpy", "scipy", "torch", "matplotlib"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    return commit, json.dumps(versions, sort_keys=True)
