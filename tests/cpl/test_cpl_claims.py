"""Every cpl claim check fed synthetic RunRecords: each status it can return (holds, fails, inconclusive, and
invalid where the claim has a control). Checks that cannot fail on a real run are marked as known defects."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.registry import RunRecord
from benchmarks.suites.cpl import SUITE, claims

PAIRS = np.array([1e3, 3e3, 1e4, 3e4, 1e5, 3e5])
FH_PAIRS = np.array([1e4, 3e4, 1e5, 3e5, 1e6])
LAMBDAS = [1.0, 0.99, 0.95, 0.75, 0.5]


def _noise(seed: int, size: int | None = None, scale: float = 0.05) -> np.ndarray:
    """Multiplicative seed-to-seed noise exp(N(0, scale²)) (a test helper, not part of any experiment)."""
    return np.exp(np.random.default_rng(1000 + seed).normal(0.0, scale, size))


def _run(experiment: str, seed: int, metrics: dict, series: dict) -> RunRecord:
    return RunRecord(experiment, seed, {}, metrics, {k: [float(v) for v in vs] for k, vs in series.items()})


def discounted(seeds: int = 8, cpl=lambda n: 500 / n, predicted=lambda n: 500 / n, reward=lambda n: 0.15 + 0 * n,
               hard=lambda n: 15 + 0 * n, hard_max_prob: float = 0.99999, soft_max_prob: float = 0.82,
               optimal_max_prob: float = 0.82, grad_norm: float = 1e-10, corr_adv: float = 0.99,
               corr_r: float = 0.8) -> list[RunRecord]:
    runs = []
    for s in range(seeds):
        e = _noise(s, 3)
        jitter = 0.002 * np.sin(s + 1) * np.ones(PAIRS.size)
        series = {"pairs": PAIRS, "kl/cpl": cpl(PAIRS) * e[0], "kl_predicted/cpl": predicted(PAIRS) * e[1] ** 0.1,
                  "kl/cpl_reward_labels": reward(PAIRS) * e[1], "kl/cpl_hard": hard(PAIRS) * e[2],
                  "value_gap/cpl": cpl(PAIRS) * e[0] * 3, "entropy/cpl_hard": np.full(PAIRS.size, 1e-9),
                  "kl/rlhf": cpl(PAIRS) * e[1], "kl/sft": np.full(PAIRS.size, 0.4),
                  "max_prob/cpl_hard": np.minimum(hard_max_prob + jitter, 1.0), "max_prob/cpl": soft_max_prob - jitter,
                  "max_prob/optimal": optimal_max_prob + 0 * jitter, "grad_norm/cpl": np.full(PAIRS.size, 1e-10),
                  "grad_norm/cpl_hard": np.full(PAIRS.size, grad_norm),
                  "corr_advantage/rlhf": np.full(PAIRS.size, corr_adv * e[2] ** 0.01),
                  "corr_reward/rlhf": np.full(PAIRS.size, corr_r * e[1] ** 0.01)}
        runs.append(_run("cpl/discounted", s, {"kl_softmax_reward": 0.015, "corr_advantage_reward": 0.81,
                                               "grad_tol": 1e-9}, series))
    return runs


def finite_horizon(seeds: int = 5, cpl=lambda n: 4e3 / n, rlhf=lambda n: 0.02 + 0 * n,
                   name: str = "cpl/finite_horizon") -> list[RunRecord]:
    runs = []
    for s in range(seeds):
        e = _noise(s, 2)
        series = {"pairs": FH_PAIRS, "kl/cpl": cpl(FH_PAIRS) * e[0], "kl/rlhf": rlhf(FH_PAIRS) * e[1],
                  "kl_last_step/rlhf": rlhf(FH_PAIRS) * 3}
        runs.append(_run(name, s, {"kl_pi_last_vs_first_step": 0.15}, series))
    return runs


def reward_results(seeds: int = 8, **fh) -> dict[str, list[RunRecord]]:
    return {"cpl/discounted": discounted(seeds), "cpl/finite_horizon": finite_horizon(min(seeds, 5), **fh),
            "cpl/finite_horizon_dense": finite_horizon(min(seeds, 5), name="cpl/finite_horizon_dense")}


def conservative(seeds: int = 5, mass_095: float = 1e-11, mass_1: float = 0.3, optimal_mass: float = 1e-7,
                 kl_full=(0.007, 0.01, 0.05, 0.38, 0.6)) -> list[RunRecord]:
    runs = []
    for s in range(seeds):
        e = _noise(s, 2, 0.1)
        unseen = [mass_1 * e[0], mass_1 * e[0] / 10, mass_095 * e[1], mass_095 * e[1] / 10, mass_095 * e[1] / 100]
        series = {"lambda": LAMBDAS, "unseen_mass_max/partial": unseen, "kl/full": np.array(kl_full) * e[0],
                  "kl_unmasked_states/partial": np.array(kl_full) * 2, "kl/partial": np.array(kl_full) * 2}
        runs.append(_run("cpl/conservative", s, {"optimal_mass_on_unseen": optimal_mass}, series))
    return runs


def minigrid(seeds: int = 6, cpl: float = 0.95, sft: float = 0.7, rlhf: float = 0.5,
             rl_step: float = 1.0) -> list[RunRecord]:
    runs = []
    for s in range(seeds):
        jitter = 0.02 * np.sin(s + 1)
        success = {"cpl": cpl + jitter, "sft": sft - jitter, "rlhf": rlhf + jitter / 2, "oracle": 1.0,
                   "behaviour": 0.3, "rl_on_true_advantage": rl_step - abs(jitter) / 10}
        metrics = {f"success/{m}": float(np.clip(v, 0, 1)) for m, v in success.items()}
        metrics.update({f"return/{m}": 0.8 * metrics[f"success/{m}"] for m in success})
        metrics["corr_advantage/rlhf"] = 0.5
        runs.append(_run("cpl/minigrid", s, metrics, {}))
    return runs


# ------------------------------------------------------------------------------------------------ consistency --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),                                              # KL = its prediction, slope −1
    ({"cpl": lambda n: 5000 / n}, "fails"),                     # 10× the first-order prediction
    ({"cpl": lambda n: 500 / n, "predicted": lambda n: 50 / n}, "fails"),   # ... or the prediction 10× too small
    ({"cpl": lambda n: 0.05 * (n / 1e3) ** -0.3, "predicted": lambda n: 0.05 * (n / 1e3) ** -0.3}, "fails"),  # −0.3
    ({"seeds": 3}, "inconclusive"),                             # too few seeds
    ({"cpl": lambda n: 1000 / n}, "inconclusive"),              # KL ≈ 2× the prediction: straddles the band's end
])
def test_consistency(kwargs, status):
    verdict = claims.check_consistency({"cpl/discounted": discounted(**kwargs)})
    assert verdict.status == status, verdict.explanation


# ----------------------------------------------------------------------------------------- wrong_model_bias --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),                                                       # plateau at 0.15, ~90× regret labels' KL
    ({"reward": lambda n: 30 / n}, "fails"),                             # falls like 1/N, below regret labels' KL
    ({"reward": lambda n: 30 * 500 / n}, "fails"),                       # 30× worse but at the 1/N rate
    ({"seeds": 3}, "inconclusive"),
    ({"reward": lambda n: 500 / 3e5 * 10 + 0 * n}, "inconclusive"),      # a plateau at 10× regret labels' KL
    ({"cpl": lambda n: 0.01 + 0 * n}, "invalid"),                        # regret labels plateau too: control fails
])
def test_wrong_model_bias(kwargs, status):
    verdict = claims.check_wrong_model_bias({"cpl/discounted": discounted(**kwargs)})
    assert verdict.status == status, verdict.explanation


# -------------------------------------------------------------------------------------- reward_learns_advantage --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),                                                              # RLHF plateaus, CPL falls below
    ({"cpl": lambda n: 0.03 + 0 * n, "rlhf": lambda n: 4e3 / n}, "fails"),     # the other way round
    ({"seeds": 3}, "inconclusive"),
    ({"cpl": lambda n: 2e4 / n}, "inconclusive"),                               # CPL ≈ RLHF at 1e6
])
def test_reward_learns_advantage(kwargs, status):
    verdict = claims.check_reward_learns_advantage(reward_results(**kwargs))
    assert verdict.status == status, verdict.explanation


# ---------------------------------------------------------------------------------------- conservative_tradeoff --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),
    ({"mass_095": 0.2}, "fails"),                                   # λ = 0.95 leaves mass on the unseen action
    ({"kl_full": (0.6, 0.38, 0.05, 0.01, 0.007)}, "fails"),         # KL falls as λ falls
    ({"seeds": 3}, "inconclusive"),
    ({"mass_095": 1e-3}, "inconclusive"),                           # at the threshold
    ({"optimal_mass": 0.3}, "invalid"),                             # π* itself uses the unseen action
])
def test_conservative_tradeoff(kwargs, status):
    verdict = claims.check_conservative_tradeoff({"cpl/conservative": conservative(**kwargs)})
    assert verdict.status == status, verdict.explanation


# ------------------------------------------------------------------------------------------------- hard_labels --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),                                             # max-action probability → 1, π*'s 0.82
    ({"hard_max_prob": 0.84}, "fails"),                        # as stochastic as π*
    ({"seeds": 3}, "inconclusive"),
    ({"hard_max_prob": 0.91}, "inconclusive"),                 # at the midpoint (1 + 0.82)/2
    ({"grad_norm": 1e-3}, "invalid"),                          # the optimiser stopped short of the tolerance
    ({"soft_max_prob": 0.99}, "invalid"),                      # sampled labels give a deterministic policy too
])
def test_hard_labels(kwargs, status):
    verdict = claims.check_hard_labels({"cpl/discounted": discounted(**kwargs)})
    assert verdict.status == status, verdict.explanation


def test_hard_labels_fails_for_a_policy_that_is_not_near_deterministic():
    """Formerly a known defect (the check judged only KL ≈ 15, set by the iteration cap): a hard-label policy as
    stochastic as a uniform one must fail, whatever its KL."""
    runs = discounted(hard_max_prob=0.25, hard=lambda n: 15 + 0 * n)
    assert claims.check_hard_labels({"cpl/discounted": runs}).status == "fails"


# ---------------------------------------------------------------------------------------------- minigrid_scale --
@pytest.mark.parametrize("kwargs, status", [
    ({}, "holds"),
    ({"cpl": 0.3, "sft": 0.9}, "fails"),
    ({"seeds": 3}, "inconclusive"),
    ({"cpl": 0.66, "sft": 0.7}, "inconclusive"),              # CPL − SFT ≈ −0.04: the bound straddles −0.05
    ({"rl_step": 0.2}, "invalid"),                            # the RL step fails even on the true A*
    ({"rlhf": 0.1}, "invalid"),                               # the RLHF baseline is worse than the noisy expert
])
def test_minigrid_scale(kwargs, status):
    verdict = claims.check_minigrid_scale({"cpl/minigrid": minigrid(**kwargs)})
    assert verdict.status == status, verdict.explanation


def test_minigrid_scale_is_not_decided_against_a_baseline_that_never_succeeds():
    """Formerly a known defect (the RLHF baseline succeeded 0.000 everywhere, so 'CPL ≥ RLHF' was implied)."""
    verdict = claims.check_minigrid_scale({"cpl/minigrid": minigrid(rlhf=0.0)})
    assert verdict.status == "invalid", verdict.explanation


def test_declared_controls_match_the_checks_that_run_them():
    declared = {c.id.removeprefix("cpl."): c.controls for c in SUITE.claims if c.controls}
    assert declared == claims.CONTROLS


def test_every_figure_renders_from_records(tmp_path):
    results = {**reward_results(), "cpl/conservative": conservative(), "cpl/minigrid": minigrid()}
    for claim in SUITE.claims:
        path = tmp_path / f"{claim.id}.png"
        claim.plot(results, str(path))
        assert path.stat().st_size > 0
