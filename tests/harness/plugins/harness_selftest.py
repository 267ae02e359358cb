"""A self-test suite for the harness (loaded through CLAIMBENCH_PLUGINS in tests only).

- ``selftest/sleepy``: sleeps ``delay`` seconds per seed and returns metrics derived from the seed's generator.
- ``selftest/crashy``: raises on odd seeds.
- ``selftest/nan``: returns a NaN metric.
- ``selftest/dies_once``: the worker process SIGKILLs itself the first time it meets a seed (a marker file in
  ``marker_dir`` remembers), so a retry succeeds — a stand-in for a worker killed by the OOM killer.
"""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.seeding import numpy_rng
from benchmarks.stats import decide_claim, mean_interval


@dataclass(frozen=True)
class SleepyConfig:
    delay: float = 0.3
    """Seconds each seed sleeps."""


def run_sleepy(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    out = []
    for seed in seeds:
        time.sleep(config.delay)
        rng = numpy_rng(seed, "draws")
        out.append(Result({"value": float(rng.normal()), "seed": float(seed)}, {"curve": rng.random(3).tolist()}))
    return out


def run_crashy(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    if any(seed % 2 for seed in seeds):
        raise RuntimeError("odd seeds crash on purpose")
    return [Result({"value": 1.0}) for _ in seeds]


def run_nan(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    return [Result({"value": float("nan")}) for _ in seeds]


@dataclass(frozen=True)
class DiesOnceConfig:
    marker_dir: str = ""
    """Folder where the first attempt of each seed leaves a marker before killing its own process."""


def run_dies_once(config: DiesOnceConfig, seeds: Sequence[int]) -> list[Result]:
    for seed in seeds:
        marker = Path(config.marker_dir) / f"seed-{seed}"
        if seed == 1 and not marker.exists():
            marker.write_text("killed once")
            os.kill(os.getpid(), signal.SIGKILL)
    return [Result({"value": float(seed)}) for seed in seeds]


def check_mean_below_one(results: Mapping[str, list[RunRecord]]) -> Verdict:
    estimate = mean_interval([r.metrics["value"] for r in results["selftest/sleepy"]])
    status, reason = decide_claim(estimate, 1.0, "below")
    return Verdict("selftest.mean_below_one", status, "mean value", estimate.value, estimate.ci, 1.0, "n/a",
                   explanation=reason)


BUDGETS = {"smoke": Budget(2, {"delay": 0.0}), "quick": Budget(5), "full": Budget(8)}
SUITE = Suite(
    name="selftest", paper="harness self-test",
    experiments=(
        Experiment("selftest/sleepy", SleepyConfig, run_sleepy, BUDGETS, "sleeps", seeds_per_task=1),
        Experiment("selftest/crashy", SleepyConfig, run_crashy, BUDGETS, "crashes on odd seeds", seeds_per_task=1),
        Experiment("selftest/nan", SleepyConfig, run_nan, BUDGETS, "returns NaN", seeds_per_task=1),
        Experiment("selftest/dies_once", DiesOnceConfig, run_dies_once,
                   {"smoke": Budget(3), "quick": Budget(3), "full": Budget(3)}, "kills its worker once",
                   seeds_per_task=1),
    ),
    claims=(Claim("selftest.mean_below_one", "harness self-test", "-", "the mean of N(0,1) draws is below 1",
                  ("selftest/sleepy",), check_mean_below_one),),
)
