"""Speed of the CPL suite's tabular sweep (pytest-benchmark; `make bench`).

- one seed of ``cpl/discounted`` at N ∈ {1e4, 1e5} pairs (sampling, labels, 4 exact fits + SFT per N);
- the sparse-design L-BFGS CPL fit vs a dense torch L-BFGS on per-step log-probs (same data, same optimum);
- segment sampling: one binary search per draw (RowSampler) vs a per-row cumulative sum.
Ratios are measured in the same process (absolute timings depend on the machine's load).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.suites.cpl.experiments import DiscountedConfig, run_discounted
from mdps.tabular.cpl import cpl_loss, fit_cpl_table
from mdps.tabular.mdp import random_mdp, soft_value_iteration
from mdps.tabular.segments import (
    RowSampler,
    contrastive_design,
    masked_uniform_behaviour,
    regret_labelled_pairs,
    segment_features,
)


def test_discounted_sweep_one_seed(benchmark):
    config = DiscountedConfig(pair_counts=(10_000, 100_000))
    results = benchmark.pedantic(run_discounted, args=(config, [0]), rounds=1, iterations=1)
    assert results[0].series["kl/cpl"][-1] < 0.02


def _data(n: int):
    rng = np.random.default_rng(0)
    mdp = random_mdp(rng, 20, 4, 0.9)
    opt = soft_value_iteration(mdp, 0.1)
    beh = masked_uniform_behaviour(20, 4)
    return regret_labelled_pairs(mdp, opt.advantage, beh, n, 5, 0.9, rng)


def _torch_fit(a, b, y, iterations: int = 30) -> np.ndarray:
    """The same CPL objective by torch L-BFGS on gathered per-step log-probs (the naive route)."""
    theta = torch.zeros(20, 4, dtype=torch.float64, requires_grad=True)
    yt = torch.from_numpy(y)
    sa, aa, sb, ab = (torch.from_numpy(x) for x in (a.states, a.actions, b.states, b.actions))
    sp, ap = torch.where(yt[:, None], sa, sb), torch.where(yt[:, None], aa, ab)
    sr, ar = torch.where(yt[:, None], sb, sa), torch.where(yt[:, None], ab, aa)
    optimiser = torch.optim.LBFGS([theta], max_iter=iterations, tolerance_grad=1e-12, tolerance_change=1e-15,
                                  history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        log_pi = torch.log_softmax(theta, -1)
        loss = cpl_loss(log_pi[sp, ap], log_pi[sr, ar], 0.1, 0.9).mean()
        loss.backward()
        return loss

    optimiser.step(closure)
    return torch.log_softmax(theta, -1).detach().numpy()


def test_sparse_fit_vs_torch_fit_ratio(benchmark):
    a, b, y = _data(100_000)
    design = contrastive_design(segment_features(a, 20, 4, 0.9), segment_features(b, 20, 4, 0.9), y)
    start = time.process_time()
    torch_log_pi = _torch_fit(a, b, y)
    torch_time = time.process_time() - start
    start = time.process_time()
    log_pi, _ = fit_cpl_table(design, 4, 0.1)
    sparse_time = time.process_time() - start
    benchmark.pedantic(fit_cpl_table, args=(design, 4, 0.1), rounds=1, iterations=1)
    assert np.abs(np.exp(log_pi) - np.exp(torch_log_pi)).max() < 1e-3
    benchmark.extra_info["torch_over_sparse_cpu_time"] = torch_time / sparse_time
    print(f"\ntorch L-BFGS {torch_time:.2f}s vs sparse L-BFGS {sparse_time:.2f}s: ratio {torch_time / sparse_time:.1f}")


def test_row_sampler_vs_cumsum_ratio(benchmark):
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.ones(20), size=80)
    rows = rng.integers(80, size=1_000_000)
    sampler = RowSampler(table)
    start = time.process_time()
    cdf = np.cumsum(table[rows], -1)
    naive = (cdf < rng.random(rows.size)[:, None]).sum(-1)
    naive_time = time.process_time() - start
    start = time.process_time()
    fast = sampler(rows, rng)
    fast_time = time.process_time() - start
    benchmark.pedantic(sampler, args=(rows, rng), rounds=1, iterations=1)
    assert np.abs(np.bincount(naive, minlength=20) - np.bincount(fast, minlength=20)).max() < 0.01 * rows.size
    benchmark.extra_info["cumsum_over_searchsorted_cpu_time"] = naive_time / fast_time
    print(f"\ncumsum {naive_time:.3f}s vs searchsorted {fast_time:.3f}s: ratio {naive_time / fast_time:.1f}")
