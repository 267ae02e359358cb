"""Preference games: K responses and a preference matrix P with P[y, y′] = P(y ≻ y′).

A preference matrix is antisymmetric around ½ (P + Pᵀ = 1, hence P[y, y] = ½) with entries in [0, 1], and
P(π ≻ π′) = πᵀ P π′ (Munos et al., 2023, "Nash Learning from Human Feedback", arXiv 2312.00886, §3).
This module builds the games the Nash-MD suite ships; every constructor returns a validated float64 array
(or a batch of them, shape (N, K, K)). Random draws go through an explicit ``numpy.random.Generator``.
"""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import product

import numpy as np

from bandits.validation import check_finite

ANTISYMMETRY_TOLERANCE = 1e-9
PAPER_REFERENCE: tuple[float, ...] = (0.6, 0.3, 0.1)
"""Non-uniform reference policy μ for the 3-response games (with uniform μ the regularised equilibrium of a
symmetric game is uniform and the dynamics never move)."""


def check_preference_matrix(name: str, matrix: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """A (batch of) K×K preference matrix: finite, entries in [0, 1], P + Pᵀ = 1 (within 1e-9).

    Accepts shape (..., K, K) with K ≥ 2 and returns it as float64; raises a one-line ValueError otherwise.
    """
    p = np.asarray(matrix, dtype=float)
    if p.ndim < 2 or p.shape[-1] != p.shape[-2] or p.shape[-1] < 2:
        raise ValueError(f"{name} must be a square K×K matrix with K >= 2, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} has entries outside [0, 1] (min {p.min():.6g}, max {p.max():.6g})")
    gap = np.abs(p + np.swapaxes(p, -1, -2) - 1.0).max()
    if gap > ANTISYMMETRY_TOLERANCE:
        raise ValueError(f"{name} is not antisymmetric around 1/2: max |P + Pᵀ − 1| = {gap:.3g}")
    return p


def rock_paper_scissors() -> np.ndarray:
    """Rock, paper, scissors (in that order): each beats the next-but-one with probability 1; Nash uniform."""
    return np.array([[0.5, 0.0, 1.0],
                     [1.0, 0.5, 0.0],
                     [0.0, 1.0, 0.5]])


INTRANSITIVE_DICE: tuple[tuple[int, ...], ...] = ((2, 4, 9), (1, 6, 8), (3, 5, 7))


def dice_game(dice: Sequence[Sequence[int]] = INTRANSITIVE_DICE) -> np.ndarray:
    """P[i, j] = P(die i rolls higher than die j) + ½·P(tie), each die a fair die with the given faces.

    For the default three intransitive dice {2,4,9}, {1,6,8}, {3,5,7}, die i beats die i+1 (mod 3) with
    probability 5/9 (computed here exactly with fractions, then converted)."""
    k = len(dice)
    table = [[Fraction(1, 2)] * k for _ in range(k)]
    for i, j in product(range(k), repeat=2):
        if i != j:
            wins = sum(Fraction(int(a > b)) + Fraction(int(a == b), 2) for a, b in product(dice[i], dice[j]))
            table[i][j] = wins / (len(dice[i]) * len(dice[j]))
    return check_preference_matrix("dice game", [[float(x) for x in row] for row in table])


def rater_weights(epsilon: float) -> np.ndarray:
    """Shares (1/3 − ε, 1/3 + ε/2, 1/3 + ε/2) of the three rater types of Munos et al. §3.2."""
    if not np.isfinite(epsilon) or not 0.0 <= epsilon <= 1.0 / 3.0:
        raise ValueError(f"epsilon must be in [0, 1/3], got {epsilon}")
    return np.array([1 / 3 - epsilon, 1 / 3 + epsilon / 2, 1 / 3 + epsilon / 2])


def rater_population(epsilon: float) -> np.ndarray:
    """The §3.2 population of three rater types: type 1 prefers y2 ≻ y1, type 2 y1 ≻ y3, type 3 y3 ≻ y2, each
    indifferent (½) on the other pairs. So P(y2 ≻ y1) = ½ + w1/2, P(y1 ≻ y3) = ½ + w2/2, P(y3 ≻ y2) = ½ + w3/2.

    Its Nash is ∝ the weights of the opposite edges, (w3, w2, w1) = (1/3 + ε/2, 1/3 + ε/2, 1/3 − ε), while a
    Bradley–Terry fit ranks y1 first for ε > 0 (net margin Σ_y [P(y1 ≻ y) − P(y ≻ y1)] = w2 − w1 = 1.5ε)."""
    w1, w2, w3 = rater_weights(epsilon)
    p = np.full((3, 3), 0.5)
    p[1, 0], p[0, 1] = 0.5 + w1 / 2, 0.5 - w1 / 2
    p[0, 2], p[2, 0] = 0.5 + w2 / 2, 0.5 - w2 / 2
    p[2, 1], p[1, 2] = 0.5 + w3 / 2, 0.5 - w3 / 2
    return p


def rater_population_nash(epsilon: float) -> np.ndarray:
    """The closed-form Nash (1/3 + ε/2, 1/3 + ε/2, 1/3 − ε) of :func:`rater_population` (for tests/claims)."""
    w1, w2, w3 = rater_weights(epsilon)
    return np.array([w3, w2, w1])


def bradley_terry_game(rewards: Sequence[float]) -> np.ndarray:
    """A Bradley–Terry-consistent game P[y, y′] = σ(R(y) − R(y′)) (Elo), where Nash and RLHF agree."""
    r = check_finite("rewards", rewards)
    return 1.0 / (1.0 + np.exp(-(r[:, None] - r[None, :])))


ELO_REWARDS: tuple[float, ...] = (0.0, float(np.log(9.0)), float(np.log(2.0)))
"""App. A of Munos et al.: Elo scores R = (0, ln 9, ln 2)."""
ELO_POLICY_VERTICES: np.ndarray = np.array([[2 / 3, 1 / 3, 0.0], [0.0, 0.0, 1.0]])
"""App. A restricts policies to π(y1) = 2·π(y2): the segment between these two vertices (rows)."""


def elo_example() -> np.ndarray:
    """The App. A Elo game, P = σ(R(y) − R(y′)) with R = (0, ln 9, ln 2)."""
    return bradley_terry_game(ELO_REWARDS)


def restricted_game(matrix: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """The game between mixtures of the policies in the rows of ``vertices`` (M×K): P′ = V P Vᵀ (M×M).

    A policy class that is the convex hull of M policies is exactly the simplex over these M "meta-responses",
    and P′ is again a preference matrix (V has rows summing to 1, so P′ + P′ᵀ = 1)."""
    p = check_preference_matrix("P", matrix)
    v = np.asarray(vertices, dtype=float)
    if v.ndim != 2 or v.shape[1] != p.shape[-1] or np.any(v < 0) or np.any(np.abs(v.sum(1) - 1) > 1e-9):
        raise ValueError(f"vertices must be M×{p.shape[-1]} probability rows, got {v.tolist()}")
    return v @ p @ v.T


def random_antisymmetric_games(num_games: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``num_games`` random K×K games, shape (N, K, K): P[i, j] ~ U(0, 1) for i < j, P[j, i] = 1 − P[i, j]."""
    if num_games < 1 or size < 2:
        raise ValueError(f"need num_games >= 1 and size >= 2, got {num_games}, {size}")
    rows, cols = np.triu_indices(size, k=1)
    wins = rng.uniform(size=(num_games, rows.size))
    p = np.full((num_games, size, size), 0.5)
    p[:, rows, cols] = wins
    p[:, cols, rows] = 1.0 - wins
    return p


def random_bradley_terry_games(num_games: int, size: int, rng: np.random.Generator,
                               scale: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """``num_games`` BT-consistent games with rewards R ~ N(0, scale²): (games (N, K, K), rewards (N, K))."""
    if num_games < 1 or size < 2:
        raise ValueError(f"need num_games >= 1 and size >= 2, got {num_games}, {size}")
    rewards = scale * rng.standard_normal((num_games, size))
    return 1.0 / (1.0 + np.exp(-(rewards[:, :, None] - rewards[:, None, :]))), rewards


def random_reference(num: int, size: int, rng: np.random.Generator, concentration: float = 2.0) -> np.ndarray:
    """Non-uniform full-support reference policies μ ~ Dirichlet(concentration·1), shape (N, K)."""
    return rng.dirichlet(np.full(size, concentration), size=num)


SHIPPED_GAMES: dict[str, np.ndarray] = {
    "rock_paper_scissors": rock_paper_scissors(),
    "intransitive_dice": dice_game(),
    "rater_population_eps0.1": rater_population(0.1),
    "elo_example": elo_example(),
}
"""The 3-response games every claim runs on (with μ = ``PAPER_REFERENCE``)."""
