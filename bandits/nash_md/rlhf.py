"""RLHF vs Nash on preference games (Munos et al., 2023, §3.2 and App. A): measurements, exact where possible.

- :func:`rater_comparison` — the §3.2 rater population at skew ε: Bradley–Terry RLHF picks y1 (net margin 1.5ε)
  and is beaten by y2 with probability ½ + w1/2, while the Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) is unexploitable; also
  the regularised comparison π*_R = μ·exp(r/τ) vs π*_τ by their duality gaps in the regularised game.
- :func:`elo_comparison` — App. A: on R = (0, ln 9, ln 2) restricted to π(y1) = 2π(y2), π*_R = (2/3, 1/3, 0),
  π*_P = (0, 0, 1) and P(π*_P ≻ π*_R) = 50/99.
- :func:`bradley_terry_agreement` — on random Bradley–Terry-consistent games RLHF and the Nash coincide.
- :func:`rlhf_vs_nash_runs` — all of the above per seed (ε ~ U per seed, the seed's own BT games).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bandits.games import (
    ELO_POLICY_VERTICES,
    ELO_REWARDS,
    elo_example,
    random_bradley_terry_games,
    rater_population,
    rater_population_nash,
    rater_weights,
    restricted_game,
)
from bandits.nash_md.dynamics import rlhf_policy
from bandits.outcome import SeedOutcome
from bandits.solvers import (
    bradley_terry_fit,
    exploitability,
    nash_lp,
    regularized_exploitability,
    regularized_nash,
)

ELO_WIN_RATE = 50 / 99
"""App. A: P(π*_P ≻ π*_R) in the Elo example."""
FIXED_EPSILON = 0.1
"""The ε at which the paper quotes the rater population's Nash (0.383, 0.383, 0.233)."""


def rater_comparison(epsilon: float, mu: np.ndarray, tau: float) -> dict[str, float]:
    """RLHF (BT fit, then its argmax; and μ·exp(r/τ)) vs the Nash (LP; and π*_τ) on the rater population."""
    game = rater_population(epsilon)
    nash = nash_lp(game)
    reward = bradley_terry_fit(game)
    rlhf = rlhf_policy(game, mu, 0.0)
    rlhf_tau = rlhf_policy(game, mu, tau)
    nash_tau = regularized_nash(game, mu, tau)
    return {
        "rlhf_exploitability": float(exploitability(game, rlhf)),
        "predicted_exploitability": float(rater_weights(epsilon)[0] / 2),
        "nash_exploitability": float(exploitability(game, nash)),
        "nash_error_vs_closed_form": float(np.abs(nash - rater_population_nash(epsilon)).max()),
        "rlhf_top_is_y1": float(np.argmax(reward) == 0),
        "bt_margin_y1_minus_y2": float(reward[0] - reward[1]),
        "tv_nash_rlhf": float(0.5 * np.abs(nash - rlhf).sum()),
        "rlhf_tau_reg_exploitability": float(regularized_exploitability(game, rlhf_tau, mu, tau)),
        "nash_tau_reg_exploitability": float(regularized_exploitability(game, nash_tau, mu, tau)),
        "p_nash_beats_rlhf": float(nash @ game @ rlhf),
    }


def elo_comparison() -> dict[str, float]:
    """App. A: policies restricted to π(y1) = 2π(y2), the segment between two vertices; RLHF maximises E_π[R]
    over it (a linear function: best vertex), the Nash is the LP Nash of the restricted 2×2 game."""
    game, vertices = elo_example(), ELO_POLICY_VERTICES
    rlhf = vertices[int(np.argmax(vertices @ np.asarray(ELO_REWARDS)))]
    nash = nash_lp(restricted_game(game, vertices)) @ vertices
    win = float(nash @ game @ rlhf)
    return {"elo/p_nash_beats_rlhf": win, "elo/error_vs_50_99": abs(win - ELO_WIN_RATE),
            "elo/rlhf_error": float(np.abs(rlhf - [2 / 3, 1 / 3, 0]).max()),
            "elo/nash_error": float(np.abs(nash - [0, 0, 1]).max())}


def bradley_terry_agreement(rng: np.random.Generator, games_per_size: int, sizes: Sequence[int]
                            ) -> dict[str, float]:
    """Largest TV(Nash, RLHF) and RLHF exploitability over random BT-consistent games (both ≈ 0)."""
    tv, exploit = [], []
    for size in sizes:
        games, _ = random_bradley_terry_games(games_per_size, size, rng)
        for game in games:
            nash, rlhf = nash_lp(game), rlhf_policy(game, np.full(size, 1 / size), 0.0)
            tv.append(0.5 * np.abs(nash - rlhf).sum())
            exploit.append(exploitability(game, rlhf))
    return {"bt/max_tv_nash_rlhf": float(max(tv)), "bt/max_rlhf_exploitability": float(max(exploit)),
            "bt/games": float(len(tv))}


def rlhf_vs_nash_runs(epsilon_rngs: Sequence[np.random.Generator], game_rngs: Sequence[np.random.Generator],
                      epsilon_low: float, epsilon_high: float, mu: Sequence[float], tau: float, bt_games: int,
                      bt_sizes: Sequence[int]) -> list[SeedOutcome]:
    """Per seed (one generator of each list): ε ~ U(epsilon_low, epsilon_high) from ``epsilon_rngs`` and the rater
    comparison at it, the same at ε = 0.1 (keys ``eps0.1/...``, with the LP Nash ``eps0.1/nash_p{y}``), the Elo
    example, and the Bradley–Terry games drawn from ``game_rngs``."""
    if len(epsilon_rngs) != len(game_rngs):
        raise ValueError(f"one generator per seed in each list, got {len(epsilon_rngs)} and {len(game_rngs)}")
    mu = np.asarray(mu)
    fixed = {f"eps{FIXED_EPSILON:g}/{k}": v for k, v in rater_comparison(FIXED_EPSILON, mu, tau).items()}
    fixed.update({f"eps{FIXED_EPSILON:g}/nash_p{y}": float(p)
                  for y, p in enumerate(nash_lp(rater_population(FIXED_EPSILON)))})
    elo = elo_comparison()
    outcomes = []
    for epsilon_rng, game_rng in zip(epsilon_rngs, game_rngs):
        epsilon = float(epsilon_rng.uniform(epsilon_low, epsilon_high))
        metrics = {"epsilon": epsilon, **rater_comparison(epsilon, mu, tau), **fixed, **elo}
        metrics.update(bradley_terry_agreement(game_rng, bt_games, bt_sizes))
        outcomes.append(SeedOutcome(metrics))
    return outcomes
