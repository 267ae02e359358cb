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


def parse_seeds(text: str | None, default: int) -> tuple[int, ...]:
    """``None`` → 0..default-1; "N" → 0..N-1; "a,b,c" → those seeds; "a-b" → a..b inclusive."""
    if text is None:
        return tuple(range(default))
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


def plan(experiments: Sequence[Experiment], budget: str, seeds_text: str | None,
         overrides: Mapping[str, str], store: Store | None) -> list[PlannedRun]:
    """Configs (validated) and missing seeds of every experiment. Raises ConfigError on bad input."""
    runs = []
    for experiment in experiments:
        applicable = {k: v for k, v in overrides.items()
                      if len(experiments) == 1 or k in {f.name for f in dataclasses.fields(experiment.config_cls)}}
        config = experiment.config(budget, applicable)
        seeds = parse_seeds(seeds_text, experiment.budgets[budget].seeds)
        digest = config_hash(config)
        done = store.done_seeds(experiment.name, digest) if store else set()
        runs.append(PlannedRun(experiment, config, digest, seeds, tuple(s for s in seeds if s not in done)))
    return runs


def make_tasks(runs: Sequence[PlannedRun], workers: int) -> list[Task]:
    """Split each run's missing seeds into tasks: evenly over the workers, at most ``seeds_per_task`` each."""
    tasks = []
    for run in runs:
        if not run.missing:
            continue
        size = run.experiment.seeds_per_task or math.ceil(len(run.missing) / workers)
        for start in range(0, len(run.missing), size):
            tasks.append(Task(run.experiment.name, run.config, run.config_hash, run.missing[start:start + size]))
    return tasks


def execute(runs: Sequence[PlannedRun], store: Store, executor: str = "local",
            options: ExecutorOptions | None = None,
            on_progress: Callable[[Outcome], None] | None = None) -> SweepSummary:
    """Run every missing seed and write each finished task's rows as they arrive (one transaction per run)."""
    options = options or ExecutorOptions()
    workers = options.workers or default_workers()
    summary = SweepSummary(skipped=sum(len(r.seeds) - len(r.missing) for r in runs))
    tasks = make_tasks(runs, workers)
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
