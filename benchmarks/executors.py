"""Executors: where runs execute. Every executor takes tasks and yields finished outcomes as they complete;
only the driver (the caller) writes them to the store.

- ``local``: a process pool (spawned workers, default one per CPU, torch threads 1 per worker). A worker that
  dies takes only its in-flight task with it: that task is recorded as failed and the sweep goes on.
- ``inline``: runs tasks in the driver process, one after another (debugging; no crash isolation).
"""
from __future__ import annotations

import math
import multiprocessing
import os
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from benchmarks.registry import ConfigError, Result, find_experiment, load_suites

EXECUTORS = ("local", "inline")


@dataclass(frozen=True)
class Task:
    """Run ``experiment`` with ``config`` on ``seeds`` (one vectorised call)."""

    experiment: str
    config: Any
    config_hash: str
    seeds: tuple[int, ...]


@dataclass(frozen=True)
class Outcome:
    """One seed's outcome: a Result, or the error that prevented it."""

    task: Task
    seed: int
    result: Result | None
    error: str | None
    duration_s: float


def _set_worker_threads() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)


_SUITES_CACHE: dict[str, Any] = {}


def _metrics_problem(result: Result) -> str | None:
    for name, value in result.metrics.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"metric {name!r} is {value!r} (NaN/inf is a failed run, never a result)"
    return None


def execute_task(task: Task) -> list[Outcome]:
    """Run one task and turn every exception into failed outcomes (so the sweep goes on)."""
    start = time.perf_counter()
    try:
        if "suites" not in _SUITES_CACHE:
            _SUITES_CACHE["suites"] = load_suites()
        experiment = find_experiment(_SUITES_CACHE["suites"], task.experiment)
        results = experiment.run(task.config, task.seeds)
        if len(results) != len(task.seeds):
            raise RuntimeError(f"run returned {len(results)} results for {len(task.seeds)} seeds")
    except Exception:  # noqa: BLE001 - any failure of a run is recorded, not raised
        error = traceback.format_exc(limit=8)
        each = (time.perf_counter() - start) / len(task.seeds)
        return [Outcome(task, seed, None, error, each) for seed in task.seeds]
    each = (time.perf_counter() - start) / len(task.seeds)
    outcomes = []
    for seed, result in zip(task.seeds, results):
        problem = _metrics_problem(result)
        outcomes.append(Outcome(task, seed, None if problem else result, problem, each))
    return outcomes


def run_tasks(tasks: Sequence[Task], executor: str = "local", workers: int | None = None) -> Iterator[list[Outcome]]:
    """Execute ``tasks`` and yield each task's outcomes as soon as it finishes."""
    if executor == "inline":
        for task in tasks:
            yield execute_task(task)
        return
    if executor != "local":
        raise ConfigError(f"unknown executor {executor!r} (choose from {', '.join(EXECUTORS)})")
    yield from _run_pool(list(tasks), workers or default_workers())


def default_workers() -> int:
    """One worker per CPU."""
    return max(1, os.cpu_count() or 1)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_set_worker_threads)


def _run_pool(tasks: list[Task], workers: int) -> Iterator[list[Outcome]]:
    pending = list(reversed(tasks))
    pool = _new_pool(workers)
    in_flight: dict[Future, Task] = {}
    try:
        while pending or in_flight:
            while pending and len(in_flight) < workers:
                task = pending.pop()
                in_flight[pool.submit(execute_task, task)] = task
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                task = in_flight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    yield [Outcome(task, s, None, "worker process died (killed or out of memory)", 0.0)
                           for s in task.seeds]
            if broken:  # every task still in the dead pool is lost with it: record them and start afresh
                for future, task in in_flight.items():
                    yield [Outcome(task, s, None, "worker pool broke while this run was in flight", 0.0)
                           for s in task.seeds]
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(workers)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
