"""REINFORCE baseline for HDPO (paper §6 comparison): a Gaussian policy on the same network.

The order is q_t = μ·softplus(z_t) with z_t ~ N(f_θ(x_t/μ), σ²) (σ = exp(log σ), learned per model and store).
Actions are sampled, then treated as constants by the simulator, and the score-function estimator is

    ∇J ≈ (1/(B·T)) Σ_b Σ_t ∇ log π_θ(z_t^b | x_t^b) · (G_t^b − b_t),   G_t^b = Σ_{s>=t} c_s^b,

with b_t the batch mean of G_t (a baseline; Williams 1992, Sutton & Barto eq. 13.11 with a baseline). It uses
the same scenarios, minibatches and periods per update as HDPO, so "equal simulated periods" holds by
construction. The deterministic policy (z = f_θ) is what the dev set scores.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from mdps.inventory.hdpo import Data


class GaussianStorePolicy(nn.Module):
    """Wraps a ``StoreMLPPolicy``; in sampling mode it draws z from pre-drawn standard normals and logs
    log π(z|x) per period (the simulator sees only detached orders)."""

    def __init__(self, base: nn.Module, models: int, stores: int, initial_log_std: float = -0.5):
        super().__init__()
        self.base = base
        self.log_std = nn.Parameter(torch.full((models, 1, stores), float(initial_log_std)))
        self.noise: torch.Tensor | None = None
        self.log_probs: list[torch.Tensor] = []

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        mean = self.base.pre_activation(state)
        if self.noise is None:
            return self.base.order(mean)
        t = len(self.log_probs)
        std = self.log_std.exp()
        z = (mean + std * self.noise[..., t]).detach()
        log_prob = -0.5 * ((z - mean) / std) ** 2 - self.log_std - 0.5 * math.log(2 * math.pi)
        self.log_probs.append(log_prob.sum(-1))
        return self.base.order(z)


def reinforce_loss(policy: GaussianStorePolicy, rollout: Callable[[nn.Module, Data], torch.Tensor],
                   batch: Data, generators: Sequence[torch.Generator], stores: int = 1) -> torch.Tensor:
    """The surrogate whose gradient is the REINFORCE estimate above (Σ over models, like ``hdpo_loss``)."""
    demand = batch["demand"]
    b, periods = demand.shape[1], demand.shape[-1]
    policy.noise = torch.stack([torch.randn((b, stores, periods), generator=g) for g in generators])
    policy.log_probs = []
    try:
        costs = rollout(policy, batch).detach()  # (M, B, T): no pathwise gradient flows
    finally:
        policy.noise = None
    log_probs = torch.stack(policy.log_probs, dim=-1)  # (M, B, T)
    policy.log_probs = []
    to_go = costs.flip(-1).cumsum(-1).flip(-1)
    advantage = to_go - to_go.mean(dim=1, keepdim=True)
    return (log_probs * advantage).sum() / (b * periods * stores)
