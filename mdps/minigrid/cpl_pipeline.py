"""The cpl suite's Minigrid experiment as one library call per layout: a soft-Q oracle and noisy-expert preference
pairs with regret labels (CPL Eq. 5); neural CPL-BC, SFT and a Bradley–Terry reward trained on that layout alone;
RLHF's policy by P-IQL-like one-step offline RL on r̂ restricted to the data's support; exact success probabilities.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from mdps.minigrid.cpl import (
    TabularGrid,
    fourrooms_grid,
    noisy_expert,
    offline_soft_vi,
    one_step_offline_rl,
    success_probability,
)
from mdps.minigrid.cpl_networks import PairData, policy_tables, train_networks, value_tables
from mdps.minigrid.envs import NUM_ACTIONS
from mdps.tabular.mdp import SoftOptimum, soft_value_iteration
from mdps.tabular.pipelines import correlation
from mdps.tabular.segments import regret_labelled_pairs


@dataclass(frozen=True)
class LayoutPreferences:
    """One layout's task, oracle, behaviour policy and labelled pairs: states/actions (N, k), σ⁺ first."""

    grid: TabularGrid
    optimum: SoftOptimum
    behaviour: np.ndarray
    preferred_states: np.ndarray
    preferred_actions: np.ndarray
    rejected_states: np.ndarray
    rejected_actions: np.ndarray


def layout_preferences(grid: TabularGrid, rng: np.random.Generator, *, alpha: float, gamma: float, epsilon: float,
                       num_pairs: int, segment_length: int) -> LayoutPreferences:
    """Oracle π*, A* by soft policy iteration; segment pairs of the ε-noisy expert from uniform start poses;
    labels sampled from the regret model with the oracle's A*."""
    opt = soft_value_iteration(grid.mdp, alpha)
    behaviour = noisy_expert(opt.q, epsilon)
    start = np.full(grid.mdp.num_states, 1.0 / (grid.mdp.num_states - 1))
    start[grid.absorbing] = 0.0
    seg_a, seg_b, labels = regret_labelled_pairs(grid.mdp, opt.advantage, behaviour, num_pairs, segment_length, gamma,
                                                 rng, start)
    y = labels[:, None]
    return LayoutPreferences(grid, opt, behaviour, np.where(y, seg_a.states, seg_b.states),
                             np.where(y, seg_a.actions, seg_b.actions), np.where(y, seg_b.states, seg_a.states),
                             np.where(y, seg_b.actions, seg_a.actions))


def layout_inputs(layout: LayoutPreferences) -> tuple[torch.Tensor, PairData]:
    """The layout's state features as a batch of one model (1, S, F) and its pairs (1, N, k)."""
    features = torch.from_numpy(layout.grid.features)[None]
    data = PairData(*(torch.from_numpy(getattr(layout, name))[None] for name in
                      ("preferred_states", "preferred_actions", "rejected_states", "rejected_actions")))
    return features, data


def data_support(layout: LayoutPreferences) -> tuple[np.ndarray, np.ndarray]:
    """Step counts (S, A) of the (state, action) pairs whose successor the data shows, and the max-ent reference
    policy uniform on the seen actions of each state (all-zero rows where a state is never seen)."""
    counts = np.zeros((layout.grid.mdp.num_states, NUM_ACTIONS))
    states = np.concatenate([layout.preferred_states, layout.rejected_states])[:, :-1]
    actions = np.concatenate([layout.preferred_actions, layout.rejected_actions])[:, :-1]
    np.add.at(counts, (states, actions), 1.0)
    return counts, (counts > 0) / np.maximum((counts > 0).sum(-1, keepdims=True), 1.0)


def evaluate_layout(layout: LayoutPreferences, cpl: np.ndarray, sft: np.ndarray, reward: np.ndarray, *,
                    alpha: float, gamma: float) -> dict[str, float]:
    """Success probability and return of CPL, SFT, RLHF (P-IQL-like one-step offline RL on r̂), the oracle, the
    noisy expert, the same offline RL on the true A* (a check of the RL step, not a learnable baseline) and the
    first baseline's RL step (offline soft VI on r̂, an observation); data coverage and corr(r̂, A*) on the seen
    (state, action) pairs."""
    grid, opt = layout.grid, layout.optimum
    counts, support = data_support(layout)
    next_state = grid.mdp.transitions.argmax(-1)  # deterministic: where counts > 0 the data shows this successor
    behaviour = counts / np.maximum(counts.sum(-1, keepdims=True), 1.0)  # the data's empirical π_β
    terminal = next_state == grid.absorbing
    policies = {"cpl": cpl, "sft": sft, "oracle": opt.policy, "behaviour": layout.behaviour,
                "rlhf": one_step_offline_rl(reward, behaviour, next_state, terminal, alpha, gamma),
                "rl_on_true_advantage": one_step_offline_rl(opt.advantage, behaviour, next_state, terminal, alpha,
                                                            gamma),
                "rlhf_soft_vi": offline_soft_vi(reward, support, next_state, alpha, gamma)}
    metrics = {}
    for name, pi in policies.items():
        metrics[f"success/{name}"], metrics[f"return/{name}"] = success_probability(grid, pi)
    seen = counts > 0
    metrics["coverage"] = float(seen[: grid.absorbing].mean())
    metrics["corr_advantage/rlhf"] = correlation(reward[seen], opt.advantage[seen])
    metrics["num_states"] = float(grid.mdp.num_states)
    return metrics


def minigrid_preference_study(layout_seed: int, rng: np.random.Generator, init: Mapping[str, torch.Generator], *,
                              alpha: float, gamma: float, epsilon: float, num_pairs: int, segment_length: int,
                              lam: float, bc_weight: float, hidden: int, steps: int, lr: float) -> dict[str, float]:
    """The metrics of one FourRooms layout (``reset(seed=layout_seed)``): pairs drawn with ``rng``; the CPL-BC, SFT
    and Bradley–Terry reward networks initialised from ``init["cpl"]``, ``init["sft"]``, ``init["reward"]``.
    Nothing is shared between layouts, so a seed's numbers do not depend on which other seeds run with it."""
    layout = layout_preferences(fourrooms_grid(layout_seed, alpha, gamma), rng, alpha=alpha, gamma=gamma,
                                epsilon=epsilon, num_pairs=num_pairs, segment_length=segment_length)
    features, data = layout_inputs(layout)
    common = dict(hidden=hidden, steps=steps, lr=lr, alpha=alpha, gamma=gamma, lam=lam)
    cpl = policy_tables(train_networks(features, data, "cpl", init["cpl"], bc_weight=bc_weight, **common), features)
    sft = policy_tables(train_networks(features, data, "sft", init["sft"], **common), features)
    reward = value_tables(train_networks(features, data, "reward", init["reward"], **common), features)
    return evaluate_layout(layout, cpl[0], sft[0], reward[0], alpha=alpha, gamma=gamma)
