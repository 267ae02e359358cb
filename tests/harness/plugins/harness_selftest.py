"""A self-test suite for the harness (loaded through CLAIMBENCH_PLUGINS in tests only).

- ``selftest/sleepy``: sleeps ``delay`` seconds per seed and returns metrics derived from the seed's generator.
- ``selftest/crashy``: raises on odd seeds.
- ``selftest/nan``: returns a NaN metric.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import decide, mean_ci


@dataclass(frozen=True)
class SleepyConfig:
    delay: float = 0.3
    """Seconds each seed sleeps."""


def run_sleepy(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    out = []
    for seed in seeds:
        time.sleep(config.delay)
        rng = np.random.default_rng(seed)
        out.append(Result({"value": float(rng.normal()), "seed": float(seed)}, {"curve": rng.random(3).tolist()}))
    return out


def run_crashy(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    if any(seed % 2 for seed in seeds):
        raise RuntimeError("odd seeds crash on purpose")
    return [Result({"value": 1.0}) for _ in seeds]


def run_nan(config: SleepyConfig, seeds: Sequence[int]) -> list[Result]:
    return [Result({"value": float("nan")}) for _ in seeds]


def check_mean_below_one(results: Mapping[str, list[RunRecord]]) -> Verdict:
    estimate = mean_ci([r.metrics["value"] for r in results["selftest/sleepy"]])
    return Verdict("selftest.mean_below_one", decide(estimate, 1.0, "below"), "mean value", estimate.value,
                   estimate.ci, 1.0, "n/a")


BUDGETS = {"smoke": Budget(2, {"delay": 0.0}), "quick": Budget(4), "full": Budget(8)}
SUITE = Suite(
    name="selftest", paper="harness self-test",
    experiments=(
        Experiment("selftest/sleepy", SleepyConfig, run_sleepy, BUDGETS, "sleeps", seeds_per_task=1),
        Experiment("selftest/crashy", SleepyConfig, run_crashy, BUDGETS, "crashes on odd seeds", seeds_per_task=1),
        Experiment("selftest/nan", SleepyConfig, run_nan, BUDGETS, "returns NaN", seeds_per_task=1),
    ),
    claims=(Claim("selftest.mean_below_one", "harness self-test", "-", "the mean of N(0,1) draws is below 1",
                  ("selftest/sleepy",), check_mean_below_one),),
)
