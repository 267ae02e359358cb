"""Thm 1 of Munos et al. (2023, arXiv 2312.00886) as a library pipeline: the last iterate of Nash-MD.

With η_t = 2/(τ(t+2)), Nash-MD's last iterate satisfies (Thm 1)

    KL(π*_τ‖π_T) ≤ 8/(τ²(T+1))   for every T and any start π_0,

where π*_τ is the Nash of the τ-regularised game (computed by the independent Newton solver
:func:`bandits.solvers.regularized_nash`, never by the dynamics under test). Two measurements per seed:

- **breadth** (:func:`bound_sweep`): the shipped games and the seed's random antisymmetric games of every size K in
  ``sizes`` (Dirichlet(2) references μ, start π_0 = μ), T = ``steps``: the largest KL/bound ratio over all recorded T;
- **rate** (:func:`rate_study`): ``RateSetup.games`` random games of size ``RateSetup.size`` with their own μ and a
  random start π_0 (Dirichlet(2)), run to a long horizon; the seed's *worst-game* curve max_g KL(π*_τ‖π_t) per τ
  (the theorem bounds every game, so it bounds the worst one), and the same curve for two negative controls on the
  same games and starts: Nash-MD with a constant step η = c/τ (plateaus at a floor) and τ = 0 self-play
  (multiplicative weights, constant η, KL to the unregularised Nash from the LP): neither converges, so a fitted
  decay exponent that cannot tell them from Nash-MD decides nothing.

A seed is thus one draw of random games, references and starts; the seed's randomness comes only from its own
generator (two: ``breadth`` and ``rate``), so its outcome does not depend on which seeds share the batch. The decay
exponent is fitted by the caller from the series (round-off excluded by :func:`fit_window`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bandits.games import SHIPPED_GAMES, random_antisymmetric_games, random_reference
from bandits.nash_md.dynamics import log_grid, mirror_descent, nash_md_step_sizes
from bandits.outcome import SeedOutcome
from bandits.solvers import kl, regularized_nash

GAME_NAMES: tuple[str, ...] = tuple(SHIPPED_GAMES)
KL_FIT_FLOOR = 1e-12
"""KL values at or below this are round-off (float64 KL is accurate to ~1e-15), never used to fit exponents."""
MIN_FIT_POINTS = 4
"""Fewest recorded points a decay exponent is fitted on."""


def value_tag(x: float) -> str:
    """How a parameter value appears in metric and series keys: ``format(x, "g")`` (0.05 → "0.05", 1.0 → "1")."""
    return f"{x:g}"


def thm1_bound(tau: np.ndarray | float, steps: np.ndarray) -> np.ndarray:
    """Thm 1's bound 8/(τ²(T+1)), shape broadcast(τ[:, None], T) for a vector τ."""
    tau = np.asarray(tau, dtype=float)
    return 8.0 / (tau[..., None] ** 2 * (np.asarray(steps, dtype=float) + 1.0))


def fit_window(steps: np.ndarray, curve: np.ndarray, start: float) -> np.ndarray:
    """Mask of the recorded steps t ≥ ``start`` whose KL is above the round-off floor 1e-12 (where a decay
    exponent of KL ∝ (t+1)^b is fitted)."""
    return (np.asarray(steps) >= start) & (np.asarray(curve) > KL_FIT_FLOOR)


@dataclass(frozen=True)
class RateSetup:
    """The long-horizon rate study: games per seed, their size, horizon and the two controls' steps."""

    steps: int
    """Horizon T."""
    size: int
    """K of the random games."""
    games: int
    """Random games per seed (each with its own μ and start)."""
    control_eta_tau: float
    """The constant-η control runs Nash-MD with η = control_eta_tau/τ (0 < ητ ≤ 1)."""
    self_play_eta: float
    """Constant step of the τ = 0 self-play control."""
    record_points: int = 60
    """About this many log-spaced steps are recorded."""


def kl_curves(games: np.ndarray, mus: np.ndarray, taus: np.ndarray, steps: int, record: np.ndarray,
              init: np.ndarray | None = None, etas: np.ndarray | None = None) -> np.ndarray:
    """KL(π*_τ‖π_t) at the recorded steps of Nash-MD from π_0 = ``init`` (default μ) with step sizes ``etas``
    (default η_t = 2/(τ(t+2))), for a batch of same-size games (B, K, K), references (B, K) and τ's (B,):
    shape (R, B)."""
    target = regularized_nash(games, mus, taus)
    step_sizes = nash_md_step_sizes(taus, steps) if etas is None else etas
    trajectory = mirror_descent(games, mus, taus, step_sizes, init=init, record_at=record)
    return kl(target[None], np.exp(trajectory.log_probs))


def _grid(shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Flattened index arrays of every cell of ``shape`` (row-major)."""
    return tuple(a.ravel() for a in np.meshgrid(*(np.arange(d) for d in shape), indexing="ij"))


def _random_games(rngs: Sequence[np.random.Generator], per_seed: int, size: int, starts: bool = False
                  ) -> tuple[np.ndarray, ...]:
    """Each seed's ``per_seed`` random antisymmetric games, Dirichlet(2) references (and Dirichlet(2) starts):
    (S, N, K, K), (S, N, K)[, (S, N, K)], drawn in that order from the seed's own generator."""
    draws = [(random_antisymmetric_games(per_seed, size, rng), random_reference(per_seed, size, rng))
             + ((random_reference(per_seed, size, rng),) if starts else ()) for rng in rngs]
    return tuple(np.stack(parts) for parts in zip(*draws))


def bound_sweep(rngs: Sequence[np.random.Generator], taus: Sequence[float], steps: int, sizes: Sequence[int],
                games_per_size: int, mu: Sequence[float], record_points: int) -> list[SeedOutcome]:
    """Thm 1's bound on the shipped games (identical for every seed, μ = ``mu``) and each seed's random games
    (K ∈ ``sizes``), batched per size over seeds × games × τ. Metrics: the largest KL/bound ratio over every
    recorded T (random and shipped games) and the number of random games. Series: the shipped games' KL curves and
    the random games' max and median curve per τ."""
    taus = np.asarray(taus, dtype=float)
    record = log_grid(steps, record_points)
    bound = thm1_bound(taus, record).T  # (R, τ)
    shipped = np.stack([SHIPPED_GAMES[n] for n in GAME_NAMES])
    g, j = _grid((len(GAME_NAMES), len(taus)))
    shipped_kl = kl_curves(shipped[g], np.asarray(mu), taus[j], steps, record)
    shipped_kl = shipped_kl.reshape(len(record), len(GAME_NAMES), len(taus))
    shipped_ratio = float((shipped_kl / bound[:, None, :]).max())
    per_seed: list[list[np.ndarray]] = []  # per size: (R, S, N, τ)
    for size in sizes:
        games, mus = _random_games(rngs, games_per_size, size)
        shape = (len(rngs), games_per_size, len(taus))
        s, n, j = _grid(shape)
        per_seed.append(kl_curves(games[s, n], mus[s, n], taus[j], steps, record).reshape((len(record),) + shape))
    curves = np.concatenate(per_seed, axis=2)  # (R, S, all games, τ)
    ratios = (curves / bound[:, None, None, :]).max(axis=(0, 2, 3))
    outcomes = []
    for si in range(len(rngs)):
        metrics = {"max_ratio_to_bound/random": float(ratios[si]), "max_ratio_to_bound/shipped": shipped_ratio,
                   "random_games": float(curves.shape[2])}
        series = {"steps": record.astype(float).tolist()}
        for j, tau in enumerate(taus):
            for i, name in enumerate(GAME_NAMES):
                series[f"kl/{name}/tau{value_tag(tau)}"] = shipped_kl[:, i, j].tolist()
            series[f"kl_random_max/tau{value_tag(tau)}"] = curves[:, si, :, j].max(1).tolist()
            series[f"kl_random_median/tau{value_tag(tau)}"] = np.median(curves[:, si, :, j], axis=1).tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes


def rate_study(rngs: Sequence[np.random.Generator], taus: Sequence[float], setup: RateSetup) -> list[SeedOutcome]:
    """Per seed: ``setup.games`` random games (size ``setup.size``, own μ and start), every τ, horizon
    ``setup.steps``, all seeds in one batch. Series (``rate/…``): the recorded steps and the worst-game curve
    max_g KL(π*_τ‖π_t) for Nash-MD (η_t = 2/(τ(t+2))) and the constant-η control per τ, and max_g KL(π*_0‖π_t)
    for τ = 0 self-play. Metrics: Nash-MD's largest KL/bound ratio, and the constant-η control's worst-game
    KL/bound ratio at T (above 1: at this horizon the bound separates a run that does not converge)."""
    taus = np.asarray(taus, dtype=float)
    record = log_grid(setup.steps, setup.record_points)
    bound = thm1_bound(taus, record).T  # (R, τ)
    games, mus, starts = (a.reshape((-1,) + a.shape[2:]) for a in _random_games(rngs, setup.games, setup.size,
                                                                                 starts=True))
    b, j = _grid((len(games), len(taus)))
    shape = (len(record), len(rngs), setup.games, len(taus))
    decaying = kl_curves(games[b], mus[b], taus[j], setup.steps, record, init=starts[b]).reshape(shape).max(2)
    constant_etas = np.broadcast_to(setup.control_eta_tau / taus[j], (setup.steps, len(j)))
    constant = kl_curves(games[b], mus[b], taus[j], setup.steps, record, init=starts[b], etas=constant_etas)
    constant = constant.reshape(shape).max(2)
    self_play = mirror_descent(games, mus, 0.0, np.full(setup.steps, setup.self_play_eta), init=starts,
                               record_at=record)
    nash = regularized_nash(games, mus, 0.0)
    self_play_kl = kl(nash[None], np.exp(self_play.log_probs)).reshape(shape[:3]).max(2)
    outcomes = []
    for si in range(len(rngs)):
        metrics = {"max_ratio_to_bound/rate": float((decaying[:, si] / bound).max()),
                   "rate_games": float(setup.games)}
        series = {"rate/steps": record.astype(float).tolist(), "rate/kl_self_play": self_play_kl[:, si].tolist()}
        for j, tau in enumerate(taus):
            tag = value_tag(tau)
            metrics[f"control_ratio_at_T/tau{tag}"] = float(constant[-1, si, j] / bound[-1, j])
            series[f"rate/kl_worst/tau{tag}"] = decaying[:, si, j].tolist()
            series[f"rate/kl_constant_eta/tau{tag}"] = constant[:, si, j].tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes


def last_iterate_study(breadth: Sequence[np.random.Generator], rate: Sequence[np.random.Generator],
                       taus: Sequence[float], steps: int, sizes: Sequence[int], games_per_size: int,
                       mu: Sequence[float], record_points: int, setup: RateSetup) -> list[SeedOutcome]:
    """:func:`bound_sweep` (generators ``breadth``) and :func:`rate_study` (generators ``rate``), merged per
    seed."""
    if len(breadth) != len(rate):
        raise ValueError(f"need one generator of each kind per seed, got {len(breadth)} and {len(rate)}")
    wide = bound_sweep(breadth, taus, steps, sizes, games_per_size, mu, record_points)
    long = rate_study(rate, taus, setup)
    return [SeedOutcome({**a.metrics, **b.metrics}, {**a.series, **b.series}) for a, b in zip(wide, long)]
