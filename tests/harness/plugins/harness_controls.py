"""A second self-test suite (CLAIMBENCH_PLUGINS in tests only): a claim with a control, a figure, two experiments
with different config keys (for ``--set`` at suite level), a timing metric, and generators from benchmarks.seeding.

- ``controls/coin``: ``flips`` draws of a coin with heads probability ``p``; metric ``heads`` (the fraction) and
  ``timing/wall_s``; series ``running_mean``.
- ``controls/placebo``: a control whose measured ``effect`` is ``bias`` plus small noise. The quick budget sets
  ``bias = 1`` on purpose, so the claim's control fails there and the verdict is ``invalid``.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.plots import plot_curves
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.seeding import numpy_rng
from benchmarks.stats import combine_parts, decide_claim, mean_interval

FAIRNESS_BAND = (0.3, 0.7)
"""The coin "is fair" when the mean fraction of heads lies within this band."""
PLACEBO_LIMIT = 0.1
"""The control is sound when the placebo's effect is below this (one-sided upper bound)."""


@dataclass(frozen=True)
class CoinConfig:
    p: float = 0.5
    """Probability of heads."""
    flips: int = 40
    """Draws per seed."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {self.p}")


@dataclass(frozen=True)
class PlaceboConfig:
    bias: float = 0.0
    """The placebo's true effect (0: a sound control)."""


def run_coin(config: CoinConfig, seeds: Sequence[int]) -> list[Result]:
    results = []
    for seed in seeds:
        start = time.perf_counter()
        heads = numpy_rng(seed, "flips").random(config.flips) < config.p
        running = np.cumsum(heads) / np.arange(1, config.flips + 1)
        results.append(Result({"heads": float(heads.mean()), "timing/wall_s": time.perf_counter() - start},
                              {"running_mean": running.tolist()}))
    return results


def run_placebo(config: PlaceboConfig, seeds: Sequence[int]) -> list[Result]:
    return [Result({"effect": config.bias + 0.01 * float(numpy_rng(seed, "noise").normal())}) for seed in seeds]


def check_coin_fair(results: Mapping[str, list[RunRecord]]) -> Verdict:
    # Both one-sided 95% bounds at once: the ends of the two-sided 90% interval (holds and fails both reachable).
    placebo = mean_interval([r.metrics["effect"] for r in results["controls/placebo"]], confidence=0.90)
    control, control_reason = decide_claim(placebo, PLACEBO_LIMIT, "below")
    estimate = mean_interval([r.metrics["heads"] for r in results["controls/coin"]])
    parts = [decide_claim(estimate, FAIRNESS_BAND[0], "above"), decide_claim(estimate, FAIRNESS_BAND[1], "below")]
    status = combine_parts([p[0] for p in parts] + [{"fails": "invalid"}.get(control, control)])
    return Verdict("controls.coin_fair", status, "mean fraction of heads", estimate.value, estimate.ci,
                   FAIRNESS_BAND[1], "fair", details={"control": control, "control_reason": control_reason},
                   explanation=f"{parts[0][1]}; {parts[1][1]}; placebo control: {control} ({control_reason})")


def plot_coin(results: Mapping[str, list[RunRecord]], path: str) -> None:
    plot_curves(path, {"running mean": [r.series["running_mean"] for r in results["controls/coin"]]},
                "coin", "flip", "fraction of heads")


SUITE = Suite(
    name="controls", paper="harness self-test with a control",
    experiments=(
        Experiment("controls/coin", CoinConfig, run_coin,
                   {"smoke": Budget(5, {"flips": 20}), "quick": Budget(5), "full": Budget(8, {"flips": 80})},
                   "flips a coin"),
        Experiment("controls/placebo", PlaceboConfig, run_placebo,
                   {"smoke": Budget(5), "quick": Budget(5, {"bias": 1.0}), "full": Budget(5, {"bias": -0.5})},
                   "a placebo control"),
    ),
    claims=(Claim("controls.coin_fair", "harness self-test", "-", "a fair coin lands heads 30–70% of the time",
                  ("controls/coin", "controls/placebo"), check_coin_fair, paper_value="fair", plot=plot_coin,
                  controls=("the placebo's effect stays below 0.1 (one-sided 95% bound)",)),),
)
