"""CPL suite — Contrastive Preference Learning (Hejna et al., ICLR 2024, arXiv 2310.13639).

Experiments (tabular ones: random MDPs, S = 20, A = 4, r ~ U(0, 1), α = 0.1, γ = 0.9, uniform behaviour; one MDP
and one nested dataset per seed, fits at every N on its first N pairs; exact L-BFGS fits in float64):
- ``cpl/discounted``: Dirichlet(1) transitions, segments of length 5 from uniform start states. Per N: CPL on
  sampled regret labels, CPL on reward-model labels, CPL on hard (deterministic) regret labels, reward-based
  RLHF (Bradley–Terry r̂, then exact soft VI), SFT on preferred segments.
- ``cpl/finite_horizon`` (Dirichlet(0.1), H = 5, whole episodes) and ``cpl/finite_horizon_dense``
  (Dirichlet(1) control): time-indexed CPL vs RLHF with a stationary r̂ and finite-horizon soft VI.
- ``cpl/conservative``: λ sweep at fixed N under full and partial coverage (action 0 never taken, r = −1, in
  some states).
- ``cpl/minigrid``: MiniGrid-FourRooms (new layout per seed), oracle soft-Q under a −1-per-step reward, noisy
  expert segments, neural CPL vs SFT vs RLHF + offline soft VI; exact success probabilities.

Claims: ``cpl.consistency``, ``cpl.wrong_model_bias``, ``cpl.reward_learns_advantage``,
``cpl.conservative_tradeoff``, ``cpl.hard_labels``, ``cpl.minigrid_scale``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from benchmarks.plots import save
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import Estimate, combine, decide, loglog_slope, mean_ci
from mdps.cpl import fit_bt_reward_table, fit_cpl_table, sft_table
from mdps.cpl_minigrid import (PairData, grid_task_from_minigrid, noisy_expert, offline_soft_vi, policy_tables,
                               success_probability, tabularise, train_networks, value_tables)
from mdps.segments import (contrastive_design, masked_uniform_behaviour, preference_labels, sample_segments,
                           segment_features, segment_scores)
from mdps.tabular import (TabularMDP, check_alpha, check_gamma, kl_rows, log_softmax, random_mdp,
                          soft_policy_evaluation, soft_value_iteration, state_occupancy)

PAPER = "CPL (Hejna et al., ICLR 2024)"
QUICK_PAIRS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000)
FULL_PAIRS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
FH_QUICK_PAIRS = (10_000, 30_000, 100_000, 300_000, 1_000_000)
FH_FULL_PAIRS = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000)
STREAMS = {"discounted": 1, "finite_horizon": 2, "conservative": 3, "minigrid": 4}

# pass thresholds (from the spec)
CONSISTENCY_KL = 0.01
CONSISTENCY_AT = 100_000
SLOPE_RANGE = (-1.3, -0.8)
WRONG_MODEL_FLOOR = 0.05
PLATEAU_RATIO = 0.5          # KL falls by less than 2× per decade (a consistent estimator falls ~10×)
LAST_DECADE_SLOPE = -0.5     # log-log slope over the last decade: above = plateau, below = still falling
UNSEEN_MASS = 1e-3
HARD_KL = 1.0
HARD_FLAT = (0.5, 2.0)
NONINFERIORITY_MARGIN = 0.05


def _check_pairs(pair_counts: tuple[int, ...]) -> None:
    if len(pair_counts) < 1 or any(n < 1 for n in pair_counts) or list(pair_counts) != sorted(set(pair_counts)):
        raise ValueError(f"pair_counts must be strictly increasing positive integers, got {pair_counts}")


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
    pair_counts: tuple[int, ...] = QUICK_PAIRS
    """Numbers of preference pairs N (nested: the first N pairs of one dataset)."""
    max_iter: int = 2000
    """L-BFGS iteration cap per fit."""

    def __post_init__(self) -> None:
        _check_tabular(self)
        _check_pairs(self.pair_counts)


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
    pair_counts: tuple[int, ...] = FH_QUICK_PAIRS
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
    """A Minigrid navigation environment with walls and a goal only (layout drawn by reset(seed))."""
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
    lam: float = 1.0
    """CPL's conservative λ (1: plain CPL)."""
    hidden: int = 64
    """Hidden width of the two-layer MLPs."""
    steps: int = 1000
    """Full-batch Adam steps per network."""
    lr: float = 3e-3
    """Adam learning rate."""

    def __post_init__(self) -> None:
        check_alpha(self.alpha)
        check_gamma(self.gamma)
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")
        if not 0 < self.lam <= 1:
            raise ValueError(f"lam must lie in (0, 1], got {self.lam}")
        for name in ("num_pairs", "segment_length", "hidden", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not self.env_id.startswith("MiniGrid-"):
            raise ValueError(f"env_id must be a MiniGrid-* environment, got {self.env_id!r}")


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


# --------------------------------------------------------------------------------------------- runs --
def _pair_data(mdp: TabularMDP, behaviour: np.ndarray, num: int, length: int, rng: np.random.Generator):
    return (sample_segments(mdp, behaviour, num, length, rng), sample_segments(mdp, behaviour, num, length, rng))


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(np.ravel(x), np.ravel(y))[0, 1])


def run_discounted(config: DiscountedConfig, seeds: Sequence[int]) -> list[Result]:
    """One random MDP and one nested dataset per seed; every estimator at every N (first N pairs)."""
    return [_run_discounted_seed(config, int(seed)) for seed in seeds]


def _run_discounted_seed(config: DiscountedConfig, seed: int) -> Result:
    rng = np.random.default_rng([seed, STREAMS["discounted"]])
    s_count, a_count, gamma, alpha = config.num_states, config.num_actions, config.gamma, config.alpha
    mdp = random_mdp(rng, s_count, a_count, gamma, config.concentration)
    opt = soft_value_iteration(mdp, alpha)
    behaviour = masked_uniform_behaviour(s_count, a_count)
    seg_a, seg_b = _pair_data(mdp, behaviour, config.pair_counts[-1], config.segment_length, rng)
    adv_a, adv_b = segment_scores(seg_a, opt.advantage, gamma), segment_scores(seg_b, opt.advantage, gamma)
    labels = {"regret": preference_labels(adv_a, adv_b, rng),
              "reward": preference_labels(segment_scores(seg_a, mdp.rewards, gamma),
                                          segment_scores(seg_b, mdp.rewards, gamma), rng),
              "hard": preference_labels(adv_a, adv_b, rng, mode="hard")}
    x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
    c_a, c_b = (segment_features(s, s_count, a_count, gamma, discounted=False) for s in (seg_a, seg_b))
    series: dict[str, list[float]] = {"pairs": [float(n) for n in config.pair_counts]}

    def add(name: str, value: float) -> None:
        series.setdefault(name, []).append(float(value))

    for n in config.pair_counts:
        fits = {}
        for method, label in (("cpl", "regret"), ("cpl_reward_labels", "reward"), ("cpl_hard", "hard")):
            log_pi, _ = fit_cpl_table(contrastive_design(x_a[:n], x_b[:n], labels[label][:n]), a_count, alpha,
                                      max_iter=config.max_iter)
            fits[method] = np.exp(log_pi)
        r_hat, _ = fit_bt_reward_table(contrastive_design(x_a[:n], x_b[:n], labels["regret"][:n]),
                                       max_iter=config.max_iter)
        r_hat = r_hat.reshape(s_count, a_count)
        fits["rlhf"] = soft_value_iteration(TabularMDP(mdp.transitions, r_hat, gamma, mdp.start), alpha).policy
        y = labels["regret"][:n, None].astype(float)
        preferred_counts = np.asarray((c_a[:n].multiply(y) + c_b[:n].multiply(1 - y)).sum(0)).ravel()
        fits["sft"] = sft_table(preferred_counts, a_count)
        for method, pi in fits.items():
            add(f"kl/{method}", kl_rows(opt.policy, pi).mean())
        add("value_gap/cpl", np.mean(opt.v - soft_policy_evaluation(mdp, fits["cpl"], alpha)))
        add("entropy/cpl_hard", np.mean(-np.sum(fits["cpl_hard"] * np.log(np.maximum(fits["cpl_hard"], 1e-300)), -1)))
        add("corr_advantage/rlhf", _corr(r_hat, opt.advantage))
        add("corr_reward/rlhf", _corr(r_hat, mdp.rewards))
    softmax_r = np.exp(log_softmax(mdp.rewards, alpha))
    metrics = {"kl_softmax_reward": float(kl_rows(opt.policy, softmax_r).mean()),
               "corr_advantage_reward": _corr(opt.advantage, mdp.rewards),
               "kl_uniform": float(kl_rows(opt.policy, behaviour).mean())}
    for name, values in series.items():
        if name != "pairs":
            metrics[f"{name}@max"] = values[-1]
    return Result(metrics, series)


def run_finite_horizon(config: FiniteHorizonConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a finite-horizon MDP, nested whole-episode pairs with regret labels; time-indexed CPL and
    stationary-r̂ RLHF at every N. KL is Σ_s d_h(s)·KL(π*_h‖π_h) averaged over h (d_h: the data's state law)."""
    return [_run_finite_horizon_seed(config, int(seed)) for seed in seeds]


def _run_finite_horizon_seed(config: FiniteHorizonConfig, seed: int) -> Result:
    rng = np.random.default_rng([seed, STREAMS["finite_horizon"]])
    s_count, a_count, gamma, alpha, h_max = (config.num_states, config.num_actions, config.gamma, config.alpha,
                                             config.horizon)
    mdp = random_mdp(rng, s_count, a_count, gamma, config.concentration, horizon=h_max)
    opt = soft_value_iteration(mdp, alpha)
    behaviour = masked_uniform_behaviour(s_count, a_count)
    occupancy = state_occupancy(mdp, behaviour)
    seg_a, seg_b = _pair_data(mdp, behaviour, config.pair_counts[-1], config.segment_length, rng)
    labels = preference_labels(segment_scores(seg_a, opt.advantage, gamma),
                               segment_scores(seg_b, opt.advantage, gamma), rng)
    xt_a, xt_b = (segment_features(s, s_count, a_count, gamma, time_indexed=True, horizon=h_max)
                  for s in (seg_a, seg_b))
    x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
    series: dict[str, list[float]] = {"pairs": [float(n) for n in config.pair_counts]}

    def weighted_kl(pi: np.ndarray) -> np.ndarray:
        return np.sum(occupancy * kl_rows(opt.policy, pi), -1)  # per h

    for n in config.pair_counts:
        log_pi, _ = fit_cpl_table(contrastive_design(xt_a[:n], xt_b[:n], labels[:n]), a_count, alpha,
                                  max_iter=config.max_iter)
        cpl_kl = weighted_kl(np.exp(log_pi).reshape(h_max, s_count, a_count))
        r_hat, _ = fit_bt_reward_table(contrastive_design(x_a[:n], x_b[:n], labels[:n]), max_iter=config.max_iter)
        r_hat = r_hat.reshape(s_count, a_count)
        rlhf = soft_value_iteration(TabularMDP(mdp.transitions, r_hat, gamma, mdp.start, h_max), alpha).policy
        rlhf_kl = weighted_kl(rlhf)
        for name, value in (("kl/cpl", cpl_kl.mean()), ("kl/rlhf", rlhf_kl.mean()),
                            ("kl_last_step/cpl", cpl_kl[-1]), ("kl_last_step/rlhf", rlhf_kl[-1]),
                            ("corr_advantage/rlhf", _corr(r_hat, opt.advantage.mean(0)))):
            series.setdefault(name, []).append(float(value))
    # how much π*_h depends on h: KL between the first and last step's optimal policies on the data
    h_dependence = float(np.sum(occupancy[-1] * kl_rows(opt.policy[-1], opt.policy[0])))
    metrics = {f"{k}@max": v[-1] for k, v in series.items() if k != "pairs"}
    metrics["kl_pi_last_vs_first_step"] = h_dependence
    return Result(metrics, series)


def run_conservative(config: ConservativeConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: one MDP; full coverage (uniform behaviour) and partial coverage (action 0 never taken and
    r = masked_reward in ``masked_states`` states); conservative CPL at every λ on the same pairs."""
    return [_run_conservative_seed(config, int(seed)) for seed in seeds]


def _run_conservative_seed(config: ConservativeConfig, seed: int) -> Result:
    rng = np.random.default_rng([seed, STREAMS["conservative"]])
    s_count, a_count, gamma, alpha = config.num_states, config.num_actions, config.gamma, config.alpha
    base = random_mdp(rng, s_count, a_count, gamma)
    masked = np.zeros((s_count, a_count), dtype=bool)
    masked[: config.masked_states, 0] = True
    partial_rewards = np.where(masked, config.masked_reward, base.rewards)
    regimes = {"full": (base, masked_uniform_behaviour(s_count, a_count)),
               "partial": (TabularMDP(base.transitions, partial_rewards, gamma, base.start),
                           masked_uniform_behaviour(s_count, a_count, masked))}
    metrics: dict[str, float] = {}
    series: dict[str, list[float]] = {"lambda": list(map(float, config.lambdas))}
    for regime, (mdp, behaviour) in regimes.items():
        opt = soft_value_iteration(mdp, alpha)
        seg_a, seg_b = _pair_data(mdp, behaviour, config.num_pairs, config.segment_length, rng)
        labels = preference_labels(segment_scores(seg_a, opt.advantage, gamma),
                                   segment_scores(seg_b, opt.advantage, gamma), rng)
        x_a, x_b = (segment_features(s, s_count, a_count, gamma) for s in (seg_a, seg_b))
        if regime == "partial":
            metrics["optimal_mass_on_unseen"] = float(opt.policy[masked].max())
        for lam in config.lambdas:
            log_pi, _ = fit_cpl_table(contrastive_design(x_a, x_b, labels, lam), a_count, alpha,
                                      max_iter=config.max_iter)
            pi = np.exp(log_pi)
            kl = kl_rows(opt.policy, pi)
            series.setdefault(f"kl/{regime}", []).append(float(kl.mean()))
            if regime == "partial":
                series.setdefault("unseen_mass_max/partial", []).append(float(pi[masked].max()))
                series.setdefault("kl_unmasked_states/partial", []).append(
                    float(kl[config.masked_states:].mean()) if config.masked_states < s_count else 0.0)
    for name, values in series.items():
        if name != "lambda":
            metrics.update({f"{name}@{lam:g}": v for lam, v in zip(config.lambdas, values)})
    return Result(metrics, series)


def run_minigrid(config: MinigridConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a Minigrid layout, its soft-Q oracle, noisy-expert pairs with regret labels; CPL, SFT and
    reward MLPs trained batched over seeds; exact success probabilities of the learned policies."""
    grids, datasets, references = [], [], []
    for seed in seeds:
        rng = np.random.default_rng([int(seed), STREAMS["minigrid"]])
        grid = tabularise(grid_task_from_minigrid(config.env_id, int(seed)), config.alpha, config.gamma)
        opt = soft_value_iteration(grid.mdp, config.alpha)
        behaviour = noisy_expert(opt.q, config.epsilon)
        start = np.full(grid.mdp.num_states, 1.0 / (grid.mdp.num_states - 1))
        start[grid.absorbing] = 0.0
        seg_a, seg_b = (sample_segments(grid.mdp, behaviour, config.num_pairs, config.segment_length, rng, start)
                        for _ in range(2))
        y = preference_labels(segment_scores(seg_a, opt.advantage, config.gamma),
                              segment_scores(seg_b, opt.advantage, config.gamma), rng)[:, None]
        datasets.append(tuple(np.where(y, p, q) for p, q in ((seg_a.states, seg_b.states),
                                                             (seg_a.actions, seg_b.actions),
                                                             (seg_b.states, seg_a.states),
                                                             (seg_b.actions, seg_a.actions))))
        grids.append(grid)
        references.append({"oracle": opt.policy, "behaviour": behaviour})
    width = max(g.mdp.num_states for g in grids)
    features = torch.zeros(len(grids), width, grids[0].features.shape[1])
    for i, g in enumerate(grids):
        features[i, : g.mdp.num_states] = torch.from_numpy(g.features)
    data = PairData(*(torch.from_numpy(np.stack([d[j] for d in datasets])) for j in range(4)))
    generator = torch.Generator().manual_seed(int(seeds[0]) * 7919 + STREAMS["minigrid"])
    common = dict(generator=generator, hidden=config.hidden, steps=config.steps, lr=config.lr, alpha=config.alpha, gamma=config.gamma, lam=config.lam)
    tables = {"cpl": policy_tables(train_networks(features, data, "cpl", **common), features),
              "sft": policy_tables(train_networks(features, data, "sft", **common), features)}
    rewards = value_tables(train_networks(features, data, "reward", **common), features)
    results = []
    for i, grid in enumerate(grids):
        s_count = grid.mdp.num_states
        policies = {"cpl": tables["cpl"][i, :s_count], "sft": tables["sft"][i, :s_count], **references[i]}
        observed = np.zeros((s_count, 3), dtype=bool)
        states = np.concatenate([datasets[i][0], datasets[i][2]])
        actions = np.concatenate([datasets[i][1], datasets[i][3]])
        observed[states[:, :-1], actions[:, :-1]] = True  # (s, a) whose successor the data shows
        next_state = grid.mdp.transitions.argmax(-1)       # deterministic: the successor the data shows
        policies["rlhf"] = offline_soft_vi(rewards[i, :s_count], observed, next_state, config.alpha, config.gamma)
        metrics = {}
        for name, pi in policies.items():
            success, ret = success_probability(grid, pi)
            metrics[f"success/{name}"] = success
            metrics[f"return/{name}"] = ret
        metrics["coverage"] = float(observed[: grid.absorbing].mean())
        metrics["num_states"] = float(s_count)
        results.append(Result(metrics))
    return results


DISCOUNTED = Experiment(
    name="cpl/discounted", config_cls=DiscountedConfig, run=run_discounted,
    description="random MDPs: CPL / CPL on reward labels / hard labels / RLHF / SFT vs N pairs",
    budgets={"smoke": Budget(seeds=3, overrides={"pair_counts": (300, 1_000, 3_000)}),
             "quick": Budget(seeds=5),
             "full": Budget(seeds=10, overrides={"pair_counts": FULL_PAIRS})},
)
FINITE_HORIZON = Experiment(
    name="cpl/finite_horizon", config_cls=FiniteHorizonConfig, run=run_finite_horizon,
    description="sparse finite-horizon MDPs (Dirichlet(0.1), H=5): time-indexed CPL vs stationary-r̂ RLHF",
    budgets={"smoke": Budget(seeds=3, overrides={"pair_counts": (300, 1_000, 3_000)}),
             "quick": Budget(seeds=4),
             "full": Budget(seeds=10, overrides={"pair_counts": FH_FULL_PAIRS})},
)
FINITE_HORIZON_DENSE = Experiment(
    name="cpl/finite_horizon_dense", config_cls=FiniteHorizonConfig, run=run_finite_horizon,
    description="control: dense finite-horizon MDPs (Dirichlet(1)), where π*_h barely depends on h",
    budgets={"smoke": Budget(seeds=3, overrides={"concentration": 1.0, "pair_counts": (300, 1_000, 3_000)}),
             "quick": Budget(seeds=3, overrides={"concentration": 1.0, "pair_counts": (10_000, 100_000)}),
             "full": Budget(seeds=10, overrides={"concentration": 1.0, "pair_counts": FH_FULL_PAIRS})},
)
CONSERVATIVE = Experiment(
    name="cpl/conservative", config_cls=ConservativeConfig, run=run_conservative,
    description="conservative CPL λ sweep under full and partial coverage",
    budgets={"smoke": Budget(seeds=3, overrides={"num_pairs": 3_000}),
             "quick": Budget(seeds=5),
             "full": Budget(seeds=10, overrides={"num_pairs": 1_000_000})},
)
MINIGRID = Experiment(
    name="cpl/minigrid", config_cls=MinigridConfig, run=run_minigrid,
    description="MiniGrid-FourRooms: neural CPL vs SFT vs RLHF + offline soft VI from oracle-regret preferences",
    budgets={"smoke": Budget(seeds=3, overrides={"num_pairs": 200, "steps": 30, "hidden": 32}),
             "quick": Budget(seeds=6),
             "full": Budget(seeds=12, overrides={"num_pairs": 5000, "segment_length": 32, "steps": 6000})},
)
