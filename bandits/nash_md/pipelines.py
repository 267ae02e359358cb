"""The Nash-MD experiments as library pipelines: seeds' generators in, per-seed measurements out.

Each pipeline runs one experiment of the nash_md suite for a batch of seeds and returns one
:class:`SeedOutcome` (scalar ``metrics`` and named ``series``) per generator, in the generators' order. The
randomness of seed s comes only from its own generator, so a seed's outcome does not depend on which seeds share
the batch. Parameter values appear in keys as :func:`value_tag` writes them (``tau0.05``, ``beta0.125``).

- :func:`constant_step_sweep` — Nash-MD with a constant η; the KL floor it plateaus at, per η.
- :func:`cycling_trajectories` — rock-paper-scissors: τ = 0 multiplicative weights (last iterate and average),
  Nash-MD and OMD (Eq. 7–8) from a random interior start.
- :func:`pg_bias_runs` — sampled Nash-MD-PG with fixed mixtures β vs its predicted fixed point.

(Thm 1's last iterate is in :mod:`bandits.nash_md.last_iterate`; RLHF vs Nash, §3.2 and App. A, in
:mod:`bandits.nash_md.rlhf`.)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy import stats

from bandits.games import SHIPPED_GAMES, random_antisymmetric_games, random_reference
from bandits.nash_md.dynamics import log_grid, mirror_descent, nash_md_step_sizes
from bandits.nash_md.last_iterate import GAME_NAMES, KL_FIT_FLOOR, value_tag
from bandits.nash_md.policy_gradient import train_nash_md_pg
from bandits.outcome import SeedOutcome
from bandits.solvers import kl, nash_md_pg_fixed_point, regularized_nash


def loglog_fit_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope b of log y = a + b·log x (a power-law exponent; no interval)."""
    return float(stats.linregress(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))).slope)


def constant_step_floors(games: np.ndarray, mus: np.ndarray, tau: float, etas: np.ndarray, steps: int,
                         record: np.ndarray) -> np.ndarray:
    """KL(π*_τ‖π_t) at ``record`` of Nash-MD with each constant step η, for every game: shape (R, B, E)."""
    b, e = (a.ravel() for a in np.meshgrid(np.arange(len(games)), np.arange(len(etas)), indexing="ij"))
    target = regularized_nash(games, mus, tau)
    step_sizes = np.broadcast_to(etas[e], (steps, len(e)))
    trajectory = mirror_descent(games[b], mus[b], tau, step_sizes, record_at=record)
    return kl(target[b][None], np.exp(trajectory.log_probs)).reshape(len(record), len(games), len(etas))


def constant_step_sweep(rngs: Sequence[np.random.Generator], tau: float, etas: Sequence[float], steps: int,
                        sizes: Sequence[int], games_per_size: int, mu: Sequence[float],
                        plateaued: Callable[[np.ndarray], bool]) -> list[SeedOutcome]:
    """Constant-η Nash-MD on the shipped games and each seed's random games. Per seed: the floors KL(π*_τ‖π_T),
    the fraction of games whose floor increases with η, the fraction of curves for which ``plateaued(curve)``
    holds, the median fitted exponent b of floor ∝ η^b and the largest floor/(2η/τ). Series: RPS's curves."""
    record = np.linspace(0, steps, 101).round().astype(int)
    etas = np.asarray(etas)
    shipped = np.stack([SHIPPED_GAMES[n] for n in GAME_NAMES])
    shipped_curves = constant_step_floors(shipped, np.broadcast_to(mu, (len(shipped), 3)), tau, etas, steps, record)
    random_curves: list[list[np.ndarray]] = [[] for _ in rngs]
    for size in sizes:
        games = np.concatenate([random_antisymmetric_games(games_per_size, size, rng) for rng in rngs])
        mus = np.concatenate([random_reference(games_per_size, size, rng) for rng in rngs])
        curves = constant_step_floors(games, mus, tau, etas, steps, record)
        curves = curves.reshape(len(record), len(rngs), games_per_size, len(etas))
        for si in range(len(rngs)):
            random_curves[si].append(curves[:, si])
    outcomes = []
    for si in range(len(rngs)):
        curves = np.concatenate([shipped_curves] + random_curves[si], axis=1)  # (R, G, E)
        floors = curves[-1]
        flat = [plateaued(curves[:, g, j]) for g in range(curves.shape[1]) for j in range(len(etas))]
        slopes = [loglog_fit_slope(etas, floors[g]) for g in range(len(floors)) if np.all(floors[g] > KL_FIT_FLOOR)]
        metrics = {
            "fraction_monotone": float(np.mean(np.all(np.diff(floors, axis=1) > 0, axis=1))),
            "fraction_plateaued": float(np.mean(flat)),
            "median_slope_floor_vs_eta": float(np.median(slopes)) if slopes else 0.0,
            "max_ratio_to_2eta_over_tau": float((floors / (2 * etas / tau)).max()),
            "games": float(len(floors)),
        }
        for j, eta in enumerate(etas):
            metrics[f"median_floor/eta{value_tag(eta)}"] = float(np.median(floors[:, j]))
            for g, name in enumerate(GAME_NAMES):
                metrics[f"floor/{name}/eta{value_tag(eta)}"] = float(floors[g, j])
        series = {"steps": record.astype(float).tolist()}
        for j, eta in enumerate(etas):
            series[f"kl/rock_paper_scissors/eta{value_tag(eta)}"] = shipped_curves[:, 0, j].tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes


def cycling_trajectories(rngs: Sequence[np.random.Generator], eta: float, tau: float, steps: int,
                         start_concentration: float, mu: Sequence[float], trajectory_points: int
                         ) -> list[SeedOutcome]:
    """Rock-paper-scissors from a Dirichlet(start_concentration) start per seed: multiplicative-weights self-play
    (τ = 0, constant η; last iterate and running average) and Nash-MD / OMD (τ > 0, η_t = 2/(τ(t+2))). Metrics:
    KL of each to the Nash it should reach (uniform for τ = 0, π*_τ otherwise) at the end, the MWU last iterate's
    drift KL(u‖π_T) − KL(u‖π_0) and its smallest probability. Series: the four trajectories (dense early on)."""
    rps = SHIPPED_GAMES["rock_paper_scissors"]
    init = np.stack([rng.dirichlet(np.full(3, start_concentration)) for rng in rngs])
    games = np.broadcast_to(rps, (len(rngs), 3, 3))
    early = np.arange(0, min(steps, 1500) + 1, 4)  # dense early part: MWU's cycles stay visible
    record = np.unique(np.concatenate([early, np.linspace(0, steps, trajectory_points).round()])).astype(int)
    uniform = np.full(3, 1 / 3)
    mwu = mirror_descent(games, uniform, 0.0, np.full(steps, eta), init=init, record_at=record, average=True)
    decaying = nash_md_step_sizes(tau, steps)
    md = mirror_descent(games, mu, tau, decaying, init=init, record_at=record)
    omd = mirror_descent(games, mu, tau, decaying, opponent="current", init=init, record_at=record)
    target = regularized_nash(rps, np.asarray(mu), tau)
    last = np.exp(mwu.log_probs)
    outcomes = []
    for i in range(len(rngs)):
        pis = {"mwu_last": last[:, i], "mwu_average": mwu.average[:, i], "nash_md": np.exp(md.log_probs[:, i]),
               "omd": np.exp(omd.log_probs[:, i])}
        metrics = {
            "mwu_last/kl_nash_start": float(kl(uniform, last[0, i])),
            "mwu_last/kl_nash_end": float(kl(uniform, last[-1, i])),
            "mwu_last/min_prob_end": float(last[-1, i].min()),
            "mwu_average/kl_nash_end": float(kl(uniform, mwu.average[-1, i])),
            "nash_md/kl_regnash_end": float(kl(target, pis["nash_md"][-1])),
            "omd/kl_regnash_end": float(kl(target, pis["omd"][-1])),
            "nash_md/kl_uniform_end": float(kl(uniform, pis["nash_md"][-1])),
        }
        metrics["mwu_last/kl_drift"] = metrics["mwu_last/kl_nash_end"] - metrics["mwu_last/kl_nash_start"]
        series = {"steps": record.astype(float).tolist(), "regularised_nash": target.tolist()}
        for name, pi in pis.items():
            for y in range(3):
                series[f"traj/{name}/p{y}"] = pi[:, y].tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes


def pg_bias_runs(generators: Sequence[torch.Generator], game: np.ndarray, mu: Sequence[float], tau: float,
                 betas: Sequence[float], steps: int, batch_size: int, lr: float, lr_decay_steps: float,
                 sample_outcomes: bool, record_points: int = 40) -> list[SeedOutcome]:
    """Sampled Nash-MD-PG (all seeds × β in one batched program, each seed drawing from its own generator):
    KL to π*_τ and to the predicted fixed point π̂_β = softmax(log μ + Pπ̂^β/τ) at the end (metrics) and along
    training (series), and the predicted bias KL(π*_τ‖π̂_β)."""
    mu = np.asarray(mu)
    record = log_grid(steps, record_points)
    run = train_nash_md_pg(game, mu, tau, betas, generators, steps, batch_size, lr, lr_decay_steps, record,
                           sample_outcomes)
    target = regularized_nash(game, mu, tau)
    predicted = np.stack([nash_md_pg_fixed_point(game, mu, tau, b) for b in betas])
    probs = np.exp(run.log_probs)  # (R, S, B, K)
    to_target = kl(target, probs)  # (R, S, B)
    to_predicted = kl(predicted[None, None], probs)
    outcomes = []
    for i in range(len(generators)):
        metrics, series = {}, {"steps": record.astype(float).tolist()}
        for b, beta in enumerate(betas):
            tag = value_tag(beta)
            metrics[f"kl_to_nash/beta{tag}"] = float(to_target[-1, i, b])
            metrics[f"kl_to_predicted/beta{tag}"] = float(to_predicted[-1, i, b])
            metrics[f"predicted_bias/beta{tag}"] = float(kl(target, predicted[b]))
            series[f"kl_to_nash/beta{tag}"] = to_target[:, i, b].tolist()
            series[f"kl_to_predicted/beta{tag}"] = to_predicted[:, i, b].tolist()
        outcomes.append(SeedOutcome(metrics, series))
    return outcomes
