"""Executors: where runs execute. Each backend takes tasks and hands back finished outcomes as they complete;
only the driver (the caller of :func:`run_tasks`) writes them to the store. Runs stay pure functions.

- ``local``: a process pool (spawned workers, default one per CPU, torch threads 1 per worker).
- ``ray``: Ray tasks on a local cluster started for the sweep, or an existing one (``address``).
- ``submitit``: Slurm job arrays through submitit; submitit's local executor when no Slurm is present.
- ``inline``: in the driver process, one task after another (debugging; no crash isolation).

A worker that dies (killed, out of memory) or raises takes only its own task with it: the task's seeds are
marked failed with the reason, retried up to ``retries`` times, and the sweep goes on.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from benchmarks.registry import ConfigError, Result, find_experiment, load_suites

EXECUTORS = ("local", "ray", "submitit", "inline")
_ENV_FORWARDED = ("CLAIMBENCH_PLUGINS", "CLAIMBENCH_SUITES", "PYTHONPATH")


@dataclass(frozen=True)
class Task:
    """Run ``experiment`` with ``config`` on ``seeds`` (one vectorised call). ``attempt`` counts retries."""

    experiment: str
    config: Any
    config_hash: str
    seeds: tuple[int, ...]
    attempt: int = 0


@dataclass(frozen=True)
class Outcome:
    """One seed's outcome: a Result, or the error that prevented it."""

    task: Task
    seed: int
    result: Result | None
    error: str | None
    duration_s: float


@dataclass(frozen=True)
class ExecutorOptions:
    """Backend settings from the command line."""

    workers: int = 0
    """Parallel workers (0: one per CPU)."""
    retries: int = 0
    """How many times a failed task is resubmitted."""
    address: str | None = None
    """Ray: address of an existing cluster (host:port or "auto"); None starts a local one."""
    slurm: dict[str, Any] = field(default_factory=dict)
    """submitit: extra executor parameters (e.g. slurm_partition, timeout_min)."""
    folder: str | None = None
    """submitit: folder for job logs and pickles (default: a temporary folder removed afterwards)."""
    seeds_per_task: int | None = None
    """Seeds per task, overriding each experiment's own batching (``--seeds-per-task``, for cluster runs)."""


# ----------------------------------------------------------------------------------------------- the worker side

_SUITES_CACHE: dict[tuple[str, str], Any] = {}


def _set_worker_threads() -> None:
    """One thread per worker for torch and for numpy's BLAS. The BLAS variables only take effect before numpy is
    imported, which holds in a fresh (spawned) worker: this module does not import numpy."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    import torch

    torch.set_num_threads(1)


def _metrics_problem(result: Result) -> str | None:
    for name, value in result.metrics.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"metric {name!r} is {value!r} (NaN/inf is a failed run, never a result)"
    return None


def execute_task(task: Task) -> list[Outcome]:
    """Run one task in the current process; every exception becomes failed outcomes (the sweep goes on)."""
    _set_worker_threads()
    start = time.perf_counter()
    try:
        key = tuple(os.environ.get(k, "") for k in ("CLAIMBENCH_PLUGINS", "CLAIMBENCH_SUITES"))
        if key not in _SUITES_CACHE:  # keyed by the suite selection, which a driver may change between sweeps
            _SUITES_CACHE[key] = load_suites()
        experiment = find_experiment(_SUITES_CACHE[key], task.experiment)
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


def _lost(task: Task, reason: str) -> list[Outcome]:
    return [Outcome(task, seed, None, reason, 0.0) for seed in task.seeds]


# ----------------------------------------------------------------------------------------------- backends

class Backend(Protocol):
    """Submit tasks, then collect whichever finish first. ``capacity`` tasks may be in flight."""

    capacity: int

    def submit(self, task: Task) -> Any: ...

    def wait_any(self, handles: dict[Any, Task]) -> list[tuple[Any, list[Outcome]]]: ...

    def close(self) -> None: ...


class InlineBackend:
    """Runs each task in the driver process when it is collected."""

    capacity = 1

    def submit(self, task: Task) -> Task:
        return task

    def wait_any(self, handles: dict[Any, Task]) -> list[tuple[Any, list[Outcome]]]:
        handle = next(iter(handles))
        return [(handle, execute_task(handles[handle]))]

    def close(self) -> None:
        pass


class LocalPoolBackend:
    """A pool of spawned worker processes; a dead worker breaks the pool, which is rebuilt.

    A worker can die between two submissions, so ``submit`` may find the pool broken: it then starts a fresh pool
    for the new task, and the old pool's in-flight tasks come back from ``wait_any`` as lost (each future
    remembers its pool, so a broken old pool never takes the new pool's tasks with it)."""

    def __init__(self, workers: int):
        self.capacity = workers
        self._pool = self._new_pool()
        self._pool_of: dict[Future, ProcessPoolExecutor] = {}

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.capacity, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_set_worker_threads)

    def submit(self, task: Task) -> Future:
        try:
            future = self._pool.submit(execute_task, task)
        except BrokenProcessPool:  # a worker died since the last wait: its pool's futures report it
            self._pool = self._new_pool()
            future = self._pool.submit(execute_task, task)
        self._pool_of[future] = self._pool
        return future

    def wait_any(self, handles: dict[Any, Task]) -> list[tuple[Any, list[Outcome]]]:
        finished, _ = wait(handles, return_when=FIRST_COMPLETED)
        collected, broken = [], []
        for future in finished:
            try:
                collected.append((future, future.result()))
            except BrokenProcessPool:
                if all(self._pool_of[future] is not pool for pool in broken):
                    broken.append(self._pool_of[future])
                collected.append((future, _lost(handles[future], "worker process died (killed or out of memory)")))
        for pool in broken:  # every task in a dead pool is lost with it: record them; the current one is rebuilt
            for future, task in handles.items():
                if future not in finished and self._pool_of[future] is pool:
                    collected.append((future, _lost(task, "worker pool broke while this run was in flight")))
            pool.shutdown(wait=False, cancel_futures=True)
            if pool is self._pool:
                self._pool = self._new_pool()
        for future, _ in collected:
            self._pool_of.pop(future, None)
        return collected

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def check_reachable(address: str, timeout_s: float = 3.0) -> None:
    """Fail within seconds (instead of Ray's long retries) when host:port does not answer."""
    host, _, port = address.rpartition(":")
    if address == "auto" or address.startswith("ray://") and not port.isdigit():
        return
    host = host.removeprefix("ray://")
    if not host or not port.isdigit():
        raise ConfigError(f"--address: expected host:port or auto, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise ConfigError(f"Ray cluster at {address!r} is unreachable: {error}") from None


class RayBackend:
    """Ray tasks (one CPU each). Starts a local cluster unless ``address`` names a running one."""

    def __init__(self, workers: int, address: str | None):
        try:
            import ray
        except ImportError:
            raise ConfigError("the ray executor needs Ray: pip install 'claimbench[ray]'") from None
        if address:
            check_reachable(address)
        self._ray = ray
        env = {k: os.environ[k] for k in _ENV_FORWARDED if k in os.environ}
        self._started_here = not ray.is_initialized()
        if self._started_here:
            kwargs: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False, "runtime_env": {"env_vars": env} if env else None}
            if not address:
                kwargs["num_cpus"] = workers
            ray.init(**kwargs)
        self.capacity = max(1, int(ray.cluster_resources().get("CPU", workers))) if address else workers
        self._remote = ray.remote(num_cpus=1, max_retries=0)(execute_task)

    def submit(self, task: Task) -> Any:
        return self._remote.remote(task)

    def wait_any(self, handles: dict[Any, Task]) -> list[tuple[Any, list[Outcome]]]:
        ready, _ = self._ray.wait(list(handles), num_returns=1)
        collected = []
        for ref in ready:
            try:
                collected.append((ref, self._ray.get(ref)))
            except Exception as error:  # noqa: BLE001 - a dead worker or lost object fails this task only
                collected.append((ref, _lost(handles[ref], f"Ray worker failed: {type(error).__name__}: "
                                                            f"{str(error).strip().splitlines()[0][:300]}")))
        return collected

    def close(self) -> None:
        if self._started_here:
            self._ray.shutdown()


class SubmititBackend:
    """One submitit job per task (Slurm when ``sbatch`` exists, else submitit's local executor)."""

    def __init__(self, workers: int, slurm: dict[str, Any], folder: str | None):
        try:
            import submitit
        except ImportError:
            raise ConfigError("the submitit executor needs submitit: pip install 'claimbench[slurm]'") from None
        self._submitit = submitit
        self._own_folder = folder is None
        self._folder = folder or tempfile.mkdtemp(prefix="claimbench-submitit-")
        cluster = None if shutil.which("sbatch") else "local"
        self._executor = submitit.AutoExecutor(folder=self._folder, cluster=cluster)
        parameters = {"timeout_min": 60, "cpus_per_task": 1, **slurm}
        if cluster == "local":
            parameters = {k: v for k, v in parameters.items() if not k.startswith("slurm_")}
        self._executor.update_parameters(**parameters)
        self.capacity = workers

    def submit(self, task: Task) -> Any:
        return self._executor.submit(execute_task, task)

    def wait_any(self, handles: dict[Any, Task]) -> list[tuple[Any, list[Outcome]]]:
        while True:
            done = [job for job in handles if job.done()]
            if done:
                break
            time.sleep(0.1)
        collected = []
        for job in done:
            try:
                collected.append((job, job.result()))
            except Exception as error:  # noqa: BLE001 - a killed or failed job fails this task only
                first = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
                collected.append((job, _lost(handles[job], f"submitit job failed: {type(error).__name__}: {first}")))
        return collected

    def close(self) -> None:
        if self._own_folder:
            shutil.rmtree(self._folder, ignore_errors=True)


def default_workers() -> int:
    """One worker per CPU."""
    return max(1, os.cpu_count() or 1)


def make_backend(executor: str, options: ExecutorOptions) -> Backend:
    """The backend named ``executor`` (a ConfigError for an unknown name or an unreachable cluster)."""
    workers = options.workers or default_workers()
    if executor == "inline":
        return InlineBackend()
    if executor == "local":
        return LocalPoolBackend(workers)
    if executor == "ray":
        return RayBackend(workers, options.address)
    if executor == "submitit":
        return SubmititBackend(workers, options.slurm, options.folder)
    raise ConfigError(f"unknown executor {executor!r} (choose from {', '.join(EXECUTORS)})")


# ----------------------------------------------------------------------------------------------- the scheduler

def run_tasks(tasks: Sequence[Task], executor: str = "local", options: ExecutorOptions | None = None,
              backend: Backend | None = None) -> Iterator[list[Outcome]]:
    """Execute ``tasks`` and yield each task's final outcomes as soon as it finishes. Failed seeds are
    resubmitted (as a task of their own) up to ``options.retries`` times before their failure is yielded."""
    options = options or ExecutorOptions()
    backend = backend or make_backend(executor, options)
    pending = list(reversed(tasks))
    in_flight: dict[Any, Task] = {}
    try:
        while pending or in_flight:
            while pending and len(in_flight) < backend.capacity:
                task = pending.pop()
                in_flight[backend.submit(task)] = task
            for handle, outcomes in backend.wait_any(in_flight):
                task = in_flight.pop(handle)
                failed = tuple(o.seed for o in outcomes if o.error is not None)
                if failed and task.attempt < options.retries:
                    pending.append(replace(task, seeds=failed, attempt=task.attempt + 1))
                    outcomes = [o for o in outcomes if o.error is None]
                if outcomes:
                    yield outcomes
    finally:
        backend.close()
