"""The polychromic set objective and its set-level advantages (Ibn Hamid et al., 2025, arXiv 2509.25424).

Polychromic score of a set of n trajectories from the same state s (paper Eq. 3 / Def. 1):
    f_poly(s, τ_1:n) = ((1/n) Σ_i R(τ_i)) · d(s, τ_1:n),
with diversity d = (number of equivalence classes among τ_1..τ_n) / n ∈ [1/n, 1]. The equivalence is pluggable:
``room_set_key`` (default) calls two FourRooms trajectories the same when they visit the same set of rooms;
``equivalence=None`` is the negative control d ≡ 1 (the score is then the mean reward alone).

Set-level advantage (Poly-PPO, paper Alg. 1): from N vines at one state, M sets of size n are formed; each
set's score minus the mean score of the M sets (the baseline) is credited to every vine in the set; a vine in
several sets gets the mean of its sets' advantages.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Equivalence = Callable[[int], object]
"""Maps a trajectory's summary (here its room mask) to a key; equal keys ⇒ equivalent trajectories."""


def room_set_key(room_mask: int) -> int:
    """FourRooms equivalence: the set of rooms visited (a 4-bit mask)."""
    return int(room_mask)


def diversity(keys: Sequence[object]) -> float:
    """d(s, τ_1:n) = |{distinct keys}| / n."""
    if len(keys) == 0:
        raise ValueError("diversity of an empty set is undefined")
    return len(set(keys)) / len(keys)


def polychromic_score(rewards: Sequence[float], summaries: Sequence[int],
                      equivalence: Equivalence | None = room_set_key) -> float:
    """f_poly = mean reward × diversity; ``equivalence=None`` is the negative control d ≡ 1."""
    if len(rewards) != len(summaries) or len(rewards) == 0:
        raise ValueError(f"need equally many rewards and trajectories (> 0), got {len(rewards)}, {len(summaries)}")
    mean_reward = float(np.mean(rewards))
    if equivalence is None:
        return mean_reward
    return mean_reward * diversity([equivalence(s) for s in summaries])


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
    """Per-vine advantage (mean over the vine's sets of score − baseline; NaN for a vine in no set) and the
    M set scores. Baseline = mean of the M set scores."""
    rewards, summaries = np.asarray(rewards, dtype=float), np.asarray(summaries)
    scores = np.array([polychromic_score(rewards[s], summaries[s].tolist(), equivalence) for s in sets])
    centred = scores - scores.mean()
    total = np.zeros(len(rewards))
    count = np.zeros(len(rewards))
    for members, value in zip(sets, centred):
        total[members] += value
        count[members] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan), scores
