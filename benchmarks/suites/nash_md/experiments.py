"""Nash-MD experiments: config dataclasses and run functions (seeds → generators → one library call → Results).

The pipelines are in :mod:`bandits.nash_md` (exact dynamics are deterministic; seeds draw the random games, μ's,
initial points and ε's, and the sampled Nash-MD-PG pairs).

- ``nash_md/last_iterate``: Nash-MD with η_t = 2/(τ(t+2)): KL(π*_τ‖π_t) (π*_τ from the independent Newton
  solver) against 8/(τ²(t+1)) on the shipped and random antisymmetric games (K ∈ sizes), and on a long horizon the
  worst game's decay beside two negative controls (constant η, τ = 0 self-play); a seed is one draw of random
  games, references μ and starts π_0.
- ``nash_md/constant_step``: Nash-MD with constant η; the KL floor it plateaus at, per η.
- ``nash_md/cycling``: rock-paper-scissors: multiplicative-weights self-play (τ = 0) last iterate and average,
  Nash-MD and OMD (τ > 0) from a random interior start.
- ``nash_md/rlhf_vs_nash``: the §3.2 rater population (random ε per seed), random Bradley–Terry games and the
  App. A Elo example: Bradley–Terry RLHF vs the Nash (LP and regularised), exploitability.
- ``nash_md/pg_bias``: sampled Nash-MD-PG (``bandits.objectives.nash_md_pg_loss``) with fixed mixtures β.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bandits.games import PAPER_REFERENCE, SHIPPED_GAMES
from bandits.nash_md.last_iterate import GAME_NAMES, RateSetup, last_iterate_study
from bandits.nash_md.pipelines import SeedOutcome, constant_step_sweep, cycling_trajectories, pg_bias_runs
from bandits.nash_md.rlhf import rlhf_vs_nash_runs
from bandits.solvers import check_reference
from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rngs, torch_generators
from benchmarks.stats import has_plateaued
from benchmarks.suites.nash_md import budgets

ShippedGame = Literal["rock_paper_scissors", "intransitive_dice", "rater_population_eps0.1", "elo_example"]


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


def _results(outcomes: Sequence[SeedOutcome]) -> list[Result]:
    return [Result(o.metrics, o.series) for o in outcomes]


# --- 1. Last-iterate rate (Thm 1) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LastIterateConfig:
    """Nash-MD with η_t = 2/(τ(t+2)): the bound on many games (breadth, π_0 = μ) and the decay exponent of the
    worst game's KL on a long horizon (rate, random starts) beside two negative controls on the same games."""

    taus: tuple[float, ...] = (0.2, 0.05, 0.01)
    """Regularisations τ > 0 (every game runs at each)."""
    steps: int = 10_000
    """Horizon of the breadth sweep (shipped games and every random size)."""
    sizes: tuple[int, ...] = (3, 5, 10, 20, 50)
    """Sizes K of the breadth sweep's random antisymmetric games."""
    games_per_size: int = 4
    """Breadth: random games per size per seed (each with its own Dirichlet(2) reference μ)."""
    mu: tuple[float, ...] = PAPER_REFERENCE
    """Reference policy of the 3-response shipped games (full support, non-uniform)."""
    record_points: int = 60
    """About this many log-spaced steps at which KL(π*_τ‖π_t) is recorded."""
    rate_steps: int = 100_000
    """Horizon of the rate study: long enough that 8/(τ²(T+1)) falls below the constant-η control's KL at the
    smallest τ (8/(1e-4·1e5) = 0.8 at τ = 0.01), so that "under the bound" can fail."""
    rate_size: int = 10
    """K of the rate study's random games."""
    rate_games: int = 4
    """Rate study: random games per seed (own μ, random start π_0 ~ Dirichlet(2)); the worst one is fitted."""
    fit_from: float = 0.1
    """Decay exponents are fitted on recorded steps t ≥ fit_from·rate_steps (KL above round-off)."""
    control_eta_tau: float = 0.5
    """Constant-η control: Nash-MD with η = control_eta_tau/τ (the decaying schedule frozen at t = 2)."""
    self_play_eta: float = 0.1
    """τ = 0 control: multiplicative-weights self-play with this constant step."""

    def __post_init__(self) -> None:
        _check_taus("taus", self.taus)
        _check_sizes(self.sizes)
        _check_sizes((self.rate_size,))
        check_reference("mu", self.mu, 3)
        _check_positive_ints(self, "steps", "games_per_size", "rate_steps", "rate_games")
        if self.record_points < 5:
            raise ValueError(f"record_points must be >= 5, got {self.record_points}")
        if not 0 < self.fit_from < 1:
            raise ValueError(f"fit_from must be in (0, 1), got {self.fit_from}")
        if not 0 < self.control_eta_tau <= 1:
            raise ValueError(f"control_eta_tau must be in (0, 1] (η·τ ≤ 1), got {self.control_eta_tau}")
        _check_scalar("self_play_eta", self.self_play_eta)

    def rate_setup(self) -> RateSetup:
        return RateSetup(self.rate_steps, self.rate_size, self.rate_games, self.control_eta_tau,
                         self.self_play_eta, self.record_points)


def run_last_iterate(config: LastIterateConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: its breadth games and its rate-study games, starts and controls, all seeds in one batch."""
    breadth, rate = numpy_rngs(seeds, "random_games"), numpy_rngs(seeds, "rate_games")
    return _results(last_iterate_study(breadth, rate, config.taus, config.steps, config.sizes, config.games_per_size,
                                       config.mu, config.record_points, config.rate_setup()))


# --- 2. Constant step size floor -------------------------------------------------------------------------------
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


def run_constant_step(config: ConstantStepConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: floors of the shipped games and of that seed's random games, monotonicity in η, fitted slope
    of log floor vs log η, the ratio floor/(2η/τ) and whether every curve plateaued."""
    games = numpy_rngs(seeds, "random_games")
    return _results(constant_step_sweep(games, config.tau, config.etas, config.steps, config.sizes,
                                        config.games_per_size, config.mu, plateaued=has_plateaued))


# --- 3. Unregularised cycling on RPS ---------------------------------------------------------------------------
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
    starts = numpy_rngs(seeds, "start")
    return _results(cycling_trajectories(starts, config.eta, config.tau, config.steps, config.start_concentration,
                                         config.mu, config.trajectory_points))


# --- 4. RLHF is not Nash ---------------------------------------------------------------------------------------
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


def run_rlhf_vs_nash(config: RlhfConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: ε ~ U and that seed's Bradley–Terry games; the ε = 0.1 and Elo measurements are the same for all."""
    epsilons, games = numpy_rngs(seeds, "epsilon"), numpy_rngs(seeds, "bradley_terry_games")
    return _results(rlhf_vs_nash_runs(epsilons, games, config.epsilon_low, config.epsilon_high, config.mu, config.tau,
                                      config.bt_games, config.bt_sizes))


# --- 5. Nash-MD-PG mixture bias --------------------------------------------------------------------------------
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
    pairs = torch_generators(seeds, "pairs")
    return _results(pg_bias_runs(pairs, SHIPPED_GAMES[config.game], config.mu, config.tau, config.betas,
                                 config.steps, config.batch_size, config.lr, config.lr_decay_steps,
                                 config.sample_outcomes))


LAST_ITERATE = Experiment(
    name="nash_md/last_iterate", config_cls=LastIterateConfig, run=run_last_iterate, budgets=budgets.LAST_ITERATE,
    description="Nash-MD last iterate vs the 8/(τ²(T+1)) bound on shipped and random games (K = 3..50)")
CONSTANT_STEP = Experiment(
    name="nash_md/constant_step", config_cls=ConstantStepConfig, run=run_constant_step,
    budgets=budgets.CONSTANT_STEP, description="Nash-MD with constant η: KL floor vs η on shipped and random games")
CYCLING = Experiment(
    name="nash_md/cycling", config_cls=CyclingConfig, run=run_cycling, budgets=budgets.CYCLING,
    description="RPS: MWU self-play last iterate vs average, Nash-MD and OMD last iterates")
RLHF_VS_NASH = Experiment(
    name="nash_md/rlhf_vs_nash", config_cls=RlhfConfig, run=run_rlhf_vs_nash, budgets=budgets.RLHF_VS_NASH,
    description="§3.2 rater population, Bradley–Terry games and the App. A Elo example: RLHF vs Nash")
PG_BIAS = Experiment(
    name="nash_md/pg_bias", config_cls=PGBiasConfig, run=run_pg_bias, budgets=budgets.PG_BIAS,
    description="Sampled Nash-MD-PG on RPS: converged point vs mixture β")
EXPERIMENTS = (LAST_ITERATE, CONSTANT_STEP, CYCLING, RLHF_VS_NASH, PG_BIAS)
