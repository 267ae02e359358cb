"""Contrastive UCB experiments: config dataclasses and run functions (seeds → generators → one library call).

- ``representation``: random low-rank MDP (S = 30, A = 4, d = 5, uniform P⁻). NCE with exact negatives fit on
  exact expectations and on N sampled transitions, N ∈ [1e4, 1e7]; sin θ_max(span φ̂, span φ*), mean TV(P̂, P);
  rank-d SVD of the empirical P and random features as baselines (:mod:`mdps.lowrank.recovery`).
- ``lock``: anti-shaped combination lock (H = 10, A = 4, 3 latent states × m = 5 observed states; a wrong action in
  a good state pays D = 0.05 and leads to the dead state): Contrastive UCB (tied features, one-step-random
  collection), its on-policy variant (an observation), the β = 0 controls (one-step-random, greedy, ε-greedy),
  oracle LSVI-UCB with φ*, LSVI-UCB with random features, tabular UCBVI over a grid of bonus constants
  (:mod:`mdps.lowrank.lock_study`).
- ``lock_width``: the anti-shaped lock at H = 6 with more observed states per latent (m = 20 at quick): Contrastive
  UCB vs tuned UCBVI.
- ``game``: random low-rank zero-sum Markov game with a state-only reward; Contrastive UCB for games (optimistic
  and pessimistic Q, CCE per state by LP); the episode-averaged duality gap (1/K)·Σ_k gap_k vs K, exact Nash by LP
  (:mod:`mdps.lowrank.game_ucb`).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rng, numpy_rngs, torch_generator, torch_generators
from benchmarks.suites.contrastive_ucb.budgets import BUDGETS
from mdps.lowrank.game_ucb import game_study
from mdps.lowrank.learners import FitSettings
from mdps.lowrank.lock_study import LOCK_LEARNERS, LockStudy, lock_learner_specs, lock_study, lock_width_study
from mdps.lowrank.mdp import check_horizon, check_rank
from mdps.lowrank.recovery import representation_study


def _check_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def _check_at_least(name: str, value: int, low: int) -> None:
    if int(value) != value or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")


# ------------------------------------------------------------------------------------------------ configs
@dataclass(frozen=True)
class RepresentationConfig:
    """Representation recovery on a random low-rank MDP (one level) with a uniform negative distribution."""

    num_states: int = 30
    """S."""
    num_actions: int = 4
    """A."""
    rank: int = 5
    """d = d̂ (true and learned feature dimension)."""
    sample_sizes: tuple[float, ...] = (1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7)
    """N, the number of sampled transitions; (s, a) uniform, s′ ∼ P(·|s,a)."""
    slope_from: float = 1e5
    """Fit log-log slopes only from this N up (below it the subspace distance is stuck near 1)."""
    restarts: int = 3
    """Cold restarts per fit (lowest loss kept)."""
    max_iter: int = 400
    """L-BFGS iterations per restart on sampled data."""
    exact_max_iter: int = 1000
    """L-BFGS iterations per restart on exact expectations."""

    def __post_init__(self) -> None:
        _check_at_least("num_states", self.num_states, 1)
        _check_at_least("num_actions", self.num_actions, 1)
        check_rank(self.rank, self.num_states)
        if not self.sample_sizes or any(not n >= 1 for n in self.sample_sizes):
            raise ValueError(f"sample_sizes must be a non-empty tuple of numbers >= 1, got {self.sample_sizes}")
        if list(self.sample_sizes) != sorted(self.sample_sizes):
            raise ValueError(f"sample_sizes must be increasing, got {self.sample_sizes}")
        _check_positive("slope_from", self.slope_from)
        for name in ("restarts", "max_iter", "exact_max_iter"):
            _check_at_least(name, getattr(self, name), 1)


@dataclass(frozen=True)
class LockConfig:
    """Online learners on the combination lock (see mdps.lowrank.CombinationLock)."""

    horizon: int = 10
    """H."""
    num_actions: int = 4
    """A."""
    obs_per_latent: int = 5
    """m, observed states per latent state (S = num_latent · m per level)."""
    num_latent: int = 3
    """Latent states per level (one of them the absorbing bad state)."""
    distractor: float = 0.05
    """D, the reward of a wrong action in a good state (anti-shaped lock; 0 is the plain lock)."""
    episodes: int = 1500
    """K (the independent probe's K)."""
    learners: tuple[str, ...] = ("contrastive_ucb", "contrastive_onpolicy", "no_bonus", "greedy", "egreedy", "oracle",
                                 "random_features", "ucbvi")
    """Which learners to run (subset of mdps.lowrank.lock_study.LOCK_LEARNERS). The β = 0 controls: ``no_bonus``
    (one-step-random collection), ``greedy`` (ε = 0), ``egreedy``."""
    bonus: float = 1.0
    """β of Contrastive UCB and of LSVI-UCB with random features."""
    oracle_bonus: float = 1.0
    """β of oracle LSVI-UCB."""
    epsilon: float = 0.1
    """ε of the β = 0 + ε-greedy control."""
    ucbvi_bonuses: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)
    """Grid of UCBVI bonus constants c; the check uses the best (lowest mean t₀.₁) — tuned in UCBVI's favour — and
    requires the best to lie inside the grid (or at c = 0, the end of the range)."""
    feature_dim: int = 4
    """d̂ of the learned and random features."""
    refit_every: int = 50
    """Episodes between representation refits."""
    restarts: int = 3
    """Cold restarts per refit."""
    fit_steps: int = 200
    """Adam steps per refit."""
    fit_lr: float = 0.05
    """Adam learning rate."""
    tolerance: float = 0.1
    """ε of "episodes to an ε-optimal policy" (t₀.₁)."""

    def __post_init__(self) -> None:
        check_horizon(self.horizon)
        for name, low in (("num_actions", 2), ("obs_per_latent", 1), ("num_latent", 2), ("episodes", 2),
                          ("feature_dim", 1), ("refit_every", 1), ("restarts", 1), ("fit_steps", 1)):
            _check_at_least(name, getattr(self, name), low)
        unknown = [n for n in self.learners if n not in LOCK_LEARNERS]
        if unknown or not self.learners:
            raise ValueError(f"unknown learners {unknown} (choose from {', '.join(LOCK_LEARNERS)})")
        for name in ("bonus", "oracle_bonus"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0 <= self.distractor < 1:
            raise ValueError(f"distractor must lie in [0, 1), got {self.distractor}")
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")
        if "ucbvi" in self.learners and (not self.ucbvi_bonuses or any(not c >= 0 for c in self.ucbvi_bonuses)):
            raise ValueError(f"ucbvi_bonuses must be non-empty and >= 0, got {self.ucbvi_bonuses}")
        _check_positive("fit_lr", self.fit_lr)
        _check_positive("tolerance", self.tolerance)

    def study(self) -> LockStudy:
        """The library's description of the lock and its learners."""
        specs = lock_learner_specs(self.learners, self.bonus, self.oracle_bonus, self.epsilon, self.ucbvi_bonuses)
        fit = FitSettings(dim=self.feature_dim, refit_every=self.refit_every, restarts=self.restarts,
                          steps=self.fit_steps, lr=self.fit_lr)
        return LockStudy(self.horizon, self.num_actions, self.num_latent, self.distractor, self.episodes, specs, fit,
                         self.tolerance)


@dataclass(frozen=True)
class WidthConfig(LockConfig):
    """The lock at a shorter horizon with more observed states per latent: Contrastive UCB vs tuned UCBVI."""

    horizon: int = 6
    """H."""
    widths: tuple[int, ...] = (20,)
    """Values of m (observed states per latent) to run; the widest decides the comparison."""
    episodes: int = 1500
    """K."""
    learners: tuple[str, ...] = ("contrastive_ucb", "ucbvi")
    """Learners (the claim compares contrastive_ucb with ucbvi)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.widths or any(int(m) != m or m < 1 for m in self.widths):
            raise ValueError(f"widths must be positive integers, got {self.widths}")


@dataclass(frozen=True)
class GameConfig:
    """Contrastive UCB for a random low-rank zero-sum Markov game."""

    num_states: int = 6
    """S."""
    num_actions: int = 3
    """A = B (both players)."""
    rank: int = 3
    """d = d̂."""
    horizon: int = 3
    """H."""
    concentration: float = 0.3
    """α of the Dirichlet draws of φ* and μ* (α < 1: the actions' next-state distributions differ more)."""
    state_reward: bool = True
    """Reward r_h(s) of the state only: the players gain only by steering transitions they must learn, so the
    gap at small K is large (with a known reward per (s, a, b) the first policies are already near Nash)."""
    episodes: int = 3200
    """K."""
    first_checkpoint: int = 25
    """The averaged gap is read at K = first_checkpoint·2^i ≤ episodes (and at episodes)."""
    bonus: float = 0.5
    """β."""
    refit_every: int = 50
    """Episodes between refits of φ̂, ψ̂ at first."""
    plan_every: int = 25
    """Episodes between re-planning (the CCE LPs) at first; the duality gap of each plan is computed exactly."""
    growth: float = 0.25
    """Refits and re-plans on a rarely-switching schedule: the gap between updates grows to ``growth``·k
    (0: every ``refit_every`` / ``plan_every`` episodes)."""
    restarts: int = 2
    """Cold restarts per refit."""
    fit_steps: int = 300
    """Adam steps per refit."""

    def __post_init__(self) -> None:
        check_horizon(self.horizon)
        check_rank(self.rank, self.num_states)
        for name, low in (("num_states", 1), ("num_actions", 2), ("episodes", 2), ("first_checkpoint", 1),
                          ("refit_every", 1), ("plan_every", 1), ("restarts", 1), ("fit_steps", 1)):
            _check_at_least(name, getattr(self, name), low)
        if self.first_checkpoint * 4 > self.episodes:
            raise ValueError(f"need at least 3 checkpoints: first_checkpoint·4 = {self.first_checkpoint * 4} "
                             f"> episodes = {self.episodes}")
        if not self.bonus >= 0:
            raise ValueError(f"bonus must be >= 0, got {self.bonus}")
        _check_positive("concentration", self.concentration)
        if not self.growth >= 0:
            raise ValueError(f"growth must be >= 0, got {self.growth}")

    def checkpoints(self) -> list[int]:
        """K = first_checkpoint·2^i ≤ episodes, and episodes."""
        points = []
        k = self.first_checkpoint
        while k <= self.episodes:
            points.append(k)
            k *= 2
        if points[-1] != self.episodes:
            points.append(self.episodes)
        return points


def run_representation(config: RepresentationConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: one random low-rank MDP; NCE (exact negatives, free tables, L-BFGS, restarts) on exact
    expectations and on N sampled transitions for every N; SVD and random-feature baselines."""
    return [Result(*representation_study(**dataclasses.asdict(config), instance_rng=numpy_rng(seed, "mdp"),
                                         data_rng=numpy_rng(seed, "transitions"),
                                         init_rng=numpy_rng(seed, "nce_init")))
            for seed in seeds]


def _lock_generators(seeds: Sequence[int]) -> dict[str, list]:
    """Per seed: the lock's secret and labels, the learners' random features and actions, their NCE cold starts."""
    return {"lock_rngs": numpy_rngs(seeds, "lock"), "acting_rngs": numpy_rngs(seeds, "acting"),
            "fit_generators": torch_generators(seeds, "nce_init")}


def run_lock(config: LockConfig, seeds: Sequence[int]) -> list[Result]:
    """Every learner on each seed's lock (all learners share the seed's generators: paired comparisons)."""
    pairs = lock_study(config.study(), config.obs_per_latent, **_lock_generators(seeds))
    return [Result(metrics, series) for metrics, series in pairs]


def run_lock_width(config: WidthConfig, seeds: Sequence[int]) -> list[Result]:
    """Contrastive UCB and UCBVI (bonus grid) on locks with m observed states per latent, for each m."""
    pairs = lock_width_study(config.study(), config.widths, **_lock_generators(seeds))
    return [Result(metrics, series) for metrics, series in pairs]


def run_game(config: GameConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a random low-rank zero-sum game; Contrastive UCB for games; the averaged duality gap vs K."""
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k != "first_checkpoint"}
    return [Result(*game_study(**settings, checkpoints=config.checkpoints(), game_rng=numpy_rng(seed, "game"),
                               play_rng=numpy_rng(seed, "play"), fit_generator=torch_generator(seed, "nce_init")))
            for seed in seeds]


EXPERIMENTS = (
    Experiment(name="contrastive_ucb/representation", config_cls=RepresentationConfig, run=run_representation,
               description="NCE with exact negatives on a random low-rank MDP (S=30, A=4, d=5): sin θ_max and TV vs N",
               budgets=BUDGETS["contrastive_ucb/representation"], seeds_per_task=1),
    Experiment(name="contrastive_ucb/lock", config_cls=LockConfig, run=run_lock,
               description="Anti-shaped lock H=10, A=4, 3 latents × 5 observed states, D=0.05, K=1500: all learners",
               budgets=BUDGETS["contrastive_ucb/lock"]),
    Experiment(name="contrastive_ucb/lock_width", config_cls=WidthConfig, run=run_lock_width,
               description="Combination lock H=6 with m observed states per latent: Contrastive UCB vs tuned UCBVI",
               budgets=BUDGETS["contrastive_ucb/lock_width"]),
    Experiment(name="contrastive_ucb/game", config_cls=GameConfig, run=run_game,
               description="Low-rank zero-sum Markov game (state reward): averaged duality gap of Contrastive UCB vs K",
               budgets=BUDGETS["contrastive_ucb/game"], seeds_per_task=1),
)
