"""CPL at Minigrid scale, the neural side: M independent MLPs batched in one tensor, trained full-batch (the suite
trains one layout at a time, M = 1, so a seed never shares a batch).

A policy MLP is trained by CPL-BC (CPL Eq. 7/8 with conservative λ, plus c·NLL of every segment step) or by SFT
(behaviour cloning on the preferred segments); a reward MLP by Bradley–Terry on summed discounted r̂ (Eq. 1). Each
step evaluates every network once on all S states of its task and gathers the table entries its segments use, so a
step costs the same for any number of pairs and the gradient is the exact full-data gradient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from mdps.minigrid.envs import NUM_ACTIONS
from mdps.tabular.cpl import bt_reward_loss, cpl_loss

ROLES = ("cpl", "sft", "reward")


def init_mlp(num_models: int, sizes: tuple[int, ...], generator: torch.Generator) -> list[Tensor]:
    """Weights and biases of ``num_models`` independent MLPs (PyTorch's default uniform init), as leaf tensors."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        for shape in ((num_models, fan_in, fan_out), (num_models, 1, fan_out)):
            params.append(((torch.rand(shape, generator=generator) * 2 - 1) * bound).requires_grad_())
    return params


def mlp(params: list[Tensor], x: Tensor) -> Tensor:
    """Batched MLP: x (M, B, in) → (M, B, out), ReLU between layers."""
    for i in range(0, len(params), 2):
        x = torch.baddbmm(params[i + 1], x, params[i])
        if i + 2 < len(params):
            x = torch.relu(x)
    return x


@dataclass(frozen=True)
class PairData:
    """Preference pairs of every model, stacked: states/actions (M, N, k) int64, σ⁺ first."""

    preferred_states: Tensor
    preferred_actions: Tensor
    rejected_states: Tensor
    rejected_actions: Tensor


def _flat_index(states: Tensor, actions: Tensor) -> Tensor:
    """(M, N, k) state and action indices → (M, N·k) indices into a flattened (S·A) table."""
    return (states * NUM_ACTIONS + actions).reshape(states.shape[0], -1)


def train_networks(features: Tensor, data: PairData, role: str, generator: torch.Generator, hidden: int,
                   steps: int, lr: float, alpha: float, gamma: float, lam: float,
                   bc_weight: float = 0.0) -> list[Tensor]:
    """Train M independent MLPs (one per seed) with full-batch Adam on their own pairs.

    ``role``: 'cpl' (policy, CPL Eq. 8 with λ, plus ``bc_weight``·NLL of every segment step: CPL-BC), 'sft'
    (policy, NLL of the preferred segments' actions), 'reward' (Bradley–Terry on summed discounted r̂, Eq. 1).
    ``features`` (M, S, F) holds every state's inputs."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    m, n, k = data.preferred_states.shape
    params = init_mlp(m, (features.shape[-1], hidden, hidden, NUM_ACTIONS), generator)
    optimiser = torch.optim.Adam(params, lr=lr)
    pos = _flat_index(data.preferred_states, data.preferred_actions)
    neg = _flat_index(data.rejected_states, data.rejected_actions)
    for _ in range(steps):
        out = mlp(params, features)
        table = (out if role == "reward" else torch.log_softmax(out, -1)).reshape(m, -1)
        picked_pos = table.gather(1, pos).reshape(m, n, k)
        if role == "sft":
            loss = -picked_pos.mean(dim=(1, 2))
        else:
            picked_neg = table.gather(1, neg).reshape(m, n, k)
            if role == "cpl":
                loss = cpl_loss(picked_pos, picked_neg, alpha, gamma, lam).mean(-1)
                if bc_weight:
                    loss = loss - bc_weight * 0.5 * (picked_pos.mean(dim=(1, 2)) + picked_neg.mean(dim=(1, 2)))
            else:
                loss = bt_reward_loss(picked_pos, picked_neg, gamma).mean(-1)
        optimiser.zero_grad()
        loss.sum().backward()
        optimiser.step()
    return params


@torch.no_grad()
def policy_tables(params: list[Tensor], features: Tensor) -> np.ndarray:
    """π(·|s) of every state for every model: (M, S, A) float64."""
    return torch.softmax(mlp(params, features), -1).double().numpy()


@torch.no_grad()
def value_tables(params: list[Tensor], features: Tensor) -> np.ndarray:
    """Network outputs of every state for every model: (M, S, A) float64 (the learned r̂)."""
    return mlp(params, features).double().numpy()
