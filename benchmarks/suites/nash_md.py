"""Nash-MD suite — Nash Learning from Human Feedback (Munos et al., 2023, arXiv 2312.00886).

Experiments (exact dynamics are deterministic; seeds draw the random games, μ's and initial points)
- ``nash_md/last_iterate``: Nash-MD with η_t = 2/(τ(t+2)) on the shipped games and random antisymmetric games
  (K ∈ sizes), batched over seeds × games × τ; KL(π*_τ‖π_t) against the independent Newton solver.
- ``nash_md/constant_step``: Nash-MD with constant η; the KL floor it plateaus at, per η.
- ``nash_md/cycling``: rock-paper-scissors: multiplicative-weights self-play (τ = 0) last iterate and average,
  Nash-MD and OMD (τ > 0) from a random interior start.
- ``nash_md/rlhf_vs_nash``: the §3.2 rater population (random ε per seed), random Bradley–Terry games and the
  App. A Elo example: Bradley–Terry RLHF vs the Nash (LP and regularised), exploitability.
- ``nash_md/pg_bias``: sampled Nash-MD-PG (``bandits.objectives.nash_md_pg_loss``) with fixed mixtures β.

Claims: ``nash_md.last_iterate_rate`` (Thm 1), ``nash_md.constant_step_floor``, ``nash_md.unregularised_cycling``,
``nash_md.rlhf_not_nash`` (§3.2, App. A), ``nash_md.pg_mixture_bias`` (Nash-MD-PG).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from bandits.games import (
    ELO_POLICY_VERTICES,
    ELO_REWARDS,
    PAPER_REFERENCE,
    SHIPPED_GAMES,
    elo_example,
    random_antisymmetric_games,
    random_bradley_terry_games,
    random_reference,
    rater_population,
    rater_population_nash,
    rater_weights,
    restricted_game,
)
from bandits.nash_dynamics import log_grid, mirror_descent, nash_md_step_sizes, rlhf_policy, simplex_coordinates
from bandits.nash_md_pg import train_nash_md_pg
from bandits.solvers import (
    bradley_terry_fit,
    check_reference,
    exploitability,
    kl,
    nash_lp,
    nash_md_pg_fixed_point,
    regularized_exploitability,
    regularized_nash,
)
from benchmarks.plots import save
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import Estimate, combine, decide, has_plateaued, loglog_slope, mean_ci

PAPER = "Nash-MD (Munos et al., 2023)"
GAME_NAMES = tuple(SHIPPED_GAMES)
ShippedGame = Literal["rock_paper_scissors", "intransitive_dice", "rater_population_eps0.1", "elo_example"]
KL_FIT_FLOOR = 1e-12  # KL values below this are round-off, not used to fit decay exponents
MIN_RANDOM_GAMES = 100
ELO_WIN_RATE = 50 / 99


def _check_positive_ints(config: object, *names: str) -> None:
    for name in names:
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(config, name)}")


def _check_taus(name: str, values: Sequence[float]) -> None:
    if len(values) == 0 or any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"{name} must be a non-empty list of values > 0, got {list(values)}")


def _check_scalar(name: str, value: float) -> None:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def _check_sizes(sizes: Sequence[int]) -> None:
    if len(sizes) == 0 or any(k < 2 for k in sizes):
        raise ValueError(f"sizes must be a non-empty list of K >= 2, got {list(sizes)}")


def _fmt(e: Estimate) -> str:
    return f"{e.value:.3g} [{e.low:.3g}, {e.high:.3g}]"


def _tag(x: float) -> str:
    return f"{x:g}"


# ---------------------------------------------------------------------------------------------------------------
# 1. Last-iterate rate (Thm 1)
@dataclass(frozen=True)
class LastIterateConfig:
    """Nash-MD with η_t = 2/(τ(t+2)) from π_0 = μ, on the shipped games and on random antisymmetric games."""

    taus: tuple[float, ...] = (0.05, 0.2, 1.0)
    """Regularisations τ > 0 (every game runs at each)."""
    steps: int = 10_000
    """Iterations T."""
    sizes: tuple[int, ...] = (3, 5, 10, 20, 50)
    """Sizes K of the random antisymmetric games."""
    games_per_size: int = 4
    """Random games per size per seed (each with its own Dirichlet(2) reference μ)."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy of the 3-response shipped games (full support, non-uniform)."""
    record_points: int = 60
    """About this many log-spaced steps at which KL(π*_τ‖π_t) is recorded."""
    fit_from: float = 0.1
    """The decay exponent is fitted on recorded steps t ≥ fit_from·T."""

    def __post_init__(self) -> None:
        _check_taus("taus", self.taus)
        _check_sizes(self.sizes)
        check_reference("mu", self.mu, 3)
        _check_positive_ints(self, "steps", "games_per_size")
        if self.record_points < 5:
            raise ValueError(f"record_points must be >= 5, got {self.record_points}")
        if not 0 < self.fit_from < 1:
            raise ValueError(f"fit_from must be in (0, 1), got {self.fit_from}")


def _kl_curves(games: np.ndarray, mus: np.ndarray, taus: np.ndarray, steps: int,
               record: np.ndarray) -> np.ndarray:
    """KL(π*_τ‖π_t) at the recorded steps for a batch of same-size games: (R, B)."""
    target = regularized_nash(games, mus, taus)
    etas = nash_md_step_sizes(taus, steps)
    trajectory = mirror_descent(games, mus, taus, etas, record_at=record)
    return kl(target[None], np.exp(trajectory.log_probs))


def _decay_exponent(steps: np.ndarray, curve: np.ndarray, start: float) -> float | None:
    keep = (steps >= start) & (curve > KL_FIT_FLOOR)
    return loglog_slope(steps[keep] + 1, curve[keep]).value if keep.sum() >= 4 else None


def run_last_iterate(config: LastIterateConfig, seeds: Sequence[int]) -> list[Result]:
    """Shipped games (identical for every seed) and each seed's random games, batched per size over seeds."""
    taus = np.asarray(config.taus)
    record = log_grid(config.steps, config.record_points)
    bound = 8.0 / (taus[:, None] ** 2 * (record[None] + 1))  # (τ, R)
    start = config.fit_from * config.steps
    # shipped games: batch = games × τ
    shipped = np.stack([SHIPPED_GAMES[n] for n in GAME_NAMES])
    g, t = np.meshgrid(np.arange(len(GAME_NAMES)), np.arange(len(taus)), indexing="ij")
    shipped_kl = _kl_curves(shipped[g.ravel()], np.asarray(config.mu), taus[t.ravel()], config.steps, record)
    shipped_kl = shipped_kl.reshape(len(record), len(GAME_NAMES), len(taus))
    shipped_ratio = float((shipped_kl / bound.T[:, None, :]).max())
    shipped_exponents = [_decay_exponent(record, shipped_kl[:, i, j], start)
                         for i in range(len(GAME_NAMES)) for j in range(len(taus))]
    # random games: batch = seeds × games × τ, one batch per size
    rngs = [np.random.default_rng(int(seed)) for seed in seeds]
    per_seed_ratio = np.zeros(len(seeds))
    per_seed_exponents: list[list[float]] = [[] for _ in seeds]
    random_curves: list[list[list[np.ndarray]]] = [[[] for _ in taus] for _ in seeds]
    for size in config.sizes:
        games = np.stack([random_antisymmetric_games(config.games_per_size, size, rng) for rng in rngs])
        mus = np.stack([random_reference(config.games_per_size, size, rng) for rng in rngs])
        shape = (len(seeds), config.games_per_size, len(taus))
        s, n, j = (a.ravel() for a in np.meshgrid(*(np.arange(d) for d in shape), indexing="ij"))
        curves = _kl_curves(games[s, n], mus[s, n], taus[j], config.steps, record).reshape((len(record),) + shape)
        ratio = (curves / bound.T[:, None, None, :]).max(axis=(0, 2, 3))
        per_seed_ratio = np.maximum(per_seed_ratio, ratio)
        for si in range(len(seeds)):
            for ni in range(config.games_per_size):
                for ji in range(len(taus)):
                    exponent = _decay_exponent(record, curves[:, si, ni, ji], start)
                    if exponent is not None:
                        per_seed_exponents[si].append(exponent)
                    random_curves[si][ji].append(curves[:, si, ni, ji])
    results = []
    for si, _ in enumerate(seeds):
        metrics = {
            "max_ratio_to_bound/random": float(per_seed_ratio[si]),
            "max_ratio_to_bound/shipped": shipped_ratio,
            "random_games": float(config.games_per_size * len(config.sizes)),
            "median_exponent/random": float(np.median(per_seed_exponents[si])) if per_seed_exponents[si] else 0.0,
            "fitted_curves/random": float(len(per_seed_exponents[si])),
            "median_exponent/shipped": float(np.median([e for e in shipped_exponents if e is not None])),
        }
        series = {"steps": record.astype(float).tolist()}
        for i, name in enumerate(GAME_NAMES):
            for j, tau in enumerate(taus):
                series[f"kl/{name}/tau{_tag(tau)}"] = shipped_kl[:, i, j].tolist()
        for j, tau in enumerate(taus):
            stacked = np.stack(random_curves[si][j], axis=1)
            series[f"kl_random_max/tau{_tag(tau)}"] = stacked.max(1).tolist()
            series[f"kl_random_median/tau{_tag(tau)}"] = np.median(stacked, axis=1).tolist()
        results.append(Result(metrics, series))
    return results


def check_last_iterate(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Thm 1: KL(π*_τ‖π_T) ≤ 8/(τ²(T+1)) at every recorded T on every game (max ratio < 1), on ≥ 100 random
    games; the fitted decay exponent (median over games per seed) is below −1 (at least the theorem's 1/T)."""
    runs = results["nash_md/last_iterate"]
    ratio = mean_ci([r.metrics["max_ratio_to_bound/random"] for r in runs])
    shipped_ratio = runs[0].metrics["max_ratio_to_bound/shipped"]
    exponent = mean_ci([r.metrics["median_exponent/random"] for r in runs])
    shipped_exponent = runs[0].metrics["median_exponent/shipped"]
    n_random = int(sum(r.metrics["random_games"] for r in runs))
    worst = max([shipped_ratio] + [r.metrics["max_ratio_to_bound/random"] for r in runs])
    parts = {
        "bound_every_game": "holds" if worst < 1.0 else "fails",
        "bound_ci_random_games": decide(ratio, 1.0, "below"),
        "enough_random_games": "holds" if n_random >= MIN_RANDOM_GAMES else "inconclusive",
        "exponent_below_-1": decide(exponent, -1.0, "below"),
    }
    cfg = runs[0].config
    return Verdict(
        claim="nash_md.last_iterate_rate", status=combine(list(parts.values())),
        statistic="max over random games and T of KL(π*_τ‖π_T) / (8/(τ²(T+1))) (per seed; mean)",
        value=ratio.value, ci=ratio.ci, threshold=1.0, paper_value="≤ 1 (Thm 1); pilot: decay faster than 1/T, ~1/T²",
        details={"parts": parts, "worst_ratio": worst, "shipped_games_ratio": shipped_ratio, "random_games": n_random,
                 "seeds": len(runs), "decay_exponent_random": {"mean": exponent.value, "ci": list(exponent.ci)},
                 "decay_exponent_shipped_median": shipped_exponent, "taus": list(cfg["taus"]), "steps": cfg["steps"]},
        explanation=(f"{n_random} random games (K ∈ {list(cfg['sizes'])}) + {len(GAME_NAMES)} shipped games, "
                     f"τ ∈ {list(cfg['taus'])}, T ≤ {cfg['steps']}: worst KL/bound ratio {worst:.3g} (shipped "
                     f"{shipped_ratio:.3g}; random, per-seed max {_fmt(ratio)}): the bound holds with a wide margin; "
                     f"fitted decay exponent of KL in T (t ≥ {cfg['fit_from']:g}·T): random games "
                     f"{exponent.value:.4f} [{exponent.low:.4f}, {exponent.high:.4f}], shipped games median "
                     f"{shipped_exponent:.4f} (pilot: faster than 1/T, ~1/T²)"
                     + ("" if n_random >= MIN_RANDOM_GAMES else f"; only {n_random} random games (< 100)")),
    )


def _loglog_axes(title: str, xlabel: str, ylabel: str):
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_title(title, fontsize=10)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.grid(alpha=0.3)
    return figure, axis


def plot_last_iterate(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """KL(π*_τ‖π_t) vs t+1 (log-log) for the shipped games at the middle τ, the random games' median and max,
    and the 8/(τ²(t+1)) bound line."""
    runs = results["nash_md/last_iterate"]
    taus = runs[0].config["taus"]
    tau = taus[len(taus) // 2]
    t = np.asarray(runs[0].series["steps"]) + 1
    figure, axis = _loglog_axes(f"Nash-MD last iterate, η_t = 2/(τ(t+2)), τ = {tau:g} (Thm 1)", "t + 1",
                                "KL(π*_τ ‖ π_t)")
    for name in GAME_NAMES:
        axis.plot(t, np.maximum(runs[0].series[f"kl/{name}/tau{_tag(tau)}"], 1e-16), label=name)
    for kind in ("median", "max"):
        curve = np.max([r.series[f"kl_random_{kind}/tau{_tag(tau)}"] for r in runs], axis=0) if kind == "max" \
            else np.median([r.series[f"kl_random_{kind}/tau{_tag(tau)}"] for r in runs], axis=0)
        axis.plot(t, np.maximum(curve, 1e-16), linestyle=":", label=f"random games ({kind}, {len(runs)} seeds)")
    axis.plot(t, 8 / (tau**2 * t), "k--", label="bound 8/(τ²(t+1))")
    axis.plot(t, 8 / (tau**2 * t) * (t[0] / t), color="grey", linewidth=0.7, linestyle="--", label="∝ 1/t² guide")
    axis.set_ylim(1e-16, None)
    axis.legend(fontsize=7)
    save(figure, path)


LAST_ITERATE = Experiment(
    name="nash_md/last_iterate", config_cls=LastIterateConfig, run=run_last_iterate,
    description="Nash-MD last iterate vs the 8/(τ²(T+1)) bound on shipped and random games (K = 3..50)",
    budgets={
        "smoke": Budget(seeds=2, overrides={"steps": 300, "sizes": (3, 8), "games_per_size": 2, "taus": (0.2, 1.0)}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=10, overrides={"steps": 100_000, "games_per_size": 10, "taus": (0.02, 0.05, 0.2, 1.0)}),
    },
)


# ---------------------------------------------------------------------------------------------------------------
# 2. Constant step size floor
@dataclass(frozen=True)
class ConstantStepConfig:
    """Nash-MD with a constant step η (π_0 = μ) on the shipped and random games; KL(π*_τ‖π_T) at the end."""

    tau: float = 0.2
    """Regularisation τ > 0."""
    etas: tuple[float, ...] = (0.05, 0.15, 0.5, 1.5)
    """Constant step sizes η (0 < η·τ ≤ 1)."""
    steps: int = 3000
    """Iterations T (enough for the slowest η to plateau: (1 − ητ)^T ≈ e^−30 at ητ = 0.01)."""
    sizes: tuple[int, ...] = (3, 10)
    """Sizes of the random games."""
    games_per_size: int = 4
    """Random games per size per seed."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy of the shipped games."""

    def __post_init__(self) -> None:
        _check_scalar("tau", self.tau)
        _check_taus("etas", self.etas)
        if any(e * self.tau > 1 for e in self.etas):
            raise ValueError(f"every eta must satisfy eta·tau <= 1, got etas {list(self.etas)} with tau {self.tau}")
        if len(self.etas) < 3:
            raise ValueError(f"etas needs at least 3 values to fit a trend, got {list(self.etas)}")
        _check_sizes(self.sizes)
        check_reference("mu", self.mu, 3)
        _check_positive_ints(self, "steps", "games_per_size")


def _floors(games: np.ndarray, mus: np.ndarray, config: ConstantStepConfig, record: np.ndarray) -> np.ndarray:
    """KL(π*_τ‖π_t) at ``record`` for every game × η: (R, B, E)."""
    etas = np.asarray(config.etas)
    b, e = (a.ravel() for a in np.meshgrid(np.arange(len(games)), np.arange(len(etas)), indexing="ij"))
    target = regularized_nash(games, mus, config.tau)
    step_sizes = np.broadcast_to(etas[e], (config.steps, len(e)))
    trajectory = mirror_descent(games[b], mus[b], config.tau, step_sizes, record_at=record)
    return kl(target[b][None], np.exp(trajectory.log_probs)).reshape(len(record), len(games), len(etas))


def run_constant_step(config: ConstantStepConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: floors of the shipped games and of that seed's random games, monotonicity in η, fitted slope
    of log floor vs log η, the ratio floor/(2η/τ) and whether every curve plateaued."""
    record = np.linspace(0, config.steps, 101).round().astype(int)
    etas = np.asarray(config.etas)
    shipped = np.stack([SHIPPED_GAMES[n] for n in GAME_NAMES])
    shipped_curves = _floors(shipped, np.broadcast_to(config.mu, (len(shipped), 3)), config, record)
    rngs = [np.random.default_rng(int(seed)) for seed in seeds]
    random_curves: list[list[np.ndarray]] = [[] for _ in seeds]
    for size in config.sizes:
        games = np.concatenate([random_antisymmetric_games(config.games_per_size, size, rng) for rng in rngs])
        mus = np.concatenate([random_reference(config.games_per_size, size, rng) for rng in rngs])
        curves = _floors(games, mus, config, record).reshape(len(record), len(seeds), config.games_per_size,
                                                            len(etas))
        for si in range(len(seeds)):
            random_curves[si].append(curves[:, si])
    results = []
    for si, _ in enumerate(seeds):
        curves = np.concatenate([shipped_curves] + random_curves[si], axis=1)  # (R, G, E)
        floors = curves[-1]
        plateaued = [has_plateaued(curves[:, g, j]) for g in range(curves.shape[1]) for j in range(len(etas))]
        slopes = [loglog_slope(etas, floors[g]).value for g in range(len(floors)) if np.all(floors[g] > KL_FIT_FLOOR)]
        metrics = {
            "fraction_monotone": float(np.mean(np.all(np.diff(floors, axis=1) > 0, axis=1))),
            "fraction_plateaued": float(np.mean(plateaued)),
            "median_slope_floor_vs_eta": float(np.median(slopes)) if slopes else 0.0,
            "max_ratio_to_2eta_over_tau": float((floors / (2 * etas / config.tau)).max()),
            "games": float(len(floors)),
        }
        for j, eta in enumerate(etas):
            metrics[f"median_floor/eta{_tag(eta)}"] = float(np.median(floors[:, j]))
            for g, name in enumerate(GAME_NAMES):
                metrics[f"floor/{name}/eta{_tag(eta)}"] = float(floors[g, j])
        series = {"steps": record.astype(float).tolist()}
        for j, eta in enumerate(etas):
            series[f"kl/rock_paper_scissors/eta{_tag(eta)}"] = shipped_curves[:, 0, j].tolist()
        results.append(Result(metrics, series))
    return results


def check_constant_step(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """With constant η the KL plateaus (every curve flat over its last 10%) at a floor that grows with η on every
    game (fitted exponent of floor vs η > 0) and stays below 2η/τ."""
    runs = results["nash_md/constant_step"]
    slope = mean_ci([r.metrics["median_slope_floor_vs_eta"] for r in runs])
    plateaued = min(r.metrics["fraction_plateaued"] for r in runs)
    monotone = min(r.metrics["fraction_monotone"] for r in runs)
    ratio = max(r.metrics["max_ratio_to_2eta_over_tau"] for r in runs)
    etas = runs[0].config["etas"]
    parts = {
        "plateaued": "holds" if plateaued == 1.0 else "inconclusive",
        "monotone_every_game": "holds" if monotone == 1.0 else "fails",
        "slope_above_0": decide(slope, 0.0, "above"),
        "below_2eta_over_tau": "holds" if ratio < 1.0 else "fails",
    }
    floors = {_tag(e): float(np.median([r.metrics[f"median_floor/eta{_tag(e)}"] for r in runs])) for e in etas}
    return Verdict(
        claim="nash_md.constant_step_floor", status=combine(list(parts.values())),
        statistic="fitted exponent b of floor ∝ η^b (median over games per seed; mean)",
        value=slope.value, ci=slope.ci, threshold=0.0, paper_value="floor grows with η, bounded by ~2η/τ",
        details={"parts": parts, "median_floor_by_eta": floors, "fraction_plateaued": plateaued,
                 "fraction_monotone": monotone, "max_floor_over_2eta_over_tau": ratio, "tau": runs[0].config["tau"],
                 "games_per_seed": runs[0].metrics["games"], "seeds": len(runs)},
        explanation=(f"τ = {runs[0].config['tau']}, η ∈ {list(etas)}: median floors "
                     + ", ".join(f"{v:.2g}" for v in floors.values())
                     + f"; floor ∝ η^b with b = {_fmt(slope)} (≈ η², well inside the ~2η/τ bound: max "
                     f"floor/(2η/τ) = {ratio:.2g}); increasing in η on {monotone:.0%} of games (worst seed); "
                     f"{plateaued:.0%} of curves plateaued; {len(runs)} seeds × {int(runs[0].metrics['games'])} games"),
    )


def plot_constant_step(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Left: KL(π*_τ‖π_t) vs t on RPS for each constant η. Right: floor vs η for the shipped games, 2η/τ line."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/constant_step"]
    etas = np.asarray(runs[0].config["etas"])
    tau = runs[0].config["tau"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    steps = runs[0].series["steps"]
    for eta in etas:
        left.plot(steps, np.maximum(runs[0].series[f"kl/rock_paper_scissors/eta{_tag(eta)}"], 1e-16),
                  label=f"η = {eta:g}")
    left.set_yscale("log")
    left.set_title(f"RPS, constant η, τ = {tau:g}", fontsize=10)
    left.set_xlabel("t")
    left.set_ylabel("KL(π*_τ ‖ π_t)")
    left.legend(fontsize=8)
    for name in GAME_NAMES:
        right.plot(etas, [runs[0].metrics[f"floor/{name}/eta{_tag(e)}"] for e in etas], "o-", label=name)
    right.plot(etas, 2 * etas / tau, "k--", label="2η/τ")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_title("KL floor vs η", fontsize=10)
    right.set_xlabel("η")
    right.legend(fontsize=7)
    for axis in (left, right):
        axis.grid(alpha=0.3)
    save(figure, path)


CONSTANT_STEP = Experiment(
    name="nash_md/constant_step", config_cls=ConstantStepConfig, run=run_constant_step,
    description="Nash-MD with constant η: KL floor vs η on shipped and random games",
    budgets={
        "smoke": Budget(seeds=2, overrides={"steps": 400, "etas": (0.5, 1.5, 5.0), "sizes": (3,), "games_per_size": 2}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=10, overrides={"steps": 20_000, "etas": (0.02, 0.05, 0.15, 0.5, 1.5, 5.0),
                                            "sizes": (3, 10, 30), "games_per_size": 10}),
    },
)


# ---------------------------------------------------------------------------------------------------------------
# 3. Unregularised cycling on RPS
@dataclass(frozen=True)
class CyclingConfig:
    """RPS from a random interior start (Dirichlet per seed): MWU self-play (τ = 0, constant η), and Nash-MD /
    OMD with τ > 0 and η_t = 2/(τ(t+2))."""

    eta: float = 0.1
    """Constant step of multiplicative-weights self-play."""
    tau: float = 0.05
    """Regularisation of Nash-MD and OMD."""
    steps: int = 20_000
    """Iterations."""
    start_concentration: float = 5.0
    """Dirichlet concentration of the random initial policy (larger: closer to uniform)."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy of Nash-MD / OMD."""
    trajectory_points: int = 400
    """Evenly spaced points kept of each trajectory (plus every 4th of the first 1500 steps), for the figure."""

    def __post_init__(self) -> None:
        _check_scalar("eta", self.eta)
        _check_scalar("tau", self.tau)
        _check_scalar("start_concentration", self.start_concentration)
        check_reference("mu", self.mu, 3)
        _check_positive_ints(self, "steps")
        if self.trajectory_points < 2:
            raise ValueError(f"trajectory_points must be >= 2, got {self.trajectory_points}")


def run_cycling(config: CyclingConfig, seeds: Sequence[int]) -> list[Result]:
    """One batch of seeds per method (rows = seeds)."""
    rps = SHIPPED_GAMES["rock_paper_scissors"]
    init = np.stack([np.random.default_rng(int(s)).dirichlet(np.full(3, config.start_concentration)) for s in seeds])
    games = np.broadcast_to(rps, (len(seeds), 3, 3))
    early = np.arange(0, min(config.steps, 1500) + 1, 4)  # dense early part: MWU's cycles stay visible
    record = np.unique(np.concatenate([early, np.linspace(0, config.steps, config.trajectory_points).round()]))
    record = record.astype(int)
    uniform = np.full(3, 1 / 3)
    mwu = mirror_descent(games, uniform, 0.0, np.full(config.steps, config.eta), init=init, record_at=record,
                         average=True)
    decaying = nash_md_step_sizes(config.tau, config.steps)
    md = mirror_descent(games, config.mu, config.tau, decaying, init=init, record_at=record)
    omd = mirror_descent(games, config.mu, config.tau, decaying, opponent="current", init=init, record_at=record)
    target = regularized_nash(rps, np.asarray(config.mu), config.tau)
    last = np.exp(mwu.log_probs)
    results = []
    for i, _ in enumerate(seeds):
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
        results.append(Result(metrics, series))
    return results


CYCLING_KL_AVERAGE = 1e-3
CYCLING_KL_NASH_MD = 1e-6


def check_cycling(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """τ = 0 self-play: the last iterate moves away from the Nash (KL(u‖π_T) − KL(u‖π_0) > 0, towards the
    boundary), the average converges (KL(u‖π̄_T) < 1e-3); Nash-MD's last iterate converges (KL(π*_τ‖π_T) < 1e-6)."""
    runs = results["nash_md/cycling"]
    drift = mean_ci([r.metrics["mwu_last/kl_drift"] for r in runs])
    average = mean_ci([r.metrics["mwu_average/kl_nash_end"] for r in runs])
    nash_md = mean_ci([r.metrics["nash_md/kl_regnash_end"] for r in runs])
    omd = mean_ci([r.metrics["omd/kl_regnash_end"] for r in runs])
    min_prob = max(r.metrics["mwu_last/min_prob_end"] for r in runs)
    parts = {"mwu_last_drifts_away": decide(drift, 0.0, "above"),
             "mwu_average_converges": decide(average, CYCLING_KL_AVERAGE, "below"),
             "nash_md_last_converges": decide(nash_md, CYCLING_KL_NASH_MD, "below")}
    cfg = runs[0].config
    return Verdict(
        claim="nash_md.unregularised_cycling", status=combine(list(parts.values())),
        statistic="MWU (τ=0) last iterate: KL(u‖π_T) − KL(u‖π_0) (mean over seeds)",
        value=drift.value, ci=drift.ci, threshold=0.0,
        paper_value="last iterate of τ=0 self-play cycles/diverges; its average and Nash-MD converge",
        details={"parts": parts, "mwu_average_kl": {"mean": average.value, "ci": list(average.ci),
                                                    "threshold": CYCLING_KL_AVERAGE},
                 "nash_md_kl": {"mean": nash_md.value, "ci": list(nash_md.ci), "threshold": CYCLING_KL_NASH_MD},
                 "omd_kl": {"mean": omd.value, "ci": list(omd.ci)}, "mwu_last_max_min_prob": min_prob,
                 "seeds": len(runs)},
        explanation=(f"RPS, {cfg['steps']} steps: MWU (η = {cfg['eta']}) last iterate KL(u‖π) grew by {_fmt(drift)} "
                     f"and its smallest probability is ≤ {min_prob:.2g} on every seed (drifting to the boundary); "
                     f"its average reaches KL {_fmt(average)} (< {CYCLING_KL_AVERAGE:g}); Nash-MD (τ = {cfg['tau']}) "
                     f"last iterate KL(π*_τ‖π_T) {_fmt(nash_md)} (< {CYCLING_KL_NASH_MD:g}); OMD {_fmt(omd)}; "
                     f"{len(runs)} seeds"),
    )


def plot_cycling(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Simplex trajectories on RPS (seed with the lowest id): MWU last iterate and average, Nash-MD, OMD."""
    import matplotlib.pyplot as plt

    run = min(results["nash_md/cycling"], key=lambda r: r.seed)
    figure, axis = plt.subplots(figsize=(5.6, 5.2))
    corners = simplex_coordinates(np.eye(3))
    axis.plot(*np.vstack([corners, corners[:1]]).T, color="black", linewidth=0.8)
    for label, (x, y) in zip(("rock", "paper", "scissors"), corners):
        axis.annotate(label, (x, y), textcoords="offset points", xytext=(-10, -12 if y == 0 else 4), fontsize=8)
    styles = {"mwu_last": ("MWU τ=0, last iterate", 0.6), "mwu_average": ("MWU τ=0, average", 1.5),
              "nash_md": ("Nash-MD", 1.5), "omd": ("OMD", 1.0)}
    for name, (label, width) in styles.items():
        probs = np.stack([run.series[f"traj/{name}/p{y}"] for y in range(3)], axis=-1)
        xy = simplex_coordinates(probs)
        axis.plot(xy[:, 0], xy[:, 1], linewidth=width, label=label)
    axis.plot(*simplex_coordinates(np.full(3, 1 / 3)), "k*", markersize=10, label="Nash (uniform)")
    axis.plot(*simplex_coordinates(np.asarray(run.series["regularised_nash"])), "kP", markersize=8,
              label=f"π*_τ (τ = {run.config['tau']}, μ = {tuple(run.config['mu'])})")
    axis.set_aspect("equal")
    axis.axis("off")
    axis.set_title(f"Rock-paper-scissors trajectories (seed {run.seed})", fontsize=10)
    axis.legend(fontsize=7, loc="upper right")
    save(figure, path)


CYCLING = Experiment(
    name="nash_md/cycling", config_cls=CyclingConfig, run=run_cycling,
    description="RPS: MWU self-play last iterate vs average, Nash-MD and OMD last iterates",
    budgets={
        "smoke": Budget(seeds=3, overrides={"steps": 3000}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=20, overrides={"steps": 100_000}),
    },
)


# ---------------------------------------------------------------------------------------------------------------
# 4. RLHF is not Nash
@dataclass(frozen=True)
class RlhfConfig:
    """The §3.2 rater population at a random ε per seed (and at ε = 0.1), random Bradley–Terry games, App. A."""

    epsilon_low: float = 0.02
    """Each seed draws ε ~ U(epsilon_low, epsilon_high)."""
    epsilon_high: float = 0.3
    """Upper end of ε (≤ 1/3)."""
    tau: float = 0.1
    """Regularisation for the regularised comparison (π*_R = μ·exp(r/τ) vs π*_τ)."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy of the regularised comparison."""
    bt_games: int = 20
    """Random Bradley–Terry games per seed (per size)."""
    bt_sizes: tuple[int, ...] = (3, 5, 10)
    """Sizes of the Bradley–Terry games."""

    def __post_init__(self) -> None:
        if not 0 <= self.epsilon_low < self.epsilon_high <= 1 / 3:
            raise ValueError(f"need 0 <= epsilon_low < epsilon_high <= 1/3, got {self.epsilon_low}, "
                             f"{self.epsilon_high}")
        _check_scalar("tau", self.tau)
        check_reference("mu", self.mu, 3)
        _check_positive_ints(self, "bt_games")
        _check_sizes(self.bt_sizes)


def _rater_metrics(epsilon: float, mu: np.ndarray, tau: float) -> dict[str, float]:
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


def _elo_metrics() -> dict[str, float]:
    """App. A: policies restricted to π(y1) = 2π(y2), the segment between two vertices; RLHF maximises E_π[R]
    over it (a linear function: best vertex), the Nash is the LP Nash of the restricted 2×2 game."""
    game, vertices = elo_example(), ELO_POLICY_VERTICES
    rlhf = vertices[int(np.argmax(vertices @ np.asarray(ELO_REWARDS)))]
    nash = nash_lp(restricted_game(game, vertices)) @ vertices
    win = float(nash @ game @ rlhf)
    return {"elo/p_nash_beats_rlhf": win, "elo/error_vs_50_99": abs(win - ELO_WIN_RATE),
            "elo/rlhf_error": float(np.abs(rlhf - [2 / 3, 1 / 3, 0]).max()),
            "elo/nash_error": float(np.abs(nash - [0, 0, 1]).max())}


def run_rlhf_vs_nash(config: RlhfConfig, seeds: Sequence[int]) -> list[Result]:
    mu = np.asarray(config.mu)
    fixed = {f"eps0.1/{k}": v for k, v in _rater_metrics(0.1, mu, config.tau).items()}
    fixed.update({f"eps0.1/nash_p{y}": float(p) for y, p in enumerate(nash_lp(rater_population(0.1)))})
    elo = _elo_metrics()
    results = []
    for seed in seeds:
        rng = np.random.default_rng(int(seed))
        epsilon = float(rng.uniform(config.epsilon_low, config.epsilon_high))
        metrics = {"epsilon": epsilon, **_rater_metrics(epsilon, mu, config.tau), **fixed, **elo}
        tv, exploit = [], []
        for size in config.bt_sizes:
            games, _ = random_bradley_terry_games(config.bt_games, size, rng)
            for game in games:
                nash, rlhf = nash_lp(game), rlhf_policy(game, np.full(size, 1 / size), 0.0)
                tv.append(0.5 * np.abs(nash - rlhf).sum())
                exploit.append(exploitability(game, rlhf))
        metrics.update({"bt/max_tv_nash_rlhf": float(max(tv)), "bt/max_rlhf_exploitability": float(max(exploit)),
                        "bt/games": float(len(tv))})
        results.append(Result(metrics))
    return results


def check_rlhf_vs_nash(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """On the rater population the BT-RLHF policy (y1) is exploitable (by y2, at ½ + w1/2) while the Nash
    (LP) is not, and the Nash matches (1/3 + ε/2, 1/3 + ε/2, 1/3 − ε); on BT-consistent games RLHF = Nash;
    in the Elo example P(π*_P ≻ π*_R) = 50/99 exactly."""
    runs = results["nash_md/rlhf_vs_nash"]
    m = [r.metrics for r in runs]
    exploit = mean_ci([x["rlhf_exploitability"] for x in m])
    tol = 1e-9
    parts = {
        "rlhf_exploitable": decide(exploit, 0.0, "above"),
        "rlhf_exploitability_is_w1/2": "holds" if max(abs(x["rlhf_exploitability"] - x["predicted_exploitability"])
                                                      for x in m) < tol else "fails",
        "bt_ranks_y1_first": "holds" if all(x["rlhf_top_is_y1"] == 1 for x in m) else "fails",
        "nash_unexploitable": "holds" if max(x["nash_exploitability"] for x in m) < tol else "fails",
        "nash_closed_form": "holds" if max(x["nash_error_vs_closed_form"] for x in m) < tol else "fails",
        "regularised_rlhf_exploitable": "holds" if min(x["rlhf_tau_reg_exploitability"] for x in m) > 10 * tol
        and max(abs(x["nash_tau_reg_exploitability"]) for x in m) < tol else "fails",
        "bt_games_agree": "holds" if max(x["bt/max_tv_nash_rlhf"] for x in m) < 1e-6 else "fails",
        "elo_50_99": "holds" if m[0]["elo/error_vs_50_99"] < 1e-12 and m[0]["elo/rlhf_error"] < tol
        and m[0]["elo/nash_error"] < tol else "fails",
    }
    first = m[0]
    nash01 = [first[f"eps0.1/nash_p{y}"] for y in range(3)]
    return Verdict(
        claim="nash_md.rlhf_not_nash", status=combine(list(parts.values())),
        statistic="exploitability of the BT-RLHF policy on the rater game (random ε per seed; mean)",
        value=exploit.value, ci=exploit.ci, threshold=0.0,
        paper_value="RLHF picks y1, Nash (0.383, 0.383, 0.233) at ε = 0.1; Elo: P(π*_P ≻ π*_R) = 50/99",
        details={"parts": parts, "eps0.1": {k.split("/", 1)[1]: v for k, v in first.items() if k.startswith("eps0.1/")},
                 "elo_p_nash_beats_rlhf": first["elo/p_nash_beats_rlhf"], "epsilons": [x["epsilon"] for x in m],
                 "bt_games": int(sum(x["bt/games"] for x in m)),
                 "max_bt_tv": max(x["bt/max_tv_nash_rlhf"] for x in m)},
        explanation=(f"ε = 0.1: Nash (LP) = ({nash01[0]:.3f}, {nash01[1]:.3f}, {nash01[2]:.3f}) (paper 0.383, 0.383, "
                     f"0.233), BT reward ranks y1 first (margin r1 − r2 = {first['eps0.1/bt_margin_y1_minus_y2']:.3g}), "
                     f"RLHF = y1 is beaten by y2 with probability {0.5 + first['eps0.1/rlhf_exploitability']:.4f} "
                     f"(= ½ + w1/2), Nash exploitability {first['eps0.1/nash_exploitability']:.1e}; P(Nash ≻ RLHF) = "
                     f"{first['eps0.1/p_nash_beats_rlhf']:.4f} (exactly ½, as the spec notes). Over {len(m)} seeds "
                     f"(ε ~ U): RLHF exploitability {_fmt(exploit)}; regularised (τ = {runs[0].config['tau']}): "
                     f"μ·exp(r/τ) has duality gap ≥ {min(x['rlhf_tau_reg_exploitability'] for x in m):.3g} vs "
                     f"{max(abs(x['nash_tau_reg_exploitability']) for x in m):.1e} for π*_τ. BT-consistent games: "
                     f"max TV(Nash, RLHF) = {max(x['bt/max_tv_nash_rlhf'] for x in m):.1e} over "
                     f"{int(sum(x['bt/games'] for x in m))} games. Elo (App. A): P(π*_P ≻ π*_R) = "
                     f"{first['elo/p_nash_beats_rlhf']:.15f} vs 50/99 = {ELO_WIN_RATE:.15f}"),
    )


def plot_rlhf_vs_nash(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Exploitability vs ε: BT-RLHF (measured) against ½·w1 = (1/3 − ε)/2, and the Nash's (≈ 0)."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/rlhf_vs_nash"]
    eps = np.array([r.metrics["epsilon"] for r in runs] + [0.1])
    rlhf = [r.metrics["rlhf_exploitability"] for r in runs] + [runs[0].metrics["eps0.1/rlhf_exploitability"]]
    nash = [r.metrics["nash_exploitability"] for r in runs] + [runs[0].metrics["eps0.1/nash_exploitability"]]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    grid = np.linspace(0, 1 / 3, 50)
    axis.plot(grid, (1 / 3 - grid) / 2, "k--", linewidth=1, label="½·w1 = (1/3 − ε)/2")
    axis.plot(eps, rlhf, "o", label="BT-RLHF policy (y1)")
    axis.plot(eps, nash, "s", label="Nash (LP)")
    axis.set_xlabel("ε (rater-population skew)")
    axis.set_ylabel("exploitability max_y P(y ≻ π) − ½")
    axis.set_title("§3.2 rater population: RLHF is exploitable, the Nash is not", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


RLHF_VS_NASH = Experiment(
    name="nash_md/rlhf_vs_nash", config_cls=RlhfConfig, run=run_rlhf_vs_nash,
    description="§3.2 rater population, Bradley–Terry games and the App. A Elo example: RLHF vs Nash",
    budgets={
        "smoke": Budget(seeds=3, overrides={"bt_games": 3}),
        "quick": Budget(seeds=10),
        "full": Budget(seeds=30, overrides={"bt_games": 50}),
    },
)


# ---------------------------------------------------------------------------------------------------------------
# 5. Nash-MD-PG mixture bias
@dataclass(frozen=True)
class PGBiasConfig:
    """Sampled Nash-MD-PG with a tabular softmax policy from θ = ln μ, one run per fixed mixture β."""

    game: ShippedGame = "rock_paper_scissors"
    """Shipped 3-response game."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy (non-uniform: with uniform μ every β gives the uniform policy on RPS)."""
    tau: float = 0.1
    """Regularisation τ > 0."""
    betas: tuple[float, ...] = (0.0, 0.125, 0.25, 0.5, 1.0)
    """Mixture weights β ∈ [0, 1] of the opponent π^β ∝ π^{1−β}μ^β (0 = self-play, 1 = μ)."""
    steps: int = 4000
    """SGD steps."""
    batch_size: int = 1024
    """Pairs (y, y′) per step per (seed, β)."""
    lr: float = 2.0
    """Initial SGD step on the logits."""
    lr_decay_steps: float = 200.0
    """Robbins–Monro schedule lr_t = lr/(1 + t/lr_decay_steps)."""
    sample_outcomes: bool = False
    """Score pairs with a Bernoulli draw of P(y ≻ y′) instead of the probability."""

    def __post_init__(self) -> None:
        check_reference("mu", self.mu, 3)
        _check_scalar("tau", self.tau)
        if len(self.betas) < 2 or any(not 0 <= b <= 1 for b in self.betas) or sorted(self.betas) != list(self.betas) \
                or 0.0 not in self.betas:
            raise ValueError(f"betas must be increasing values in [0, 1] including 0, got {list(self.betas)}")
        _check_positive_ints(self, "steps", "batch_size")
        _check_scalar("lr", self.lr)
        _check_scalar("lr_decay_steps", self.lr_decay_steps)
        if self.game not in SHIPPED_GAMES:
            raise ValueError(f"game must be one of {', '.join(GAME_NAMES)}, got {self.game!r}")


def run_pg_bias(config: PGBiasConfig, seeds: Sequence[int]) -> list[Result]:
    """All seeds × β in one batched program; KLs to π*_τ and to the predicted fixed point π̂_β."""
    game, mu = SHIPPED_GAMES[config.game], np.asarray(config.mu)
    record = log_grid(config.steps, 40)
    generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    run = train_nash_md_pg(game, mu, config.tau, config.betas, generators, config.steps, config.batch_size,
                           config.lr, config.lr_decay_steps, record, config.sample_outcomes)
    target = regularized_nash(game, mu, config.tau)
    predicted = np.stack([nash_md_pg_fixed_point(game, mu, config.tau, b) for b in config.betas])
    probs = np.exp(run.log_probs)  # (R, S, B, K)
    to_target = kl(target, probs)  # (R, S, B)
    to_predicted = kl(predicted[None, None], probs)
    results = []
    for i, _ in enumerate(seeds):
        metrics, series = {}, {"steps": record.astype(float).tolist()}
        for b, beta in enumerate(config.betas):
            tag = _tag(beta)
            metrics[f"kl_to_nash/beta{tag}"] = float(to_target[-1, i, b])
            metrics[f"kl_to_predicted/beta{tag}"] = float(to_predicted[-1, i, b])
            metrics[f"predicted_bias/beta{tag}"] = float(kl(target, predicted[b]))
            series[f"kl_to_nash/beta{tag}"] = to_target[:, i, b].tolist()
            series[f"kl_to_predicted/beta{tag}"] = to_predicted[:, i, b].tolist()
        results.append(Result(metrics, series))
    return results


PG_CONVERGED = 1e-3  # KL below which a sampled run counts as having reached a point
PG_PILOT = {0.125: 3.4e-3, 0.5: 0.107, 1.0: 1.15}


def check_pg_bias(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """β = 0 reaches π*_τ (KL < 1e-3); every β reaches its predicted point softmax(log μ + Pπ^β/τ) (KL < 1e-3);
    for β > 0 the KL to π*_τ exceeds 1e-3 and grows with β (per-seed differences between consecutive β > 0)."""
    runs = results["nash_md/pg_bias"]
    betas = runs[0].config["betas"]
    est = {b: mean_ci([r.metrics[f"kl_to_nash/beta{_tag(b)}"] for r in runs]) for b in betas}
    fit = {b: mean_ci([r.metrics[f"kl_to_predicted/beta{_tag(b)}"] for r in runs]) for b in betas}
    predicted = {b: runs[0].metrics[f"predicted_bias/beta{_tag(b)}"] for b in betas}
    parts = {"beta0_converges_to_nash": decide(est[0.0], PG_CONVERGED, "below")}
    for b in betas:
        parts[f"beta{_tag(b)}_reaches_predicted"] = decide(fit[b], PG_CONVERGED, "below")
        if b > 0:
            parts[f"beta{_tag(b)}_biased"] = decide(est[b], PG_CONVERGED, "above")
    positive = [b for b in betas if b > 0]
    for low, high in zip(positive, positive[1:]):
        diffs = [r.metrics[f"kl_to_nash/beta{_tag(high)}"] - r.metrics[f"kl_to_nash/beta{_tag(low)}"] for r in runs]
        parts[f"bias_grows_{_tag(low)}_to_{_tag(high)}"] = decide(mean_ci(diffs), 0.0, "above")
    headline = 0.5 if 0.5 in est else positive[len(positive) // 2]
    return Verdict(
        claim="nash_md.pg_mixture_bias", status=combine(list(parts.values())),
        statistic=f"sampled Nash-MD-PG KL(π*_τ‖π_θ) at β = {headline:g} (mean over seeds)",
        value=est[headline].value, ci=est[headline].ci, threshold=PG_CONVERGED,
        paper_value="pilot (RPS, τ = 0.1): 3.4e-3 at β = 0.125, 0.107 at β = 0.5, 1.15 at β = 1; β = 0 → 0",
        details={"parts": parts,
                 "by_beta": {_tag(b): {"kl_to_nash": est[b].value, "ci": list(est[b].ci),
                                       "predicted_kl": predicted[b], "kl_to_predicted": fit[b].value,
                                       "pilot": PG_PILOT.get(b)} for b in betas},
                 "game": runs[0].config["game"], "tau": runs[0].config["tau"], "seeds": len(runs)},
        explanation=("KL(π*_τ‖π_θ) measured / predicted (softmax(log μ + Pπ^β/τ)): "
                     + "; ".join(f"β = {b:g}: {_fmt(est[b])} / {predicted[b]:.3g}"
                                 + (f" (pilot {PG_PILOT[b]:g})" if b in PG_PILOT else "") for b in betas)
                     + f"; max KL to the predicted point {max(f.value for f in fit.values()):.2g}; "
                     f"{runs[0].config['game']}, τ = {runs[0].config['tau']}, {runs[0].config['steps']} steps × "
                     f"{runs[0].config['batch_size']} pairs, {len(runs)} seeds"),
    )


def plot_pg_bias(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Bias KL(π*_τ‖π_θ) vs β: sampled runs (mean and 95% CI over seeds) and the predicted fixed point."""
    import matplotlib.pyplot as plt

    runs = results["nash_md/pg_bias"]
    betas = np.asarray(runs[0].config["betas"])
    est = [mean_ci([r.metrics[f"kl_to_nash/beta{_tag(b)}"] for r in runs]) for b in betas]
    predicted = [runs[0].metrics[f"predicted_bias/beta{_tag(b)}"] for b in betas]
    floor = 1e-7
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    mean = np.array([max(e.value, floor) for e in est])
    low = np.array([max(e.low if np.isfinite(e.low) else e.value, floor) for e in est])
    high = np.array([max(e.high if np.isfinite(e.high) else e.value, floor) for e in est])
    axis.errorbar(betas, mean, yerr=[mean - low, high - mean], fmt="o", capsize=3,
                  label=f"sampled Nash-MD-PG (n={len(runs)} seeds)")
    axis.plot(betas, np.maximum(predicted, floor), "k--", label="predicted KL(π*_τ ‖ softmax(log μ + Pπ^β/τ))")
    axis.plot(list(PG_PILOT), list(PG_PILOT.values()), "x", color="grey", label="spec pilot")
    axis.set_yscale("log")
    axis.set_xlabel("mixture β")
    axis.set_ylabel("KL(π*_τ ‖ π_θ) at the end")
    axis.set_title(f"Nash-MD-PG bias vs β ({runs[0].config['game']}, τ = {runs[0].config['tau']})", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(figure, path)


PG_BIAS = Experiment(
    name="nash_md/pg_bias", config_cls=PGBiasConfig, run=run_pg_bias,
    description="Sampled Nash-MD-PG on RPS: converged point vs mixture β",
    budgets={
        "smoke": Budget(seeds=2, overrides={"steps": 200, "batch_size": 128}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=20, overrides={"steps": 20_000, "lr_decay_steps": 1000.0}),
    },
)


SUITE = Suite(
    name="nash_md", paper=PAPER,
    experiments=(LAST_ITERATE, CONSTANT_STEP, CYCLING, RLHF_VS_NASH, PG_BIAS),
    claims=(
        Claim(id="nash_md.last_iterate_rate", paper=PAPER, source="Thm 1",
              statement="With η_t = 2/(τ(t+2)), Nash-MD's last iterate satisfies KL(π*_τ‖π_T) ≤ 8/(τ²(T+1)) for "
                        "all T, on every shipped game and ≥ 100 random antisymmetric games.",
              experiments=("nash_md/last_iterate",), check=check_last_iterate,
              paper_value="≤ 8/(τ²(T+1))", plot=plot_last_iterate),
        Claim(id="nash_md.constant_step_floor", paper=PAPER, source="constant-η Nash-MD (spec claim 2)",
              statement="With a constant step η, Nash-MD's KL(π*_τ‖π_t) plateaus at a floor that grows with η "
                        "(bounded by ~2η/τ).",
              experiments=("nash_md/constant_step",), check=check_constant_step,
              paper_value="floor ↑ with η, ≤ ~2η/τ", plot=plot_constant_step),
        Claim(id="nash_md.unregularised_cycling", paper=PAPER, source="Nash-MD vs OMD / self-play (spec claim 3)",
              statement="On rock-paper-scissors, τ = 0 self-play's last iterate does not converge (it drifts to the "
                        "boundary) while its average converges to the Nash; Nash-MD's last iterate converges.",
              experiments=("nash_md/cycling",), check=check_cycling,
              paper_value="last iterate diverges, average converges", plot=plot_cycling),
        Claim(id="nash_md.rlhf_not_nash", paper=PAPER, source="§3.2, App. A",
              statement="Bradley–Terry RLHF picks y1 on the rater population (ε > 0) and is exploitable, while the "
                        "Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) is not; on BT-consistent games they agree; in the Elo "
                        "example P(π*_P ≻ π*_R) = 50/99.",
              experiments=("nash_md/rlhf_vs_nash",), check=check_rlhf_vs_nash,
              paper_value="Nash (0.383, 0.383, 0.233) at ε = 0.1; 50/99", plot=plot_rlhf_vs_nash),
        Claim(id="nash_md.pg_mixture_bias", paper=PAPER, source="Nash-MD-PG (deep-learning version)",
              statement="Sampled Nash-MD-PG with fixed β > 0 converges to softmax(log μ + Pπ^β/τ), not to π*_τ; the "
                        "bias grows with β, and β = 0 converges to π*_τ.",
              experiments=("nash_md/pg_bias",), check=check_pg_bias,
              paper_value="3.4e-3 / 0.107 / 1.15 at β = 0.125 / 0.5 / 1", plot=plot_pg_bias),
    ),
)
