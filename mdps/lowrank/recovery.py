"""How well a learned representation recovers the true one, and the representation-recovery study.

Measures (Qiu et al. 2022, Lemma 3.1: the NCE minimiser satisfies φ̂ᵀψ̂ = P/P⁻, so span φ̂ = span φ*):
- :func:`subspace_sin`: sin θ_max(span φ̂, span φ*), the largest principal angle between the column spans;
- :func:`mean_tv`: mean over (h, s, a) of TV(P̂_h(·|s,a), P_h(·|s,a)) = ½ Σ_{s′}|P̂ − P|;
- :func:`svd_features`: the rank-d SVD baseline (top-d left singular vectors of the empirical P).

:func:`representation_study` runs one seed of the suite's ``representation`` experiment: a random low-rank MDP,
NCE with exact negatives fit on exact expectations and on N sampled transitions for every N, with the SVD and
random-feature baselines.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.linalg

from mdps.lowrank.curves import loglog_slope
from mdps.lowrank.mdp import random_lowrank_mdp
from mdps.lowrank.nce import fit_free_lbfgs, recovered_transitions


def mean_tv(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Mean over (h, s, a) of the total-variation distance ½ Σ_{s′}|P̂ − P|."""
    return float(0.5 * np.abs(estimate - truth).sum(-1).mean())


def subspace_sin(estimate: np.ndarray, truth: np.ndarray) -> float:
    """sin θ_max between the column spans of two (n, k) matrices (the largest principal angle)."""
    angles = scipy.linalg.subspace_angles(np.asarray(estimate, dtype=float), np.asarray(truth, dtype=float))
    return float(np.sin(angles.max()))


def svd_features(empirical: np.ndarray, rank: int) -> np.ndarray:
    """Rank-d SVD baseline: the top-d left singular vectors of the (S·A) × S′ empirical transition matrix."""
    u, _, _ = np.linalg.svd(np.asarray(empirical, dtype=float), full_matrices=False)
    return u[:, :rank]


def representation_study(num_states: int, num_actions: int, rank: int, sample_sizes: Sequence[float],
                         slope_from: float, restarts: int, max_iter: int, exact_max_iter: int,
                         instance_rng: np.random.Generator, data_rng: np.random.Generator,
                         init_rng: np.random.Generator) -> tuple[dict[str, float], dict[str, list[float]]]:
    """One seed: NCE (exact negatives over a uniform P⁻, free tables, L-BFGS, cold restarts) on a random low-rank
    MDP (one level, (s, a) uniform), fit on exact expectations and on N sampled transitions for each N.

    ``instance_rng`` draws the MDP and the random-feature baseline, ``data_rng`` the transitions, ``init_rng`` the
    fits' cold starts. Returns metrics (``exact_sin``, ``exact_tv``, ``random_sin``, ``sin@N``, ``tv@N``,
    ``slope_sin``/``slope_tv`` over N ≥ ``slope_from`` when there are ≥ 3 such N) and series per N (``sin``, ``tv``,
    ``svd_sin``, ``empirical_tv``, ``sample_sizes``); wall-clock seconds under ``timing/`` (not results).
    """
    s, a, d = num_states, num_actions, rank
    negative = np.full(s, 1.0 / s)
    mdp = random_lowrank_mdp(s, a, d, 1, instance_rng)
    truth = mdp.transitions()[0]
    true_features = mdp.phi[0].reshape(s * a, d)
    start = time.perf_counter()
    phi, psi, _, _ = fit_free_lbfgs(truth / (s * a), negative, d, restarts, exact_max_iter, init_rng)
    exact_seconds = time.perf_counter() - start
    metrics = {"exact_sin": subspace_sin(phi.reshape(s * a, d), true_features),
               "exact_tv": mean_tv(recovered_transitions(phi, psi, negative), truth),
               "random_sin": subspace_sin(instance_rng.dirichlet(np.ones(d), size=s * a), true_features),
               "timing/exact_fit_seconds": exact_seconds}
    series: dict[str, list[float]] = {k: [] for k in ("sin", "tv", "svd_sin", "empirical_tv", "timing/fit_seconds")}
    for n in sample_sizes:
        visits = data_rng.multinomial(int(n), np.full(s * a, 1.0 / (s * a))).reshape(s, a)
        counts = data_rng.multinomial(visits, truth).astype(float)
        start = time.perf_counter()
        phi, psi, _, _ = fit_free_lbfgs(counts, negative, d, restarts, max_iter, init_rng)
        series["timing/fit_seconds"].append(time.perf_counter() - start)
        series["sin"].append(subspace_sin(phi.reshape(s * a, d), true_features))
        series["tv"].append(mean_tv(recovered_transitions(phi, psi, negative), truth))
        empirical = counts / np.maximum(counts.sum(-1, keepdims=True), 1.0)
        series["svd_sin"].append(subspace_sin(svd_features(empirical.reshape(s * a, s), d), true_features))
        series["empirical_tv"].append(mean_tv(empirical, truth))
    series["sample_sizes"] = [float(n) for n in sample_sizes]
    used = [i for i, n in enumerate(sample_sizes) if n >= slope_from]
    if len(used) >= 3:
        x = [sample_sizes[i] for i in used]
        metrics["slope_sin"] = loglog_slope(x, [series["sin"][i] for i in used])
        metrics["slope_tv"] = loglog_slope(x, [series["tv"][i] for i in used])
    for i, n in enumerate(sample_sizes):
        metrics[f"sin@{n:.0e}"] = series["sin"][i]
        metrics[f"tv@{n:.0e}"] = series["tv"][i]
    metrics["timing/mean_fit_seconds"] = float(np.mean(series["timing/fit_seconds"]))
    return metrics, series
