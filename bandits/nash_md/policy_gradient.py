"""Sampled Nash-MD-PG on a preference game with a tabular softmax policy, batched over seeds × mixtures β.

Per step and per (seed, β): draw y ∼ π_θ and y′ ∼ π^β_θ ∝ π_θ^{1−β}·μ^β (stop-gradient), score the pair by
P(y ≻ y′), and take an SGD step on ``bandits.objectives.nash_md_pg_loss`` (the same loss the LM bridge uses),
with a Robbins–Monro step size lr_t = lr/(1 + t/lr_decay_steps). Every draw of seed s comes from that seed's
own ``torch.Generator`` (so a seed's run does not depend on which seeds share the batch).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bandits.games import check_preference_matrix
from bandits.objectives import geometric_mixture_log_probs, nash_md_pg_loss
from bandits.solvers import check_reference, check_tau


@dataclass(frozen=True)
class PGRun:
    """``steps`` (R,) recorded steps and ``log_probs`` (R, S, B, K): ln π_θ for seed s and mixture β_b."""

    steps: np.ndarray
    log_probs: np.ndarray


def sample_categorical(log_probs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draws: for log-probs (..., K) and uniforms (..., N) in [0, 1), indices (..., N)."""
    cdf = log_probs.exp().cumsum(-1)
    cdf = cdf / cdf[..., -1:]
    return torch.searchsorted(cdf.contiguous(), uniforms.contiguous(), right=True).clamp_max(log_probs.shape[-1] - 1)


def train_nash_md_pg(matrix: np.ndarray, mu: np.ndarray, tau: float, betas: Sequence[float],
                     generators: Sequence[torch.Generator], steps: int, batch_size: int, lr: float,
                     lr_decay_steps: float, record_at: Sequence[int], sample_outcomes: bool = False) -> PGRun:
    """Train π_θ = softmax(θ) from θ = ln μ by sampled Nash-MD-PG for every seed (generator) and every β.

    ``sample_outcomes`` replaces P(y ≻ y′) by a Bernoulli draw of the preference (a noisier, still unbiased
    gradient, as with human raters)."""
    p_np = check_preference_matrix("P", matrix)
    k = p_np.shape[-1]
    mu_np = check_reference("mu", mu, k)
    check_tau(tau)
    beta = torch.as_tensor(np.asarray(betas, dtype=float))
    if beta.ndim != 1 or beta.numel() == 0 or not bool(((beta >= 0) & (beta <= 1)).all()):
        raise ValueError(f"betas must be a non-empty list of values in [0, 1], got {list(betas)}")
    if steps < 1 or batch_size < 1 or not lr > 0 or not lr_decay_steps > 0:
        raise ValueError("steps, batch_size, lr and lr_decay_steps must be positive")
    record = np.asarray(record_at, dtype=int)
    if record.size == 0 or record.min() < 0 or record.max() > steps or np.any(np.diff(record) <= 0):
        raise ValueError(f"record_at must be increasing steps in [0, {steps}]")
    p = torch.as_tensor(p_np)
    log_mu = torch.as_tensor(np.log(mu_np))
    seeds, mixtures = len(generators), beta.numel()
    theta = log_mu.expand(seeds, mixtures, k).clone().requires_grad_(True)
    beta_col = beta[None, :, None]
    out = np.empty((record.size, seeds, mixtures, k))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: intra-op threads only add contention (restored below)
    try:
        _sgd_loop(theta, p, log_mu, beta_col, tau, generators, steps, batch_size, lr, lr_decay_steps, record, out,
                  sample_outcomes)
    finally:
        torch.set_num_threads(threads)
    return PGRun(record, out)


def _sgd_loop(theta: torch.Tensor, p: torch.Tensor, log_mu: torch.Tensor, beta_col: torch.Tensor, tau: float,
              generators: Sequence[torch.Generator], steps: int, batch_size: int, lr: float, lr_decay_steps: float,
              record: np.ndarray, out: np.ndarray, sample_outcomes: bool) -> None:
    mixtures = beta_col.shape[1]
    slot = 0
    for step in range(steps + 1):
        logp = torch.log_softmax(theta, dim=-1)
        if step == record[slot]:
            out[slot] = logp.detach().numpy()
            slot += 1
            if slot == record.size:
                break
        opponent = geometric_mixture_log_probs(logp, log_mu, beta_col)
        draws = torch.stack([torch.rand((mixtures, 3, batch_size), generator=g, dtype=torch.float64)
                             for g in generators])
        y = sample_categorical(logp.detach(), draws[:, :, 0])
        y_prime = sample_categorical(opponent, draws[:, :, 1])
        preference = p[y, y_prime]
        if sample_outcomes:
            preference = (draws[:, :, 2] < preference).to(torch.float64)
        loss = nash_md_pg_loss(logp.gather(-1, y), log_mu[y], preference, tau).mean(-1).sum()
        (grad,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta -= lr / (1.0 + step / lr_decay_steps) * grad
