"""Speed of the Contrastive UCB suite (pytest-benchmark; `make bench`).

- episodes per second of each learner on the quick-budget anti-shaped lock (H = 10, A = 4, m = 5, D = 0.05),
  3 seeds batched, 100 episodes (learned-feature learners include their 1 refit in the count);
- seconds per representation refit: tied features on the lock's counts (3 seeds × 3 restarts, 200 Adam steps,
  float32 and float64) and one free-table L-BFGS fit of the representation experiment (S = 30, A = 4, d = 5).
Read the numbers as ratios measured in the same run: absolute timings depend on the machine's load. One torch
thread, as in the executors' workers.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mdps.lowrank.learners import FitSettings, LearnerSpec, run_learner
from mdps.lowrank.mdp import combination_lock, random_lowrank_mdp
from mdps.lowrank.nce import fit_free_lbfgs, fit_nce

SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread, as in the executors' workers (two threads on a shared 2-core machine mostly wait)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


EPISODES = 100
LEARNERS = {
    "contrastive_ucb": LearnerSpec("learned_tied", 1.0, "one_step_random"),
    "greedy": LearnerSpec("learned_tied", 0.0, "on_policy"),
    "oracle": LearnerSpec("oracle", 1.0, "on_policy"),
    "random_features": LearnerSpec("random", 1.0, "on_policy"),
    "ucbvi": LearnerSpec("tabular", 0.1, "on_policy"),
}


def _lock_arrays(horizon: int = 10, m: int = 5):
    locks = [combination_lock(horizon, 4, m, np.random.default_rng([s, 2]), distractor=0.05) for s in SEEDS]
    return (np.stack([lock.mdp.transitions() for lock in locks]), np.stack([lock.mdp.reward for lock in locks]),
            np.stack([lock.mdp.initial for lock in locks]), np.stack([lock.mdp.phi for lock in locks]))


@pytest.mark.parametrize("name", list(LEARNERS))
def test_learner_episodes_per_second(benchmark, name):
    arrays = _lock_arrays()
    fit = FitSettings(steps=200, refit_every=50)
    generators = ([np.random.default_rng([s, 7]) for s in SEEDS], [torch.Generator().manual_seed(s) for s in SEEDS])
    trace = benchmark.pedantic(run_learner, args=(*arrays, LEARNERS[name], EPISODES, *generators, fit), rounds=1,
                               iterations=1)
    if benchmark.stats is not None:  # None when pytest-benchmark is disabled (a plain test run)
        benchmark.extra_info["episodes_per_second (all seeds)"] = EPISODES * len(SEEDS) / benchmark.stats.stats.mean
    assert trace.suboptimality.shape == (len(SEEDS), EPISODES)


def _lock_counts():
    transitions, reward, initial, phi = _lock_arrays()
    trace_counts = np.random.default_rng(0).multinomial(200, transitions.reshape(-1, transitions.shape[-1]))
    return trace_counts.reshape(transitions.shape).astype(float)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_tied_refit_seconds(benchmark, precision):
    counts = _lock_counts()
    negative = np.full(counts.shape[-1], 1.0 / counts.shape[-1])
    dtype = torch.float32 if precision == "float32" else torch.float64
    fit = benchmark.pedantic(
        lambda: fit_nce(counts, negative, 4, "tied", 3, 200, [torch.Generator().manual_seed(s) for s in SEEDS],
                        dtype=dtype), rounds=1, iterations=1)
    assert np.all(np.isfinite(fit.loss))


def test_representation_fit_seconds(benchmark):
    rng = np.random.default_rng(0)
    mdp = random_lowrank_mdp(30, 4, 5, 1, rng)
    counts = rng.multinomial(rng.multinomial(10**6, np.full(120, 1 / 120)).reshape(30, 4), mdp.transitions()[0])
    phi, _, _, _ = benchmark.pedantic(fit_free_lbfgs, args=(counts.astype(float), np.full(30, 1 / 30), 5, 3, 400, rng),
                                      rounds=1, iterations=1)
    assert phi.shape == (30, 4, 5)
