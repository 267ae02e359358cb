"""The cpl suite's experiments: config dataclasses and run functions (seeds → generators → one library call).

Tabular experiments (random MDPs, S = 20, A = 4, r ~ U(0, 1), α = 0.1, γ = 0.9, uniform behaviour; one MDP and
one nested dataset per seed, fits at every N on its first N pairs; exact L-BFGS fits in float64):
- ``cpl/discounted``: Dirichlet(1) transitions, segments of length 5 from uniform start states. Per N: CPL on
  sampled regret labels, CPL on reward-model labels, CPL on hard (deterministic) regret labels, reward-based
  RLHF (Bradley–Terry r̂, then exact soft VI), SFT on preferred segments.
- ``cpl/finite_horizon`` (Dirichlet(0.1), H = 5, whole episodes) and ``cpl/finite_horizon_dense``
  (Dirichlet(1) control): time-indexed CPL vs RLHF with a stationary r̂ and finite-horizon soft VI.
- ``cpl/conservative``: λ sweep at fixed N under full and partial coverage (action 0 never taken, r = −1, in
  some states).
- ``cpl/minigrid``: MiniGrid-FourRooms (new layout per seed), oracle soft-Q under a −1-per-step reward, noisy
  expert segments, neural CPL vs SFT vs RLHF + offline soft VI; exact success probabilities.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rng, torch_generator
from benchmarks.suites.cpl import budgets
from mdps.minigrid.cpl_networks import ROLES
from mdps.minigrid.cpl_pipeline import minigrid_preference_study
from mdps.minigrid.envs import check_env_id
from mdps.tabular.mdp import check_alpha, check_gamma
from mdps.tabular.pipelines import conservative_sweep, discounted_sweep, finite_horizon_sweep


def _check_pairs(pair_counts: tuple[int, ...]) -> None:
    if len(pair_counts) < 1 or any(n < 1 for n in pair_counts) or list(pair_counts) != sorted(set(pair_counts)):
        raise ValueError(f"pair_counts must be strictly increasing positive integers, got {pair_counts}")


def _check_tabular(config) -> None:
    check_alpha(config.alpha)
    check_gamma(config.gamma)
    if config.num_states < 1 or config.num_actions < 2:
        raise ValueError(f"need num_states >= 1 and num_actions >= 2, got {config.num_states}, {config.num_actions}")
    if config.segment_length < 1:
        raise ValueError(f"segment_length must be >= 1, got {config.segment_length}")
    if hasattr(config, "concentration") and not config.concentration > 0:
        raise ValueError(f"concentration must be > 0, got {config.concentration}")
    if config.max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {config.max_iter}")


@dataclass(frozen=True)
class DiscountedConfig:
    """Random discounted MDPs; CPL, CPL on reward labels, CPL on hard labels, RLHF and SFT vs N."""

    num_states: int = 20
    """|S|."""
    num_actions: int = 4
    """|A|."""
    concentration: float = 1.0
    """Dirichlet concentration of each transition row."""
    gamma: float = 0.9
    """Discount γ ∈ [0, 1) (also the discount inside segment scores)."""
    alpha: float = 0.1
    """Max-ent temperature α > 0 (A* = α·log π*, CPL's α)."""
    segment_length: int = 5
    """k, steps per segment."""
    pair_counts: tuple[int, ...] = budgets.QUICK_PAIRS
    """Numbers of preference pairs N (nested: the first N pairs of one dataset)."""
    max_iter: int = 2000
    """L-BFGS iteration cap per fit (a fit that stops there without meeting grad_tol is reported as such)."""
    grad_tol: float = 1e-9
    """Every fit runs until max |∂L/∂θ| ≤ grad_tol (L the mean loss per pair); the final value is stored per run."""
    fisher_pairs: int = 200_000
    """Fresh pairs (own generator) for the Monte-Carlo Fisher information behind consistency's predicted KL."""

    def __post_init__(self) -> None:
        _check_tabular(self)
        _check_pairs(self.pair_counts)
        if not self.grad_tol > 0 or self.fisher_pairs < 1:
            raise ValueError(f"need grad_tol > 0 and fisher_pairs >= 1, got {self.grad_tol}, {self.fisher_pairs}")


@dataclass(frozen=True)
class FiniteHorizonConfig:
    """Finite-horizon random MDPs, whole-episode segments: time-indexed CPL vs RLHF with a stationary r̂."""

    num_states: int = 20
    """|S|."""
    num_actions: int = 4
    """|A|."""
    concentration: float = 0.1
    """Dirichlet concentration (0.1: sparse transitions, π*_h depends on h; 1.0: it barely does)."""
    gamma: float = 0.9
    """Discount γ ∈ [0, 1) inside the finite-horizon return and the segment scores."""
    alpha: float = 0.1
    """Max-ent temperature α > 0."""
    horizon: int = 5
    """H."""
    segment_length: int = 5
    """k ≤ H (k = H: whole episodes from ρ0 = uniform)."""
    pair_counts: tuple[int, ...] = budgets.FH_QUICK_PAIRS
    """Numbers of preference pairs N (nested)."""
    max_iter: int = 2000
    """L-BFGS iteration cap per fit."""

    def __post_init__(self) -> None:
        _check_tabular(self)
        _check_pairs(self.pair_counts)
        if self.horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon}")
        if self.segment_length > self.horizon:
            raise ValueError(f"segment_length {self.segment_length} exceeds the horizon H = {self.horizon}")


@dataclass(frozen=True)
class ConservativeConfig:
    """Conservative CPL (logit S⁺ − λS⁻) under full and partial coverage."""

    num_states: int = 20
    """|S|."""
    num_actions: int = 4
    """|A|."""
    gamma: float = 0.9
    """Discount γ ∈ [0, 1)."""
    alpha: float = 0.1
    """Max-ent temperature α > 0."""
    segment_length: int = 5
    """k."""
    num_pairs: int = 100_000
    """N preference pairs per coverage regime."""
    lambdas: tuple[float, ...] = (1.0, 0.99, 0.95, 0.75, 0.5)
    """Conservative weights λ ∈ (0, 1], decreasing."""
    masked_states: int = 10
    """Partial coverage: in this many states action 0 is never taken by the behaviour policy ..."""
    masked_reward: float = -1.0
    """... and has this reward (bad), so π* puts almost no mass on it."""
    max_iter: int = 2000
    """L-BFGS iteration cap per fit."""

    def __post_init__(self) -> None:
        _check_tabular(self)
        if self.num_pairs < 1:
            raise ValueError(f"num_pairs must be >= 1, got {self.num_pairs}")
        if not self.lambdas or any(not 0 < lam <= 1 for lam in self.lambdas) \
                or list(self.lambdas) != sorted(set(self.lambdas), reverse=True):
            raise ValueError(f"lambdas must be distinct, decreasing and in (0, 1], got {self.lambdas}")
        if not 1 <= self.masked_states <= self.num_states:
            raise ValueError(f"masked_states must lie in [1, num_states], got {self.masked_states}")
        if self.num_actions < 2:
            raise ValueError("partial coverage needs at least 2 actions")


@dataclass(frozen=True)
class MinigridConfig:
    """Neural CPL vs SFT vs RLHF + offline RL on a tabularised Minigrid task, preferences from a soft-Q oracle."""

    env_id: str = "MiniGrid-FourRooms-v0"
    """The FourRooms environment (layout drawn by reset(seed)); :mod:`mdps.minigrid.envs` supports this one."""
    alpha: float = 0.5
    """Oracle temperature α (A* = α·log π*) and CPL's α."""
    gamma: float = 0.99
    """Discount of the oracle, the segment scores, CPL and the offline RL."""
    epsilon: float = 0.7
    """Noisy expert: (1 − ε)·greedy(Q*) + ε·uniform."""
    num_pairs: int = 2000
    """Preference pairs per seed."""
    segment_length: int = 16
    """Steps per segment (from uniformly drawn start poses)."""
    lam: float = 0.5
    """CPL's conservative λ (the paper's MetaWorld setting 0.5; plain CPL is 1)."""
    bc_weight: float = 1.0
    """CPL-BC weight c on the NLL of all segment steps (the paper pre-trains with BC instead)."""
    layout_offset: int = 1000
    """Layout seed = run seed + offset (λ and c were chosen on layouts 0 and 2 in a pilot; these are disjoint)."""
    hidden: int = 64
    """Hidden width of the two-layer MLPs."""
    steps: int = 1000
    """Full-batch Adam steps per network."""
    lr: float = 3e-3
    """Adam learning rate."""

    def __post_init__(self) -> None:
        check_alpha(self.alpha)
        check_gamma(self.gamma)
        check_env_id(self.env_id)
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")
        if not 0 < self.lam <= 1:
            raise ValueError(f"lam must lie in (0, 1], got {self.lam}")
        for name in ("num_pairs", "segment_length", "hidden", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.bc_weight < 0 or self.layout_offset < 0:
            raise ValueError(f"bc_weight and layout_offset must be >= 0, got {self.bc_weight}, {self.layout_offset}")

    def study_args(self) -> dict:
        """The keyword arguments of :func:`mdps.minigrid.cpl_pipeline.minigrid_preference_study`."""
        return {k: v for k, v in asdict(self).items() if k not in ("env_id", "layout_offset")}


def run_discounted(config: DiscountedConfig, seeds: Sequence[int]) -> list[Result]:
    """One random MDP and one nested dataset per seed; every estimator at every N (first N pairs); fresh pairs
    from a second generator for the Fisher information of consistency's first-order KL prediction."""
    return [Result(*discounted_sweep(numpy_rng(seed, "discounted/data"), numpy_rng(seed, "discounted/fisher"),
                                     **asdict(config))) for seed in seeds]


def run_finite_horizon(config: FiniteHorizonConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a finite-horizon MDP, nested whole-episode pairs with regret labels; time-indexed CPL and
    stationary-r̂ RLHF at every N. KL is Σ_s d_h(s)·KL(π*_h‖π_h) averaged over h (d_h: the data's state law)."""
    return [Result(*finite_horizon_sweep(numpy_rng(seed, "finite_horizon/data"), **asdict(config)))
            for seed in seeds]


def run_conservative(config: ConservativeConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: one MDP; full coverage (uniform behaviour) and partial coverage (action 0 never taken and
    r = masked_reward in ``masked_states`` states); conservative CPL at every λ on the same pairs."""
    return [Result(*conservative_sweep(numpy_rng(seed, "conservative/data"), **asdict(config))) for seed in seeds]


def run_minigrid(config: MinigridConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: FourRooms layout seed + offset, its soft-Q oracle, noisy-expert pairs with regret labels; CPL,
    SFT and reward MLPs trained on that layout (each from its own generator); exact success probabilities."""
    return [Result(minigrid_preference_study(
        seed + config.layout_offset, numpy_rng(seed, "minigrid/pairs"),
        {role: torch_generator(seed, f"minigrid/init/{role}") for role in ROLES}, **config.study_args()))
        for seed in seeds]


DISCOUNTED = Experiment(
    name="cpl/discounted", config_cls=DiscountedConfig, run=run_discounted, budgets=budgets.DISCOUNTED,
    description="random MDPs: CPL / CPL on reward labels / hard labels / RLHF / SFT vs N pairs")
FINITE_HORIZON = Experiment(
    name="cpl/finite_horizon", config_cls=FiniteHorizonConfig, run=run_finite_horizon,
    budgets=budgets.FINITE_HORIZON,
    description="sparse finite-horizon MDPs (Dirichlet(0.1), H=5): time-indexed CPL vs stationary-r̂ RLHF")
FINITE_HORIZON_DENSE = Experiment(
    name="cpl/finite_horizon_dense", config_cls=FiniteHorizonConfig, run=run_finite_horizon,
    budgets=budgets.FINITE_HORIZON_DENSE,
    description="control: dense finite-horizon MDPs (Dirichlet(1)), where π*_h barely depends on h")
CONSERVATIVE = Experiment(
    name="cpl/conservative", config_cls=ConservativeConfig, run=run_conservative, budgets=budgets.CONSERVATIVE,
    description="conservative CPL λ sweep under full and partial coverage")
MINIGRID = Experiment(
    name="cpl/minigrid", config_cls=MinigridConfig, run=run_minigrid, budgets=budgets.MINIGRID,
    description="MiniGrid-FourRooms: neural CPL vs SFT vs RLHF + offline soft VI from oracle-regret preferences")

EXPERIMENTS = (DISCOUNTED, FINITE_HORIZON, FINITE_HORIZON_DENSE, CONSERVATIVE, MINIGRID)
