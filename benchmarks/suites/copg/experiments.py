"""CoPG experiments: config dataclasses and run functions (seeds → generators → one library call → Results).

The pipelines are in :mod:`bandits.copg` (offline training, the exact solver, the gradient identities).

- ``copg/toy_bandit``: the paper's Fig. 1 bandit. Per seed, one dataset of N pairs (y ∼ μ1, y′ ∼ μ2) with
  Bradley–Terry labels; CoPG, PG (b = 0), PG (b = E_π R) and IPO (τ = β) trained by Adam on the same data,
  batched over seeds and methods. Metric: regret J(π*) − J(π) per epoch.
- ``copg/exact_fixed_point``: CoPG's population loss minimised exactly (L-BFGS, float64); KL(π*‖π).
- ``copg/random_instances``: ≥ 50 random bandits (K ∈ {3..20}, random R, β, π_ref, μ1, μ2 with full support):
  exact CoPG optimisation of every instance, and the four methods trained on each seed's sampled data — all
  instances × seeds × methods in one tensor program.
- ``copg/beta_sweep``: the paper bandit at several β (shared data per seed): final regret and KL(π‖π_ref) of
  CoPG, PG (b = 0), PG (b = E_π R), IPO and DPO (τ = β).
- ``copg/gradient_identities``: random instances and random policies; Monte-Carlo and per-sample autograd
  checks of Prop. 1 (unbiased on-policy), Prop. 2 (RLOO), Prop. 3 (IPO) and Eq. 16 (baseline identity).

Randomness comes from :mod:`benchmarks.seeding`, one stream per use: "pairs" (each seed's datasets and
Bradley–Terry labels), "shuffle" (minibatch order), "instances" (random bandits), "policy" (the random π of the
identities) and "samples" (their Monte-Carlo and pair draws). A seed's results do not depend on which other
seeds share its task.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bandits.copg import pipelines
from bandits.copg.identities import identity_checks_per_seed
from bandits.problems import PAPER_MU1, PAPER_MU2, PAPER_TOY_BANDIT, RewardBandit, random_instances
from bandits.validation import check_full_support, check_positive, check_probabilities
from benchmarks.registry import Experiment, Result
from benchmarks.seeding import numpy_rng, torch_generators
from benchmarks.stats import has_plateaued
from benchmarks.suites.copg import budgets


def _check_at_least(config: object, minimum: int, *names: str) -> None:
    for name in names:
        if getattr(config, name) < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {getattr(config, name)}")


def _check_data_distributions(config: object, num_actions: int) -> None:
    """μ1 and μ2 are distributions over the K actions with full support (Thm 1's premise)."""
    for name in ("mu1", "mu2"):
        check_full_support(name, check_probabilities(name, getattr(config, name), size=num_actions))


def _setup(config: object) -> pipelines.TrainingSetup:
    return pipelines.TrainingSetup(config.num_pairs, config.batch_size, config.lr, config.epochs)


def _results(outcomes: Sequence[pipelines.SeedOutcome]) -> list[Result]:
    return [Result(o.metrics, o.series) for o in outcomes]


# --- Fig. 1: the paper's toy bandit ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToyBanditConfig:
    """The CoPG paper's toy bandit (Fig. 1) and its training setup."""

    rewards: tuple[float, ...] = PAPER_TOY_BANDIT.rewards
    """R(y) for each of the K actions."""
    ref_probs: tuple[float, ...] = PAPER_TOY_BANDIT.ref_probs
    """π_ref, full support."""
    beta: float = PAPER_TOY_BANDIT.beta
    """KL regularisation β > 0 (IPO uses τ = β)."""
    mu1: tuple[float, ...] = PAPER_MU1
    """Data distribution of the first element of each pair."""
    mu2: tuple[float, ...] = PAPER_MU2
    """Data distribution of the second element of each pair."""
    num_pairs: int = 10_000
    """Size of the fixed offline dataset (per seed)."""
    batch_size: int = 512
    """Minibatch size."""
    lr: float = 1e-3
    """Adam learning rate."""
    epochs: int = 300
    """Passes over the dataset."""

    def __post_init__(self) -> None:
        _check_data_distributions(self, self.bandit().num_actions)
        _check_at_least(self, 1, "num_pairs", "batch_size", "epochs")
        check_positive("lr", self.lr)

    def bandit(self) -> RewardBandit:
        return RewardBandit(self.rewards, self.ref_probs, self.beta)


def run_toy_bandit(config: ToyBanditConfig, seeds: Sequence[int]) -> list[Result]:
    """All four methods on each seed's dataset, in one batched program; one Result per seed."""
    return _results(pipelines.toy_bandit(config.bandit(), config.mu1, config.mu2, _setup(config),
                                         data=torch_generators(seeds, "pairs"),
                                         shuffle=torch_generators(seeds, "shuffle")))


# --- Thm 1 exactly on the paper bandit ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExactFixedPointConfig:
    """Exact (population) CoPG optimisation on a bandit with data distributions μ1, μ2."""

    rewards: tuple[float, ...] = PAPER_TOY_BANDIT.rewards
    """R(y) for each of the K actions."""
    ref_probs: tuple[float, ...] = PAPER_TOY_BANDIT.ref_probs
    """π_ref, full support."""
    beta: float = PAPER_TOY_BANDIT.beta
    """KL regularisation β > 0."""
    mu1: tuple[float, ...] = PAPER_MU1
    """Data distribution of y."""
    mu2: tuple[float, ...] = PAPER_MU2
    """Data distribution of y′."""

    def __post_init__(self) -> None:
        _check_data_distributions(self, self.bandit().num_actions)

    def bandit(self) -> RewardBandit:
        return RewardBandit(self.rewards, self.ref_probs, self.beta)


def run_exact_fixed_point(config: ExactFixedPointConfig, seeds: Sequence[int]) -> list[Result]:
    """Deterministic: the exact CoPG optimum does not depend on the seed (one Result per seed regardless)."""
    outcome = pipelines.exact_fixed_point(config.bandit(), config.mu1, config.mu2)
    return [Result(outcome.metrics) for _ in seeds]


# --- Thm 1 on random instances -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RandomInstanceSpec:
    """How random instances are drawn (shared by the random-instance experiments)."""

    min_actions: int = 3
    """Smallest K."""
    max_actions: int = 20
    """Largest K (instances are padded to it)."""
    reward_low: float = 0.0
    """R(y) ∼ U(reward_low, reward_high)."""
    reward_high: float = 2.0
    """Upper end of the reward range."""
    beta_low: float = 0.25
    """β is log-uniform on [beta_low, beta_high], beta_low > 0."""
    beta_high: float = 2.0
    """Upper end of the β range."""
    support_floor: float = 0.2
    """π_ref, μ1, μ2 = (1 − floor)·Dirichlet(1) + floor·uniform: every action has probability ≥ floor/K."""

    def check_spec(self) -> None:
        if not 2 <= self.min_actions <= self.max_actions:
            raise ValueError(f"need 2 <= min_actions <= max_actions, got {self.min_actions}, {self.max_actions}")
        check_positive("beta_low", self.beta_low)
        if not self.beta_low <= self.beta_high:
            raise ValueError(f"beta_high must be >= beta_low, got {self.beta_high} < {self.beta_low}")
        if not self.reward_low <= self.reward_high:
            raise ValueError(f"reward_high must be >= reward_low, got {self.reward_high} < {self.reward_low}")
        if not 0 < self.support_floor <= 1:
            raise ValueError(f"support_floor must be in (0, 1] (full support), got {self.support_floor}")

    def draw(self, num_instances: int, rng: np.random.Generator):
        """``num_instances`` random bandits and their μ1, μ2 (:func:`bandits.problems.random_instances`)."""
        return random_instances(num_instances, rng, self.min_actions, self.max_actions,
                                (self.reward_low, self.reward_high), (self.beta_low, self.beta_high),
                                self.support_floor)


@dataclass(frozen=True)
class RandomInstancesConfig(RandomInstanceSpec):
    """Random bandits: exact CoPG optimisation, and offline training of the four methods on sampled data."""

    num_instances: int = 50
    """Number of random instances (Thm 1 is checked on ≥ 50)."""
    instance_seed: int = 0
    """Seed of the instance draw (stream "instances"; fixed: seeds vary the data and the shuffling, not the
    instances)."""
    num_pairs: int = 2048
    """Pairs per (instance, seed) dataset."""
    batch_size: int = 256
    """Minibatch size."""
    lr: float = 3e-2
    """Adam learning rate (larger than the paper's 1e-3: logits here reach |R/β| ≈ 8)."""
    epochs: int = 100
    """Passes over each dataset."""

    def __post_init__(self) -> None:
        self.check_spec()
        _check_at_least(self, 1, "num_instances", "num_pairs", "batch_size", "epochs")
        check_positive("lr", self.lr)


def run_random_instances(config: RandomInstancesConfig, seeds: Sequence[int]) -> list[Result]:
    """Exact CoPG optimum of every instance (deterministic, the same for every seed) and the four methods
    trained on each seed's data, all instances × seeds × methods at once; one Result per seed."""
    instances = config.draw(config.num_instances, numpy_rng(config.instance_seed, "instances"))
    return _results(pipelines.random_instance_sweep(instances, _setup(config), data=torch_generators(seeds, "pairs"),
                                                    shuffle=torch_generators(seeds, "shuffle"),
                                                    plateaued=has_plateaued))


# --- Fig. 1 across β ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BetaSweepConfig:
    """The paper bandit trained at several β on the same data (per seed)."""

    betas: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
    """The β values (each > 0); IPO and DPO use τ = β."""
    rewards: tuple[float, ...] = PAPER_TOY_BANDIT.rewards
    """R(y)."""
    ref_probs: tuple[float, ...] = PAPER_TOY_BANDIT.ref_probs
    """π_ref, full support."""
    mu1: tuple[float, ...] = PAPER_MU1
    """Data distribution of y."""
    mu2: tuple[float, ...] = PAPER_MU2
    """Data distribution of y′."""
    num_pairs: int = 10_000
    """Dataset size per seed (shared by every β)."""
    batch_size: int = 512
    """Minibatch size."""
    lr: float = 1e-2
    """Adam learning rate (10× the paper's: at β = 0.1 the optimal logits span R/β ≈ 15)."""
    epochs: int = 200
    """Passes over the dataset."""

    def __post_init__(self) -> None:
        if not self.betas:
            raise ValueError("betas must not be empty")
        for beta in self.betas:
            check_positive("beta", beta)
        _check_data_distributions(self, RewardBandit(self.rewards, self.ref_probs, self.betas[0]).num_actions)
        _check_at_least(self, 1, "num_pairs", "batch_size", "epochs")
        check_positive("lr", self.lr)


def run_beta_sweep(config: BetaSweepConfig, seeds: Sequence[int]) -> list[Result]:
    """Every β on each seed's one dataset (the data do not depend on β), five methods, one batched program."""
    return _results(pipelines.beta_sweep(config.rewards, config.ref_probs, config.betas, config.mu1, config.mu2,
                                         _setup(config), data=torch_generators(seeds, "pairs"),
                                         shuffle=torch_generators(seeds, "shuffle"), plateaued=has_plateaued))


# --- Prop. 1–3 and Eq. 16 ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradientIdentitiesConfig(RandomInstanceSpec):
    """Random instances and random policies π = softmax(θ), θ ∼ N(0, logit_scale²), drawn per seed."""

    num_instances: int = 10
    """Random instances per seed."""
    logit_scale: float = 1.0
    """Standard deviation of the random logits of π."""
    mc_samples: int = 20_000
    """Monte-Carlo pairs y, y′ ∼ π per instance (Prop. 1)."""
    num_pairs: int = 256
    """Pairs per instance for the sample-by-sample identities (Prop. 2, Prop. 3)."""
    chunk: int = 5_000
    """Monte-Carlo samples per autograd call (bounds memory)."""

    def __post_init__(self) -> None:
        self.check_spec()
        _check_at_least(self, 1, "num_instances")
        check_positive("logit_scale", self.logit_scale)
        _check_at_least(self, 2, "mc_samples", "num_pairs", "chunk")


def run_gradient_identities(config: GradientIdentitiesConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: fresh random instances and a random π; Prop. 1 by Monte Carlo, Prop. 2–3 sample by sample,
    Eq. 16 exactly (:func:`bandits.copg.identities.identity_checks_per_seed`)."""
    instances = [config.draw(config.num_instances, numpy_rng(seed, "instances")) for seed in seeds]
    return _results(identity_checks_per_seed(instances, torch_generators(seeds, "policy"),
                                             torch_generators(seeds, "samples"), config.logit_scale,
                                             config.mc_samples, config.num_pairs, config.chunk))


EXPERIMENTS = (
    Experiment(name="copg/toy_bandit", config_cls=ToyBanditConfig, run=run_toy_bandit, budgets=budgets.TOY_BANDIT,
               description="Fig. 1 bandit: CoPG vs PG (b=0), PG (value baseline), IPO on 10^4 offline pairs"),
    Experiment(name="copg/exact_fixed_point", config_cls=ExactFixedPointConfig, run=run_exact_fixed_point,
               budgets=budgets.EXACT_FIXED_POINT, seeds_per_task=1,
               description="Population CoPG loss minimised exactly on the paper bandit"),
    Experiment(name="copg/random_instances", config_cls=RandomInstancesConfig, run=run_random_instances,
               budgets=budgets.RANDOM_INSTANCES,
               description="≥ 50 random bandits × seeds × 4 methods in one batched program; exact CoPG optimum per "
                           "instance"),
    Experiment(name="copg/beta_sweep", config_cls=BetaSweepConfig, run=run_beta_sweep, budgets=budgets.BETA_SWEEP,
               description="Paper bandit at β ∈ {0.1 … 5}: regret and KL(π‖π_ref) of CoPG, PG, IPO, DPO"),
    Experiment(name="copg/gradient_identities", config_cls=GradientIdentitiesConfig, run=run_gradient_identities,
               budgets=budgets.GRADIENT_IDENTITIES,
               description="Prop. 1–3 and Eq. 16 on random instances and random policies (autograd through the "
                           "estimators)"),
)
