"""Set formation and set-level advantages of Poly-PPO on FourRooms (Ibn Hamid et al., 2025, arXiv 2509.25424).

The set score itself has one implementation, ``bandits.objectives.polychromic_set_score`` (paper Eq. 3):
    f_poly(s, τ_1:n) = ((1/n) Σ_i R(τ_i)) · d(s, τ_1:n),   d = (number of equivalence classes among τ_1..τ_n) / n,
and so has the crediting of set scores to samples, ``bandits.objectives.set_level_advantages`` (paper Alg. 1:
each of the M sets' score minus the mean of the M scores, averaged over the sets a vine belongs to). This module
adds what is specific to trajectories: a pluggable equivalence (``room_set_key``, the default, calls two FourRooms
trajectories the same when they visit the same set of rooms; ``equivalence=None`` is the negative control d ≡ 1),
the random formation of sets from N vines, and the numpy ↔ torch conversion at the boundary.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from bandits.objectives import polychromic_set_score, set_level_advantages

Equivalence = Callable[[int], object]
"""Maps a trajectory's summary (here its room mask) to a key; equal keys ⇒ equivalent trajectories."""


def room_set_key(room_mask: int) -> int:
    """FourRooms equivalence: the set of rooms visited (a 4-bit mask)."""
    return int(room_mask)


def class_labels(summaries: Sequence[int], equivalence: Equivalence | None = room_set_key) -> np.ndarray:
    """Integer equivalence classes of the trajectories (equal labels ⇔ equal keys); ``equivalence=None`` gives
    every trajectory its own class, so any set's diversity is 1 (the negative control d ≡ 1)."""
    if equivalence is None:
        return np.arange(len(summaries))
    keys = [equivalence(s) for s in summaries]
    first_index: dict[object, int] = {}
    return np.array([first_index.setdefault(key, len(first_index)) for key in keys], dtype=np.int64)


def check_vine_shape(num_vines: int, set_size: int, num_sets: int) -> None:
    """N ≥ n ≥ 1 and M ≥ 1, else a ValueError naming the bad value."""
    if set_size < 1:
        raise ValueError(f"set size n must be >= 1, got {set_size}")
    if set_size > num_vines:
        raise ValueError(f"set size n={set_size} exceeds the number of vines N={num_vines}")
    if num_sets < 1:
        raise ValueError(f"number of sets M must be >= 1, got {num_sets}")


def make_sets(num_vines: int, set_size: int, num_sets: int, rng: np.random.Generator) -> np.ndarray:
    """(M, n) vine indices: consecutive chunks of fresh random permutations of the N vines, so every vine is in
    ⌊M·n/N⌋ or ⌈M·n/N⌉ sets and no set repeats a vine."""
    check_vine_shape(num_vines, set_size, num_sets)
    per_permutation = num_vines // set_size
    sets = []
    while len(sets) < num_sets:
        permutation = rng.permutation(num_vines)
        sets.extend(permutation[j * set_size:(j + 1) * set_size] for j in range(per_permutation))
    return np.stack(sets[:num_sets])


def set_advantages(rewards: Sequence[float], summaries: Sequence[int], sets: np.ndarray,
                   equivalence: Equivalence | None = room_set_key) -> tuple[np.ndarray, np.ndarray]:
    """Per-vine advantage (mean over the vine's sets of score − baseline; NaN for a vine in no set, which keeps
    its GAE) and the M set scores f_poly (float64). Baseline = mean of the M set scores."""
    rewards = np.asarray(rewards, dtype=np.float64)
    if len(rewards) != len(summaries) or len(rewards) == 0:
        raise ValueError(f"need equally many rewards and trajectories (> 0), got {len(rewards)}, {len(summaries)}")
    members = torch.as_tensor(np.asarray(sets, dtype=np.int64))
    labels = torch.as_tensor(class_labels(summaries, equivalence))
    scores = polychromic_set_score(torch.as_tensor(rewards)[members], labels[members])
    advantage = set_level_advantages(scores, members, len(rewards)).numpy()
    in_no_set = np.bincount(members.reshape(-1).numpy(), minlength=len(rewards)) == 0
    return np.where(in_no_set, np.nan, advantage), scores.numpy()
