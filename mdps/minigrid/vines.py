"""Vine sampling for Poly-PPO (paper Alg. 1): from p equally spaced states of a rollout, N continuations.

Roots of an episode of length T: the states before steps t_j = ⌊j·T/(p+1)⌋, j = 1..p. Each root is restored
exactly (copying the vectorised env's state row; the state carries the step counter, so the horizon and the
reward's time penalty continue where the rollout was), and N vines are played to the end in one lockstep batch.
Each vine's first W actions later receive its set-level advantage; its other steps keep GAE.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mdps.minigrid.envs import BatchFourRooms
from mdps.minigrid.policy import ActorCritic
from mdps.minigrid.polychromic import Equivalence, check_vine_shape, make_sets, set_advantages
from mdps.minigrid.rollout import Episodes, run_episodes


@dataclass(frozen=True)
class VineShape:
    """N vines per root, sets of size n, M sets, p roots per rollout, window W of credited actions."""

    num_vines: int = 8
    set_size: int = 4
    num_sets: int = 4
    points: int = 2
    window: int = 5

    def __post_init__(self) -> None:
        check_vine_shape(self.num_vines, self.set_size, self.num_sets)
        if self.points < 1:
            raise ValueError(f"vine points p must be >= 1, got {self.points}")
        if self.window <= 0:
            raise ValueError(f"vine window W must be > 0, got {self.window}")


def root_steps(main: Episodes, episodes: np.ndarray, points: int) -> np.ndarray:
    """Flat step indices of the p equally spaced roots t_j = ⌊j·T/(p+1)⌋ of each chosen episode."""
    j = np.arange(1, points + 1)
    lengths = main.lengths[episodes]
    offsets = (j[None, :] * lengths[:, None]) // (points + 1)
    return (main.starts[episodes][:, None] + offsets).reshape(-1)


def sample_vines(sim: BatchFourRooms, policy: ActorCritic, main: Episodes, episodes: np.ndarray,
                 shape: VineShape, generator: torch.Generator) -> tuple[Episodes, np.ndarray]:
    """N vines from each root of the chosen episodes; returns the vines (root-major) and their root steps."""
    roots = root_steps(main, episodes, shape.points)
    starts = main.states(np.repeat(roots, shape.num_vines))
    return run_episodes(sim, policy, starts, generator), roots


def vine_advantages(vines: Episodes, shape: VineShape, equivalence: Equivalence | None,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-step override (S_v,): the vine's set advantage on its first W steps, NaN elsewhere (GAE stays);
    and all set scores (for logging)."""
    n_roots = len(vines.lengths) // shape.num_vines
    per_vine = np.full(len(vines.lengths), np.nan)
    scores = []
    for root in range(n_roots):
        members = slice(root * shape.num_vines, (root + 1) * shape.num_vines)
        sets = make_sets(shape.num_vines, shape.set_size, shape.num_sets, rng)
        advantage, set_scores = set_advantages(vines.returns[members], vines.room_masks[members], sets, equivalence)
        per_vine[members] = advantage
        scores.append(set_scores)
    position_in_vine = np.arange(vines.num_steps) - np.repeat(vines.starts, vines.lengths)
    override = np.where(position_in_vine < shape.window, np.repeat(per_vine, vines.lengths), np.nan)
    return override, np.concatenate(scores) if scores else np.zeros(0)
