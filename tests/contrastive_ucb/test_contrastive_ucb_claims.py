"""Each claim's check fed synthetic RunRecords: every status it can return (holds, fails, inconclusive, and invalid
where the claim has a control) is reached, and a failed control is never reported as fails."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.contrastive_ucb import SUITE
from benchmarks.suites.contrastive_ucb.claims import (
    check_markov_game,
    check_onpolicy_failure,
    check_representation,
    check_sample_efficiency,
)

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


def lock_runs(n: int = 5, egreedy_seen: float = 0.0, contrastive: float = 600.0, onpolicy: float = K,
              oracle: float = 120.0, wide_contrastive: float = 450.0, wide_ucbvi: float = 850.0
              ) -> dict[str, list[RunRecord]]:
    """Per-seed t₀.₁ = the given value + a seed-dependent jitter of a few episodes (a value of K stays K)."""
    def t(value: float, seed: int) -> float:
        return value if value >= K else value + 10 * (seed % 3)

    lock, wide = [], []
    config = {"episodes": K, "num_actions": 4, "horizon": 10, "obs_per_latent": 5, "refit_every": 50, "epsilon": 0.1}
    for seed in range(n):
        t01 = {"contrastive_ucb": t(contrastive, seed), "contrastive_onpolicy": t(onpolicy, seed),
               "egreedy": K if egreedy_seen == 0 else t(700.0, seed), "oracle": t(oracle, seed),
               "random_features": float(K), "ucbvi@0.1": t(900.0, seed), "ucbvi@0.3": float(K)}
        seen = {name: (egreedy_seen if name == "egreedy" else 0.0 if value >= K else K - value)
                for name, value in t01.items()}
        metrics = {**{f"t01/{k}": v for k, v in t01.items()}, **{f"rewards_seen/{k}": v for k, v in seen.items()},
                   **{f"regret_slope/{k}": 1.0 if v >= K else 0.1 for k, v in t01.items()}}
        lock.append(RunRecord("contrastive_ucb/lock", seed, config, metrics, {}))
        wide_metrics = {"m10/t01/contrastive_ucb": t(wide_contrastive, seed), "m10/t01/ucbvi@0.1": t(wide_ucbvi, seed),
                        "m10/t01/ucbvi@0.3": float(K)}
        wide.append(RunRecord("contrastive_ucb/lock_width", seed, {"widths": [10], "horizon": 6}, wide_metrics, {}))
    return {"contrastive_ucb/lock": lock, "contrastive_ucb/lock_width": wide}


def game_runs(n: int = 5, slope: float = -0.5, nash_gap: float = 1e-12, noise: float = 0.05
              ) -> dict[str, list[RunRecord]]:
    runs = []
    for seed in range(n):
        gap = 2.0 * np.asarray(CHECKPOINTS) ** slope * _noise(seed, len(CHECKPOINTS), noise)
        metrics = {"gap_slope": slope, "nash_gap": nash_gap, "first_gap": float(gap[0]), "final_gap": float(gap[-1]),
                   "uniform_gap": 1.0}
        runs.append(RunRecord("contrastive_ucb/game", seed, {}, metrics,
                              {"checkpoints": CHECKPOINTS, "gap": gap.tolist()}))
    return {"contrastive_ucb/game": runs}


def test_the_controls_are_declared_on_the_claims():
    controls = {claim.id: claim.controls for claim in SUITE.claims}
    assert controls["contrastive_ucb.sample_efficiency"]
    assert controls["contrastive_ucb.representation_recovery"]


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
    (lock_runs(egreedy_seen=40.0), "invalid"),                   # control: β = 0 + ε-greedy opens the lock
    (lock_runs(egreedy_seen=40.0, contrastive=K), "invalid"),    # a failed control is never "fails"
], ids=["holds", "fails-reach", "fails-oracle", "fails-width", "inconclusive", "invalid", "invalid-over-fails"])
def test_sample_efficiency_statuses(records, status):
    verdict = check_sample_efficiency(records)
    assert verdict.status == status, verdict.details["reasons"]


def test_sample_efficiency_invalid_names_the_control():
    verdict = check_sample_efficiency(lock_runs(egreedy_seen=40.0))
    assert verdict.details["parts"]["control_egreedy_never_sees_reward"] == "invalid"
    assert verdict.explanation.startswith("INVALID")


# ------------------------------------------------------------------------------------- onpolicy_failure
@pytest.mark.parametrize("records, status", [
    (lock_runs(), "holds"),                                      # on-policy censored at K, oracle reaches
    (lock_runs(onpolicy=800.0), "fails"),                        # on-policy reaches after all
    (lock_runs(oracle=K), "fails"),                              # the oracle does not reach either
    (lock_runs(n=3), "inconclusive"),
], ids=["holds", "fails-onpolicy", "fails-oracle", "inconclusive"])
def test_onpolicy_failure_statuses(records, status):
    assert check_onpolicy_failure(records).status == status


# ------------------------------------------------------------------------------------- markov_game
@pytest.mark.parametrize("records, status", [
    (game_runs(), "holds"),
    (game_runs(slope=-0.05), "fails"),                           # the gap does not fall
    (game_runs(slope=-1.5), "fails"),                            # faster than the band allows
    (game_runs(nash_gap=1e-3), "fails"),                         # the exact Nash LP is not exact
    (game_runs(n=3), "inconclusive"),                            # too few seeds
    (game_runs(noise=1.5), "inconclusive"),                      # slopes too noisy to place in the band
], ids=["holds", "fails-flat", "fails-steep", "fails-nash", "inconclusive-n", "inconclusive-noise"])
def test_markov_game_statuses(records, status):
    assert check_markov_game(records).status == status
