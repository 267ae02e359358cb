"""Each claim's check fed synthetic RunRecords: every status it can return (holds, fails, inconclusive, and invalid
where the claim has a control) is reached, and a failed control is never reported as fails."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.contrastive_ucb import SUITE
from benchmarks.suites.contrastive_ucb.claims import (
    check_markov_game,
    check_representation,
    check_sample_efficiency,
)
from mdps.lowrank.lock_study import CONTROL_LEARNERS

SIZES = [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7]
CHECKPOINTS = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0]
K = 3000


def _noise(seed: int, size: int, scale: float) -> np.ndarray:
    return np.exp(scale * np.random.default_rng(seed).standard_normal(size))


def representation_runs(n: int = 5, slope: float = -0.5, random_sin: float = 0.999, exact_sin: float = 1e-4,
                        level: float = 1.0) -> dict[str, list[RunRecord]]:
    """sin θ = 100·N^slope and TV = 5·N^slope (×5% log-normal noise per point); ``level`` scales both."""
    runs = []
    for seed in range(n):
        sizes = np.asarray(SIZES)
        sin = level * 100 * sizes ** slope * _noise(seed, len(SIZES), 0.05)
        tv = level * 5 * sizes ** slope * _noise(seed + 100, len(SIZES), 0.05)
        metrics = {"exact_sin": exact_sin, "exact_tv": exact_sin / 10, "random_sin": random_sin,
                   "slope_sin": slope, "slope_tv": slope, "timing/mean_fit_seconds": 1.0,
                   **{f"sin@{s:.0e}": float(v) for s, v in zip(SIZES, sin)},
                   **{f"tv@{s:.0e}": float(v) for s, v in zip(SIZES, tv)}}
        series = {"sample_sizes": SIZES, "sin": sin.tolist(), "tv": tv.tolist(), "svd_sin": (sin * 2).tolist(),
                  "empirical_tv": (tv * 3).tolist()}
        runs.append(RunRecord("contrastive_ucb/representation", seed, {"slope_from": 1e5}, metrics, series))
    return {"contrastive_ucb/representation": runs}


def lock_runs(n: int = 5, solved_by: str | None = None, contrastive: float = 600.0, onpolicy: float = K,
              oracle: float = 120.0, wide_contrastive: float = 450.0, wide_ucbvi: float = 850.0,
              ucbvi_grid: tuple[float, ...] = (0.0, 0.1, 0.3)) -> dict[str, list[RunRecord]]:
    """Per-seed t₀.₁ = the given value + a seed-dependent jitter of a few episodes (a value of K stays K). The β = 0
    controls never reach, except ``solved_by`` (at 700). UCBVI: ucbvi@0.1 is the best of ``ucbvi_grid``."""
    def t(value: float, seed: int) -> float:
        return value if value >= K else value + 10 * (seed % 3)

    def ucbvi(c: float, best: float, seed: int) -> float:
        return t(best, seed) if c == 0.1 else float(K)

    lock, wide = [], []
    config = {"episodes": K, "num_actions": 4, "horizon": 10, "obs_per_latent": 5, "refit_every": 50, "epsilon": 0.1,
              "distractor": 0.05}
    for seed in range(n):
        t01 = {"contrastive_ucb": t(contrastive, seed), "contrastive_onpolicy": t(onpolicy, seed),
               **{name: t(700.0, seed) if name == solved_by else float(K) for name in CONTROL_LEARNERS},
               "oracle": t(oracle, seed), "random_features": float(K),
               **{f"ucbvi@{c:g}": ucbvi(c, 900.0, seed) for c in ucbvi_grid}}
        metrics = {**{f"t01/{k}": v for k, v in t01.items()},
                   **{f"goal_reached/{k}": 0.0 if v >= K else K - v for k, v in t01.items()},
                   **{f"regret_slope/{k}": 1.0 if v >= K else 0.1 for k, v in t01.items()}}
        lock.append(RunRecord("contrastive_ucb/lock", seed, config, metrics, {}))
        wide_metrics = {"m10/t01/contrastive_ucb": t(wide_contrastive, seed),
                        **{f"m10/t01/ucbvi@{c:g}": ucbvi(c, wide_ucbvi, seed) for c in ucbvi_grid}}
        wide.append(RunRecord("contrastive_ucb/lock_width", seed, {"widths": [10], "horizon": 6}, wide_metrics, {}))
    return {"contrastive_ucb/lock": lock, "contrastive_ucb/lock_width": wide}


def game_runs(n: int = 10, slope: float = -0.5, nash_gap: float = 1e-12, noise: float = 0.05, first: float = 2.0,
              uniform: float = 0.3) -> dict[str, list[RunRecord]]:
    """Averaged gap = first·(K/25)^slope (×log-normal noise per point)."""
    runs = []
    for seed in range(n):
        gap = first * (np.asarray(CHECKPOINTS) / CHECKPOINTS[0]) ** slope * _noise(seed, len(CHECKPOINTS), noise)
        metrics = {"gap_slope": slope, "nash_gap": nash_gap, "first_gap": float(gap[0]), "final_gap": float(gap[-1]),
                   "uniform_gap": uniform}
        runs.append(RunRecord("contrastive_ucb/game", seed, {}, metrics,
                              {"checkpoints": CHECKPOINTS, "gap": gap.tolist(), "last_gap": (gap / 2).tolist()}))
    return {"contrastive_ucb/game": runs}


def test_the_controls_are_declared_on_the_claims():
    controls = {claim.id: claim.controls for claim in SUITE.claims}
    assert controls["contrastive_ucb.sample_efficiency"]
    assert controls["contrastive_ucb.representation_recovery"]
    assert controls["contrastive_ucb.markov_game"]


# ------------------------------------------------------------------------------------- representation_recovery
@pytest.mark.parametrize("records, status", [
    (representation_runs(), "holds"),
    (representation_runs(slope=-0.2), "fails"),                  # slopes outside [−0.6, −0.4]
    (representation_runs(exact_sin=0.1), "fails"),               # the exact fit misses span φ*
    (representation_runs(level=100.0), "fails"),                 # far above the N = 1e6 levels
    (representation_runs(n=3), "inconclusive"),                  # too few seeds for the slopes
    (representation_runs(random_sin=0.5), "invalid"),            # control: random features come close to φ*
    (representation_runs(random_sin=0.5, slope=-0.2), "invalid"),  # a failed control is never "fails"
], ids=["holds", "fails-slope", "fails-exact", "fails-level", "inconclusive", "invalid", "invalid-over-fails"])
def test_representation_recovery_statuses(records, status):
    verdict = check_representation(records)
    assert verdict.status == status, verdict.details["reasons"]
    assert verdict.value is not None and verdict.ci is not None


def test_representation_too_few_seeds_says_so():
    verdict = check_representation(representation_runs(n=3))
    assert "too few seeds" in verdict.details["reasons"]["slope_sin"]


# ------------------------------------------------------------------------------------- sample_efficiency
@pytest.mark.parametrize("records, status", [
    (lock_runs(), "holds"),
    (lock_runs(contrastive=K), "fails"),                         # never reaches a 0.1-optimal policy
    (lock_runs(oracle=900.0), "fails"),                          # oracle LSVI-UCB far slower than 400
    (lock_runs(wide_contrastive=1200.0), "fails"),               # tuned UCBVI beats it at the widest lock
    (lock_runs(n=3), "inconclusive"),                            # too few seeds
    (lock_runs(ucbvi_grid=(0.03, 0.1)), "inconclusive"),         # UCBVI's best c is the top of its grid
    (lock_runs(solved_by="greedy"), "invalid"),                  # control: β = 0 greedy opens the lock
    (lock_runs(solved_by="egreedy"), "invalid"),                 # control: β = 0 + ε-greedy opens the lock
    (lock_runs(solved_by="no_bonus", contrastive=K), "invalid"),  # a failed control is never "fails"
], ids=["holds", "fails-reach", "fails-oracle", "fails-width", "inconclusive", "inconclusive-grid", "invalid-greedy",
        "invalid-egreedy", "invalid-over-fails"])
def test_sample_efficiency_statuses(records, status):
    verdict = check_sample_efficiency(records)
    assert verdict.status == status, verdict.details["reasons"]


def test_sample_efficiency_invalid_names_the_control_and_reports_observations():
    verdict = check_sample_efficiency(lock_runs(solved_by="egreedy"))
    assert verdict.details["parts"]["control_egreedy"] == "invalid"
    assert verdict.details["parts"]["control_greedy"] == "holds"
    assert verdict.explanation.startswith("INVALID (control solved the lock)")
    observed = check_sample_efficiency(lock_runs(onpolicy=800.0)).details["observations"]
    assert "on-policy" in observed and "did not replicate" in observed


def test_ucbvi_best_at_zero_is_the_end_of_the_range_not_of_the_grid():
    records = lock_runs(ucbvi_grid=(0.0, 0.1, 0.3))
    for run in records["contrastive_ucb/lock_width"]:  # make c = 0 the best
        run.metrics["m10/t01/ucbvi@0"] = run.metrics["m10/t01/ucbvi@0.1"] - 50
    verdict = check_sample_efficiency(records)
    assert verdict.details["parts"]["ucbvi_grid_brackets_best"] == "holds"
    assert "c = 0" in verdict.details["reasons"]["ucbvi_grid_brackets_best"]


# ------------------------------------------------------------------------------------- markov_game
@pytest.mark.parametrize("records, status", [
    (game_runs(), "holds"),
    (game_runs(slope=-0.1), "fails"),                            # the averaged gap falls too slowly
    (game_runs(n=3), "inconclusive"),                            # too few seeds
    (game_runs(noise=1.5), "inconclusive"),                      # slopes too noisy to place against −0.4
    (game_runs(nash_gap=1e-3), "invalid"),                       # control: the Nash LP is not exact
    (game_runs(first=0.05), "invalid"),                          # precondition: the early gap is already small
    (game_runs(first=0.05, slope=-0.1), "invalid"),              # a failed control is never "fails"
], ids=["holds", "fails", "inconclusive-n", "inconclusive-noise", "invalid-nash", "invalid-floor",
        "invalid-over-fails"])
def test_markov_game_statuses(records, status):
    verdict = check_markov_game(records)
    assert verdict.status == status, verdict.details["reasons"]
