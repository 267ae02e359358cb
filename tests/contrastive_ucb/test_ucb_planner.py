"""Bonus and optimistic planner on tiny MDPs against brute force, and the learners' determinism."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mdps.lowrank.curves import episodes_to
from mdps.lowrank.learners import FitSettings, LearnerSpec, optimistic_q, run_learner
from mdps.lowrank.mdp import combination_lock, optimal_values, policy_values, random_lowrank_mdp
from mdps.lowrank.planners import elliptical_bonus


def _generators(seeds):
    """Fresh per-seed numpy and torch generators (the learners' acting and NCE streams)."""
    return ([np.random.default_rng([s, 7]) for s in seeds], [torch.Generator().manual_seed(s) for s in seeds])


def test_elliptical_bonus_matches_explicit_sum():
    rng = np.random.default_rng(0)
    phi = rng.dirichlet(np.ones(3), size=(1, 2, 3, 2))
    counts = rng.integers(0, 4, size=(1, 2, 3, 2)).astype(float)
    bonus, _ = elliptical_bonus(phi, counts, 0.5)
    for h in range(2):
        gram = 0.5 * np.eye(3)
        for s, a in itertools.product(range(3), range(2)):
            for _ in range(int(counts[0, h, s, a])):
                gram += np.outer(phi[0, h, s, a], phi[0, h, s, a])
        for s, a in itertools.product(range(3), range(2)):
            x = phi[0, h, s, a]
            assert bonus[0, h, s, a] == pytest.approx(np.sqrt(x @ np.linalg.solve(gram, x)))


def _brute_force_optimum(p, r):
    horizon, s, a = r.shape
    best = np.full(s, -np.inf)
    for choice in itertools.product(range(a), repeat=horizon * s):
        v = policy_values(p, r, np.array(choice).reshape(horizon, s))[0]
        best = np.maximum(best, v)
    return best


@pytest.mark.parametrize("features", ["tabular", "oracle", "learned_tied"])
def test_planner_without_bonus_on_exact_model_is_optimal(features):
    """With β = 0 and exact data (counts ∝ P, or the true model), the planner's V_0 is the brute-force optimum."""
    mdp = random_lowrank_mdp(3, 2, 2, 3, np.random.default_rng(7))
    p = mdp.transitions()[None]
    counts = p * 1e6  # expected counts: the empirical model is exact
    spec = LearnerSpec(features, 0.0)
    q = optimistic_q(spec, mdp.reward[None], counts, mdp.phi[None], p, ridge=1e-9)
    np.testing.assert_allclose(q[0, 0].max(-1), _brute_force_optimum(p[0], mdp.reward), atol=1e-6)


@pytest.mark.parametrize("features", ["tabular", "oracle"])
def test_bonus_makes_q_optimistic_and_clipped(features):
    mdp = random_lowrank_mdp(3, 2, 2, 3, np.random.default_rng(8))
    p = mdp.transitions()[None]
    rng = np.random.default_rng(0)
    counts = rng.multinomial(5, p.reshape(-1, 3)).reshape(p.shape).astype(float)
    q_star, _ = optimal_values(p[0], mdp.reward)
    q = optimistic_q(LearnerSpec(features, 10.0), mdp.reward[None], counts, mdp.phi[None], None, ridge=1.0)
    assert np.all(q[0] >= q_star - 1e-9)
    assert np.all(q[0] <= (3 - np.arange(3))[:, None, None] + 1e-12)


def test_oracle_and_tabular_ucbvi_open_a_short_lock():
    locks = [combination_lock(6, 4, 2, np.random.default_rng([s, 2])) for s in (0, 1)]
    args = [np.stack([getattr(l.mdp, k) if k != "P" else l.mdp.transitions() for l in locks])
            for k in ("P", "reward", "initial", "phi")]
    oracle = run_learner(*args, LearnerSpec("oracle", 1.0, "on_policy"), 300, *_generators([0, 1]))
    assert np.all(episodes_to(oracle.suboptimality, 0.1) < 300)
    tabular = run_learner(*args, LearnerSpec("tabular", 0.1, "on_policy"), 300, *_generators([0, 1]))
    assert np.all(episodes_to(tabular.suboptimality, 0.1) < 300)
    assert np.all(tabular.goal_reached > 0)


def test_learner_is_deterministic_and_batch_independent():
    locks = [combination_lock(3, 2, 2, np.random.default_rng([s, 2])) for s in (0, 1)]
    args = [np.stack([getattr(l.mdp, k) if k != "P" else l.mdp.transitions() for l in locks])
            for k in ("P", "reward", "initial", "phi")]
    fit = FitSettings(refit_every=10, steps=20, restarts=2, single_precision=False)
    spec = LearnerSpec("learned_tied", 1.0)
    both = run_learner(*args, spec, 30, *_generators([0, 1]), fit)
    again = run_learner(*args, spec, 30, *_generators([0, 1]), fit)
    alone = run_learner(*[x[1:] for x in args], spec, 30, *_generators([1]), fit)
    np.testing.assert_array_equal(both.suboptimality, again.suboptimality)
    np.testing.assert_allclose(both.suboptimality[1], alone.suboptimality[0], atol=1e-9)


def test_episodes_to_censors_at_k():
    assert episodes_to(np.array([[1.0, 0.5, 0.05, 0.2], [1.0, 1.0, 1.0, 1.0]]), 0.1).tolist() == [2.0, 4.0]


def test_bad_learner_inputs_raise():
    with pytest.raises(ValueError, match="feature source"):
        LearnerSpec("bogus", 1.0)
    with pytest.raises(ValueError, match="bonus"):
        LearnerSpec("oracle", -1.0)
    with pytest.raises(ValueError, match="epsilon"):
        LearnerSpec("oracle", 1.0, "epsilon_greedy", 1.5)


def test_lock_study_copies_the_generators_and_keys_timings_apart():
    """Every learner starts from copies of the same per-seed generators (the caller's are not advanced), so the
    same learner under two names gives identical results; wall-clock measures sit under timing/."""
    from mdps.lowrank.lock_study import LockStudy, lock_study

    same = LearnerSpec("tabular", 0.1, "on_policy")
    study = LockStudy(3, 2, 3, 0.05, 20, {"first": same, "second": same}, FitSettings(), 0.1)
    rngs, generators = _generators([0, 1])
    lock_rngs = [np.random.default_rng([s, 2]) for s in (0, 1)]
    before = [g.bit_generator.state for g in rngs + lock_rngs]
    pairs = lock_study(study, 2, lock_rngs, rngs, generators)
    assert [g.bit_generator.state for g in rngs + lock_rngs] == before
    for metrics, series in pairs:
        assert series["subopt/first"] == series["subopt/second"]
        assert metrics["regret/first"] == metrics["regret/second"]
        assert {k.split("/")[0] for k in metrics} == {"t01", "goal_reached", "final_subopt", "regret",
                                                      "regret_slope", "timing"}
    assert pairs[0][1]["subopt/first"] != pairs[1][1]["subopt/first"]  # seeds differ
