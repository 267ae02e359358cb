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

from bandits.solvers import kl
from benchmarks.plots import save
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import Estimate, combine, decide, loglog_slope, mean_ci
from mdps.cpl import fit_bt_reward_table, fit_cpl_table, sft_table
from mdps.cpl_minigrid import (
    PairData,
    grid_task_from_minigrid,
    noisy_expert,
    offline_soft_vi,
    policy_tables,
    success_probability,
    tabularise,
    train_networks,
    value_tables,
)
from mdps.segments import (
    contrastive_design,
    masked_uniform_behaviour,
    preference_labels,
    sample_segments,
    segment_features,
    segment_scores,
)
from mdps.tabular import (
    TabularMDP,
    check_alpha,
    check_gamma,
    log_softmax,
    random_mdp,
    soft_policy_evaluation,
    soft_value_iteration,
    state_occupancy,
)

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
            add(f"kl/{method}", kl(opt.policy, pi).mean())
        add("value_gap/cpl", np.mean(opt.v - soft_policy_evaluation(mdp, fits["cpl"], alpha)))
        add("entropy/cpl_hard", np.mean(-np.sum(fits["cpl_hard"] * np.log(np.maximum(fits["cpl_hard"], 1e-300)), -1)))
        add("corr_advantage/rlhf", _corr(r_hat, opt.advantage))
        add("corr_reward/rlhf", _corr(r_hat, mdp.rewards))
    softmax_r = np.exp(log_softmax(mdp.rewards, alpha))
    metrics = {"kl_softmax_reward": float(kl(opt.policy, softmax_r).mean()),
               "corr_advantage_reward": _corr(opt.advantage, mdp.rewards),
               "kl_uniform": float(kl(opt.policy, behaviour).mean())}
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
        return np.sum(occupancy * kl(opt.policy, pi), -1)  # per h

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
    h_dependence = float(np.sum(occupancy[-1] * kl(opt.policy[-1], opt.policy[0])))
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
            divergence = kl(opt.policy, pi)
            series.setdefault(f"kl/{regime}", []).append(float(divergence.mean()))
            if regime == "partial":
                series.setdefault("unseen_mass_max/partial", []).append(float(pi[masked].max()))
                series.setdefault("kl_unmasked_states/partial", []).append(
                    float(divergence[config.masked_states:].mean()) if config.masked_states < s_count else 0.0)
    for name, values in series.items():
        if name != "lambda":
            metrics.update({f"{name}@{lam:g}": v for lam, v in zip(config.lambdas, values)})
    return Result(metrics, series)


def run_minigrid(config: MinigridConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a Minigrid layout, its soft-Q oracle, noisy-expert pairs with regret labels; CPL, SFT and
    reward MLPs trained batched over seeds; exact success probabilities of the learned policies."""
    grids, datasets, references, oracle_advantages = [], [], [], []
    for seed in seeds:
        rng = np.random.default_rng([int(seed), STREAMS["minigrid"]])
        grid = tabularise(grid_task_from_minigrid(config.env_id, int(seed) + config.layout_offset), config.alpha, config.gamma)
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
        oracle_advantages.append(opt.advantage)
    width = max(g.mdp.num_states for g in grids)
    features = torch.zeros(len(grids), width, grids[0].features.shape[1])
    for i, g in enumerate(grids):
        features[i, : g.mdp.num_states] = torch.from_numpy(g.features)
    data = PairData(*(torch.from_numpy(np.stack([d[j] for d in datasets])) for j in range(4)))
    generator = torch.Generator().manual_seed(int(seeds[0]) * 7919 + STREAMS["minigrid"])
    common = dict(generator=generator, hidden=config.hidden, steps=config.steps, lr=config.lr, alpha=config.alpha, gamma=config.gamma, lam=config.lam)
    tables = {"cpl": policy_tables(train_networks(features, data, "cpl", bc_weight=config.bc_weight, **common),
                                   features),
              "sft": policy_tables(train_networks(features, data, "sft", **common), features)}
    rewards = value_tables(train_networks(features, data, "reward", **common), features)
    results = []
    for i, grid in enumerate(grids):
        s_count = grid.mdp.num_states
        policies = {"cpl": tables["cpl"][i, :s_count], "sft": tables["sft"][i, :s_count], **references[i]}
        counts = np.zeros((s_count, 3))
        states = np.concatenate([datasets[i][0], datasets[i][2]])[:, :-1]   # steps whose successor the data shows
        actions = np.concatenate([datasets[i][1], datasets[i][3]])[:, :-1]
        np.add.at(counts, (states, actions), 1.0)
        support = (counts > 0) / np.maximum((counts > 0).sum(-1, keepdims=True), 1.0)  # max-ent on seen actions
        next_state = grid.mdp.transitions.argmax(-1)  # deterministic: where counts > 0 the data shows this successor
        policies["rlhf"] = offline_soft_vi(rewards[i, :s_count], support, next_state, config.alpha, config.gamma)
        # sanity check of the RL step: the same offline RL on the true A* (not a learnable baseline)
        policies["rl_on_true_advantage"] = offline_soft_vi(oracle_advantages[i], support, next_state, config.alpha,
                                                           config.gamma)
        metrics = {}
        for name, pi in policies.items():
            success, ret = success_probability(grid, pi)
            metrics[f"success/{name}"] = success
            metrics[f"return/{name}"] = ret
        metrics["coverage"] = float((counts[: grid.absorbing] > 0).mean())
        seen = counts > 0
        metrics["corr_advantage/rlhf"] = _corr(rewards[i, :s_count][seen], oracle_advantages[i][seen])
        metrics["num_states"] = float(s_count)
        results.append(Result(metrics))
    return results


DISCOUNTED = Experiment(
    name="cpl/discounted", config_cls=DiscountedConfig, run=run_discounted,
    description="random MDPs: CPL / CPL on reward labels / hard labels / RLHF / SFT vs N pairs",
    budgets={"smoke": Budget(seeds=3, overrides={"pair_counts": (300, 1_000, 3_000)}),
             "quick": Budget(seeds=8),
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


# ------------------------------------------------------------------------------------------- checks --
def _fmt(e: Estimate) -> str:
    return f"{e.value:.4g} [{e.low:.3g}, {e.high:.3g}]"


def _series(runs: Sequence[RunRecord], name: str) -> np.ndarray:
    """(seeds, points) array of a stored series."""
    return np.array([r.series[name] for r in runs], dtype=float)


def _pairs(runs: Sequence[RunRecord]) -> np.ndarray:
    return np.asarray(runs[0].series["pairs"], dtype=float)


def _decade_index(pairs: np.ndarray) -> int | None:
    """Index of the largest N ≤ N_max/10 (the start of the last decade), or None when the grid spans less."""
    below = np.nonzero(pairs <= pairs[-1] / 10 * (1 + 1e-9))[0]
    return int(below[-1]) if below.size else None


def _per_seed_slopes(pairs: np.ndarray, values: np.ndarray, start: int = 0) -> list[float]:
    """Least-squares log-log slope of each seed's curve over pairs[start:]."""
    lx = np.log(pairs[start:])
    return [float(np.polyfit(lx, np.log(np.maximum(v[start:], 1e-300)), 1)[0]) for v in values]


def _within(e: Estimate, low: float, high: float) -> str:
    """holds if the CI lies inside [low, high], fails if it lies wholly outside, else inconclusive."""
    if e.n < 3:
        return "inconclusive"
    if low <= e.low and e.high <= high:
        return "holds"
    if e.high < low or e.low > high:
        return "fails"
    return "inconclusive"


def check_consistency(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Thm 1: KL(π*‖π_CPL) < 0.01 at N = 10⁵ and a log-log slope of KL vs N in [−1.3, −0.8]."""
    runs = results["cpl/discounted"]
    pairs, kl = _pairs(runs), _series(runs, "kl/cpl")
    slopes = mean_ci(_per_seed_slopes(pairs, kl)) if pairs.size >= 3 else None
    pooled = loglog_slope(pairs, kl.mean(0)) if pairs.size >= 3 else None
    at = np.nonzero(pairs == CONSISTENCY_AT)[0]
    if at.size == 0 or slopes is None:
        return Verdict("cpl.consistency", "inconclusive", "KL(π*‖π_CPL) at N = 1e5", None, None, CONSISTENCY_KL,
                       "0.0068 (pilot)", explanation=f"budget too small: the N grid {pairs.tolist()} lacks 1e5 or "
                                                     "has fewer than 3 points")
    kl_at = mean_ci(kl[:, at[0]])
    gap = mean_ci(_series(runs, "value_gap/cpl")[:, at[0]])
    parts = [decide(kl_at, CONSISTENCY_KL, "below"), _within(slopes, *SLOPE_RANGE)]
    curve = {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}
    return Verdict(
        claim="cpl.consistency", status=combine(parts), statistic="KL(π*‖π_CPL) at N = 1e5 (mean over seeds)",
        value=kl_at.value, ci=kl_at.ci, threshold=CONSISTENCY_KL,
        paper_value="pilot: 0.94 (1e3), 0.076 (1e4), 0.0068 (1e5), 0.00067 (1e6); slope −1.07",
        details={"kl_by_pairs": curve, "slope_per_seed_mean": slopes.value, "slope_ci": list(slopes.ci),
                 "slope_range": list(SLOPE_RANGE), "slope_of_seed_mean_curve": pooled.value,
                 "value_gap_at_1e5": gap.value, "value_gap_ci": list(gap.ci), "parts": parts, "seeds": kl_at.n},
        explanation=(f"KL at 1e5 {_fmt(kl_at)} ({parts[0]} vs < {CONSISTENCY_KL}); log-log slope of KL vs N "
                     f"{_fmt(slopes)} over N = {int(pairs[0])}..{int(pairs[-1])} ({parts[1]} vs within "
                     f"{list(SLOPE_RANGE)}); pilot 0.0068 and −1.07. Soft-value gap at 1e5 {_fmt(gap)} "
                     "(= α(I−γP_π)⁻¹KL(π‖π*), reported, not counted as a second confirmation); "
                     f"{kl_at.n} seeds"),
    )


def check_wrong_model_bias(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Reward-model labels fed to CPL plateau: KL at N_max ≥ 0.05 and KL(N_max)/KL(N_max/10) > 0.5 (a consistent
    estimator falls ~10× per decade)."""
    runs = results["cpl/discounted"]
    pairs, kl = _pairs(runs), _series(runs, "kl/cpl_reward_labels")
    start = _decade_index(pairs)
    final = mean_ci(kl[:, -1])
    softmax_r = mean_ci([r.metrics["kl_softmax_reward"] for r in runs])
    if start is None:
        return Verdict("cpl.wrong_model_bias", "inconclusive", "KL(π*‖π_CPL) on reward labels at N_max",
                       final.value, final.ci, WRONG_MODEL_FLOOR, "0.162 (1e5), 0.153 (1e6)",
                       explanation="budget too small: the N grid spans less than a decade")
    ratio = mean_ci(kl[:, -1] / kl[:, start])
    consistent_ratio = mean_ci(_series(runs, "kl/cpl")[:, -1] / _series(runs, "kl/cpl")[:, start])
    parts = [decide(final, WRONG_MODEL_FLOOR, "above"), decide(ratio, PLATEAU_RATIO, "above")]
    within_noise = ratio.low <= 1.0 <= ratio.high
    return Verdict(
        claim="cpl.wrong_model_bias", status=combine(parts),
        statistic=f"KL(π*‖π_CPL) with reward-model labels at N = {int(pairs[-1]):.0e}",
        value=final.value, ci=final.ci, threshold=WRONG_MODEL_FLOOR,
        paper_value="pilot: 0.265 (1e4), 0.162 (1e5), 0.153 (1e6); ~10× KL of softmax(r/α)",
        details={"ratio_last_decade": ratio.value, "ratio_ci": list(ratio.ci), "ratio_threshold": PLATEAU_RATIO,
                 "ratio_ci_contains_1": within_noise, "regret_labels_ratio": consistent_ratio.value,
                 "kl_softmax_r_over_alpha": softmax_r.value,
                 "kl_by_pairs": {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}, "parts": parts},
        explanation=(f"KL at N = {int(pairs[-1])}: {_fmt(final)} ({parts[0]} vs ≥ {WRONG_MODEL_FLOOR}); "
                     f"KL({int(pairs[-1])})/KL({int(pairs[start])}) = {_fmt(ratio)} ({parts[1]} vs > "
                     f"{PLATEAU_RATIO}; {'contains' if within_noise else 'excludes'} 1, i.e. "
                     f"{'within noise of a plateau' if within_noise else 'still creeping towards its floor'}) "
                     f"while regret labels give {consistent_ratio.value:.3g} over the same decade; KL of "
                     f"softmax(r/α) = {softmax_r.value:.3g} ({final.value / softmax_r.value:.1f}× smaller than "
                     f"CPL's); pilot 0.162 → 0.153 (1e5 → 1e6); {final.n} seeds"),
    )


def check_reward_learns_advantage(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """RLHF on regret labels learns r̂ ≈ A* (corr(r̂, A*) > corr(r̂, r)); discounted: RLHF is consistent (reported);
    finite horizon with sparse transitions: stationary-r̂ RLHF plateaus while time-indexed CPL keeps falling,
    and CPL's KL < RLHF's at the largest N."""
    disc = results["cpl/discounted"]
    corr_adv = _series(disc, "corr_advantage/rlhf")[:, -1]
    corr_r = _series(disc, "corr_reward/rlhf")[:, -1]
    corr_gap = mean_ci(corr_adv - corr_r)
    rlhf_disc = mean_ci(_series(disc, "kl/rlhf")[:, -1])
    fh = results["cpl/finite_horizon"]
    pairs = _pairs(fh)
    kl_cpl, kl_rlhf = _series(fh, "kl/cpl"), _series(fh, "kl/rlhf")
    gap = mean_ci(kl_rlhf[:, -1] - kl_cpl[:, -1])
    start = _decade_index(pairs)
    parts = [decide(corr_gap, 0.0, "above"), decide(gap, 0.0, "above")]
    details: dict = {"corr_advantage_at_max": float(corr_adv.mean()), "corr_reward_at_max": float(corr_r.mean()),
                     "corr_A_r_itself": float(np.mean([r.metrics["corr_advantage_reward"] for r in disc])),
                     "discounted_rlhf_kl_at_max": rlhf_disc.value, "discounted_rlhf_kl_ci": list(rlhf_disc.ci),
                     "fh_kl_cpl": {int(n): float(v) for n, v in zip(pairs, kl_cpl.mean(0))},
                     "fh_kl_rlhf": {int(n): float(v) for n, v in zip(pairs, kl_rlhf.mean(0))},
                     "fh_rlhf_kl_last_step_at_max": float(_series(fh, "kl_last_step/rlhf")[:, -1].mean())}
    slope_text = "the N grid spans less than a decade (plateau not tested)"
    if start is None or pairs.size - start < 2:
        parts.append("inconclusive")
    else:
        s_cpl = mean_ci(_per_seed_slopes(pairs, kl_cpl, start))
        s_rlhf = mean_ci(_per_seed_slopes(pairs, kl_rlhf, start))
        parts += [decide(s_cpl, LAST_DECADE_SLOPE, "below"), decide(s_rlhf, LAST_DECADE_SLOPE, "above")]
        details.update({"last_decade_slope_cpl": s_cpl.value, "last_decade_slope_cpl_ci": list(s_cpl.ci),
                        "last_decade_slope_rlhf": s_rlhf.value, "last_decade_slope_rlhf_ci": list(s_rlhf.ci)})
        slope_text = (f"last-decade log-log slopes: CPL {_fmt(s_cpl)} ({parts[2]} vs < {LAST_DECADE_SLOPE}), "
                      f"RLHF {_fmt(s_rlhf)} ({parts[3]} vs > {LAST_DECADE_SLOPE}, i.e. a plateau)")
    if "cpl/finite_horizon_dense" in results and results["cpl/finite_horizon_dense"]:
        dense = results["cpl/finite_horizon_dense"]
        details["dense_control_kl_cpl_at_max"] = float(_series(dense, "kl/cpl")[:, -1].mean())
        details["dense_control_kl_rlhf_at_max"] = float(_series(dense, "kl/rlhf")[:, -1].mean())
    details["parts"] = parts
    return Verdict(
        claim="cpl.reward_learns_advantage", status=combine(parts),
        statistic=f"finite horizon, N = {int(pairs[-1]):.0e}: KL_RLHF − KL_CPL (mean over seeds)",
        value=gap.value, ci=gap.ci, threshold=0.0,
        paper_value="pilot: corr(r̂, A*) 0.996 (1e5) vs corr(A*, r) ≈ 0.81; FH RLHF 0.033 → 0.023, CPL 0.052 → 0.0038",
        details=details,
        explanation=(f"discounted (N = {int(_pairs(disc)[-1])}): corr(r̂, A*) {corr_adv.mean():.4f} vs corr(r̂, r) "
                     f"{corr_r.mean():.4f}, difference {_fmt(corr_gap)} ({parts[0]}); there RLHF is consistent "
                     f"(soft VI on A* returns π*): KL {_fmt(rlhf_disc)}, so the paper's argument does not bite. "
                     f"Finite horizon (sparse P, H = 5, stationary r̂): KL_RLHF − KL_CPL at N = {int(pairs[-1])} "
                     f"{_fmt(gap)} ({parts[1]}; CPL {kl_cpl[:, -1].mean():.4g}, RLHF {kl_rlhf[:, -1].mean():.4g}); "
                     + slope_text + (f"; dense-P control: CPL {details['dense_control_kl_cpl_at_max']:.4g}, "
                                     f"RLHF {details['dense_control_kl_rlhf_at_max']:.4g}"
                                     if "dense_control_kl_cpl_at_max" in details else "")
                     + f"; {gap.n} seeds"),
    )


def check_conservative_tradeoff(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """λ = 0.95 keeps unseen-action mass < 1e-3 in every state while λ = 1 does not; full-coverage KL rises
    monotonically as λ falls (every adjacent paired difference has a CI above 0)."""
    runs = results["cpl/conservative"]
    lambdas = [float(v) for v in runs[0].series["lambda"]]
    unseen = _series(runs, "unseen_mass_max/partial")
    kl_full = _series(runs, "kl/full")
    parts, details = [], {"lambdas": lambdas, "kl_full": kl_full.mean(0).tolist(),
                          "kl_partial_unmasked_states": _series(runs, "kl_unmasked_states/partial").mean(0).tolist(),
                          "unseen_mass_max": unseen.max(0).tolist(),
                          "optimal_mass_on_unseen": max(r.metrics["optimal_mass_on_unseen"] for r in runs)}
    text = []
    if 0.95 in lambdas and 1.0 in lambdas:
        conservative = mean_ci(unseen[:, lambdas.index(0.95)])
        plain = mean_ci(unseen[:, lambdas.index(1.0)])
        parts += [decide(conservative, UNSEEN_MASS, "below"), decide(plain, UNSEEN_MASS, "above")]
        text.append(f"max unseen-action mass: λ=0.95 {_fmt(conservative)} ({parts[0]} vs < {UNSEEN_MASS:g}), "
                    f"λ=1 {_fmt(plain)} ({parts[1]} vs > {UNSEEN_MASS:g})")
    else:
        conservative = None
        parts.append("inconclusive")
        text.append("λ grid lacks 0.95 or 1")
    steps = []
    for i in range(len(lambdas) - 1):
        diff = mean_ci(kl_full[:, i + 1] - kl_full[:, i])
        steps.append(decide(diff, 0.0, "above"))
    parts.append(combine(steps) if steps else "inconclusive")
    details["monotone_steps"] = steps
    details["parts"] = parts
    text.append("full-coverage KL by λ " + ", ".join(f"{lam:g}: {v:.3g}" for lam, v in zip(lambdas, kl_full.mean(0)))
                + f" (each step up: {steps}) ")
    value = conservative.value if conservative else None
    return Verdict(
        claim="cpl.conservative_tradeoff", status=combine(parts),
        statistic="λ = 0.95, partial coverage: max mass on the never-taken action (mean over seeds)",
        value=value, ci=conservative.ci if conservative else None, threshold=UNSEEN_MASS,
        paper_value="pilot: λ=1 KL 0.0068, 0.95 ≈ 0.05, 0.75 0.38, 0.5 0.60; unseen mass λ=1 up to 0.47, λ=0.95 ≤ 1e-12",
        details=details, explanation="; ".join(text) + f"; {len(runs)} seeds",
    )


def check_hard_labels(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Deterministic labels: KL(π*‖π_CPL) > 1 at N_max and flat in N (KL(N_max)/KL(N_max/10) within [0.5, 2])."""
    runs = results["cpl/discounted"]
    pairs, kl = _pairs(runs), _series(runs, "kl/cpl_hard")
    final = mean_ci(kl[:, -1])
    entropy = float(_series(runs, "entropy/cpl_hard")[:, -1].mean())
    start = _decade_index(pairs)
    parts = [decide(final, HARD_KL, "above")]
    ratio = mean_ci(kl[:, -1] / kl[:, start]) if start is not None else None
    parts.append(_within(ratio, *HARD_FLAT) if ratio else "inconclusive")
    return Verdict(
        claim="cpl.hard_labels", status=combine(parts),
        statistic=f"KL(π*‖π_CPL) with hard labels at N = {int(pairs[-1]):.0e}", value=final.value, ci=final.ci,
        threshold=HARD_KL, paper_value="pilot: 15.4 (1e5), 15.6 (1e6), entropy ~1e-9",
        details={"ratio_last_decade": ratio.value if ratio else None, "ratio_ci": list(ratio.ci) if ratio else None,
                 "flat_range": list(HARD_FLAT), "mean_entropy_at_max": entropy,
                 "kl_by_pairs": {int(n): float(v) for n, v in zip(pairs, kl.mean(0))}, "parts": parts},
        explanation=(f"KL at N = {int(pairs[-1])}: {_fmt(final)} ({parts[0]} vs > {HARD_KL}); "
                     + (f"KL({int(pairs[-1])})/KL({int(pairs[start])}) = {_fmt(ratio)} ({parts[1]} vs within "
                        f"{list(HARD_FLAT)}); " if ratio else "grid spans less than a decade; ")
                     + f"mean policy entropy {entropy:.3g} nats (π* is stochastic: the bias is the labels', "
                       f"not noise); pilot 15.4 → 15.6; {final.n} seeds"),
    )


def check_minigrid_scale(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Neural CPL's success rate is at least SFT's and RLHF + offline RL's: paired differences with a CI
    above −0.05 (non-inferiority margin); superiority is reported when the CI is above 0."""
    runs = results["cpl/minigrid"]
    success = {m: np.array([r.metrics[f"success/{m}"] for r in runs]) for m in
               ("cpl", "sft", "rlhf", "oracle", "behaviour", "rl_on_true_advantage")}
    returns = {m: float(np.mean([r.metrics[f"return/{m}"] for r in runs])) for m in success}
    cpl = mean_ci(success["cpl"])
    diffs = {m: mean_ci(success["cpl"] - success[m]) for m in ("sft", "rlhf")}
    parts = [decide(d, -NONINFERIORITY_MARGIN, "above") for d in diffs.values()]
    superior = {m: d.low > 0 for m, d in diffs.items()}
    means = {m: float(v.mean()) for m, v in success.items()}
    return Verdict(
        claim="cpl.minigrid_scale", status=combine(parts), statistic="CPL success rate (exact, mean over layouts)",
        value=cpl.value, ci=cpl.ci, threshold=-NONINFERIORITY_MARGIN,
        paper_value="MetaWorld: CPL ≥ SFT and ≈/≥ P-IQL on most of 6 tasks",
        details={"success": means, "return": returns,
                 "cpl_minus": {m: {"mean": d.value, "ci": list(d.ci), "superior": superior[m]}
                               for m, d in diffs.items()},
                 "corr_rhat_advantage": float(np.mean([r.metrics["corr_advantage/rlhf"] for r in runs])),
                 "parts": parts},
        explanation=(f"success: CPL {_fmt(cpl)}, SFT {means['sft']:.3f}, RLHF+offline RL {means['rlhf']:.3f}, "
                     f"noisy expert {means['behaviour']:.3f}, π* {means['oracle']:.3f}; CPL − SFT "
                     f"{_fmt(diffs['sft'])} ({parts[0]}), CPL − RLHF {_fmt(diffs['rlhf'])} ({parts[1]}) vs CI above "
                     f"−{NONINFERIORITY_MARGIN}; Minigrid return CPL {returns['cpl']:.3f}, SFT {returns['sft']:.3f}, "
                     f"RLHF {returns['rlhf']:.3f}. RLHF's r̂ correlates "
                     f"{np.mean([r.metrics['corr_advantage/rlhf'] for r in runs]):.2f} with A* on seen pairs; the "
                     f"same offline RL on the true A* succeeds {means['rl_on_true_advantage']:.3f}"
                     + (" (so RLHF's shortfall comes from r̂'s errors, amplified over ~1/(1−γ) steps, not from the "
                        "planner)" if means["rl_on_true_advantage"] > 0.9 else " (the data's coverage is too thin "
                                                                                "for the planner at this budget)")
                     + f"; {cpl.n} layouts"),
    )


# -------------------------------------------------------------------------------------------- plots --
def _loglog(axis, pairs: np.ndarray, values: np.ndarray, label: str) -> None:
    mean = values.mean(0)
    band = [mean_ci(values[:, j]) for j in range(values.shape[1])]
    low = np.array([b.low if np.isfinite(b.low) else m for b, m in zip(band, mean)])
    high = np.array([b.high if np.isfinite(b.high) else m for b, m in zip(band, mean)])
    line, = axis.plot(pairs, np.maximum(mean, 1e-300), marker="o", label=f"{label} (n={values.shape[0]})")
    axis.fill_between(pairs, np.maximum(low, 1e-300), np.maximum(high, 1e-300), color=line.get_color(), alpha=0.2)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.grid(alpha=0.3, which="both")


def _figure(ncols: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(6.4 * ncols, 4.2), squeeze=False)


def plot_consistency(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = _pairs(runs)
    figure, axes = _figure(2)
    for name, label in (("kl/cpl", "CPL"), ("kl/rlhf", "RLHF (BT r̂ + soft VI)"), ("kl/sft", "SFT")):
        _loglog(axes[0, 0], pairs, _series(runs, name), label)
    axes[0, 0].plot(pairs, 0.94 * (pairs / 1e3) ** -1.07, "k--", linewidth=1, label="pilot slope −1.07")
    axes[0, 0].set(title="KL(π*‖π) vs N (random MDPs, regret labels)", xlabel="pairs N", ylabel="KL")
    axes[0, 0].legend(fontsize=8)
    _loglog(axes[0, 1], pairs, _series(runs, "value_gap/cpl"), "CPL soft-value gap")
    axes[0, 1].set(title="mean soft-value gap V* − V^π_CPL", xlabel="pairs N", ylabel="gap")
    axes[0, 1].legend(fontsize=8)
    save(figure, path)


def plot_wrong_model(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = _pairs(runs)
    figure, axes = _figure()
    _loglog(axes[0, 0], pairs, _series(runs, "kl/cpl"), "CPL, regret labels")
    _loglog(axes[0, 0], pairs, _series(runs, "kl/cpl_reward_labels"), "CPL, reward-model labels")
    axes[0, 0].axhline(np.mean([r.metrics["kl_softmax_reward"] for r in runs]), color="grey", linestyle="--",
                       label="softmax(r/α)")
    axes[0, 0].set(title="CPL with the wrong preference model plateaus", xlabel="pairs N", ylabel="KL(π*‖π)")
    axes[0, 0].legend(fontsize=8)
    save(figure, path)


def plot_reward_learns_advantage(results: Mapping[str, list[RunRecord]], path: str) -> None:
    disc, fh = results["cpl/discounted"], results["cpl/finite_horizon"]
    figure, axes = _figure(2)
    axis = axes[0, 0]
    pairs = _pairs(disc)
    for name, label in (("corr_advantage/rlhf", "corr(r̂, A*)"), ("corr_reward/rlhf", "corr(r̂, r)")):
        values = _series(disc, name)
        axis.plot(pairs, values.mean(0), marker="o", label=label)
    axis.axhline(np.mean([r.metrics["corr_advantage_reward"] for r in disc]), color="grey", linestyle="--",
                 label="corr(A*, r)")
    axis.set_xscale("log")
    axis.set(title="RLHF on regret labels: r̂ tracks A*", xlabel="pairs N", ylabel="correlation")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    pairs = _pairs(fh)
    _loglog(axes[0, 1], pairs, _series(fh, "kl/cpl"), "CPL (time-indexed)")
    _loglog(axes[0, 1], pairs, _series(fh, "kl/rlhf"), "RLHF (stationary r̂)")
    axes[0, 1].set(title="finite horizon H=5, Dirichlet(0.1)", xlabel="pairs N", ylabel="occupancy-weighted KL")
    axes[0, 1].legend(fontsize=8)
    save(figure, path)


def plot_conservative(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/conservative"]
    lambdas = np.asarray(runs[0].series["lambda"])
    figure, axes = _figure(2)
    for name, label in (("kl/full", "full coverage"), ("kl_unmasked_states/partial", "partial, unmasked states")):
        axes[0, 0].plot(lambdas, _series(runs, name).mean(0), marker="o", label=label)
    axes[0, 0].set(title="KL(π*‖π_CPL) vs λ", xlabel="λ", ylabel="KL", yscale="log")
    axes[0, 0].legend(fontsize=8)
    axes[0, 0].grid(alpha=0.3)
    unseen = _series(runs, "unseen_mass_max/partial")
    axes[0, 1].plot(lambdas, np.maximum(unseen.max(0), 1e-300), marker="o", label="max over seeds and states")
    axes[0, 1].axhline(UNSEEN_MASS, color="grey", linestyle="--", label=f"{UNSEEN_MASS:g}")
    axes[0, 1].set(title="partial coverage: mass on the never-taken action", xlabel="λ", ylabel="π(a₀|s)",
                   yscale="log")
    axes[0, 1].legend(fontsize=8)
    axes[0, 1].grid(alpha=0.3)
    save(figure, path)


def plot_hard_labels(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/discounted"]
    pairs = _pairs(runs)
    figure, axes = _figure(2)
    _loglog(axes[0, 0], pairs, _series(runs, "kl/cpl_hard"), "CPL, hard labels")
    _loglog(axes[0, 0], pairs, _series(runs, "kl/cpl"), "CPL, sampled labels")
    axes[0, 0].set(title="hard (official-code) labels: a bias, not noise", xlabel="pairs N", ylabel="KL(π*‖π)")
    axes[0, 0].legend(fontsize=8)
    _loglog(axes[0, 1], pairs, np.maximum(_series(runs, "entropy/cpl_hard"), 1e-300), "mean entropy of π_CPL")
    axes[0, 1].set(title="policy entropy (nats)", xlabel="pairs N", ylabel="entropy")
    axes[0, 1].legend(fontsize=8)
    save(figure, path)


def plot_minigrid(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["cpl/minigrid"]
    names = ("oracle", "cpl", "sft", "rlhf", "behaviour")
    labels = ("π*", "CPL", "SFT", "RLHF+offline RL", "noisy expert")
    figure, axes = _figure(2)
    for axis, metric in zip(axes[0], ("success", "return")):
        estimates = [mean_ci([r.metrics[f"{metric}/{m}"] for r in runs]) for m in names]
        means = np.array([e.value for e in estimates])
        low = np.array([e.low if np.isfinite(e.low) else e.value for e in estimates])
        high = np.array([e.high if np.isfinite(e.high) else e.value for e in estimates])
        axis.bar(labels, means, yerr=[means - low, high - means], capsize=4, color="tab:blue", alpha=0.7)
        axis.set(title=f"MiniGrid-FourRooms: {metric} (95% CI over {len(runs)} layouts)", ylim=(0, 1.05))
        axis.tick_params(axis="x", labelsize=8)
        axis.grid(alpha=0.3, axis="y")
    save(figure, path)


def _claim(cid: str, source: str, statement: str, experiments: tuple[str, ...], check, plot, paper_value: str) -> Claim:
    return Claim(id=cid, paper=PAPER, source=source, statement=statement, experiments=experiments, check=check,
                 paper_value=paper_value, plot=plot)


SUITE = Suite(
    name="cpl", paper=PAPER,
    experiments=(DISCOUNTED, FINITE_HORIZON, FINITE_HORIZON_DENSE, CONSERVATIVE, MINIGRID),
    claims=(
        _claim("cpl.consistency", "Thm 1", "With regret-model labels and full coverage, CPL's policy converges to "
               "π* (KL → 0 at rate ~1/N).", ("cpl/discounted",), check_consistency, plot_consistency,
               "KL 0.0068 at 1e5, slope −1.07 (pilot)"),
        _claim("cpl.wrong_model_bias", "§3 (regret vs reward model)", "Labels from the reward model fed to CPL give "
               "a biased policy whose KL plateaus well above 0.", ("cpl/discounted",), check_wrong_model_bias,
               plot_wrong_model, "KL 0.162 (1e5) → 0.153 (1e6) (pilot)"),
        _claim("cpl.reward_learns_advantage", "§3.1 / App. A", "Reward-based RLHF on regret labels learns r̂ ≈ A*; "
               "consistent in the discounted case, but a stationary r̂ fails with a finite horizon where π*_h "
               "depends on h, while time-indexed CPL keeps improving.",
               ("cpl/discounted", "cpl/finite_horizon", "cpl/finite_horizon_dense"), check_reward_learns_advantage,
               plot_reward_learns_advantage, "corr 0.996; FH RLHF 0.023 vs CPL 0.0038 (pilot)"),
        _claim("cpl.conservative_tradeoff", "Eq. 8 (conservative CPL)", "λ < 1 trades bias under full coverage for "
               "safety under partial coverage (no mass on never-taken actions).", ("cpl/conservative",),
               check_conservative_tradeoff, plot_conservative, "λ=0.95: unseen mass ≤ 1e-12, KL ≈ 0.05 (pilot)"),
        _claim("cpl.hard_labels", "official code (deterministic labels)", "With deterministic labels CPL converges "
               "to a near-deterministic policy: KL to π* stays large as N grows.", ("cpl/discounted",),
               check_hard_labels, plot_hard_labels, "KL 15.4 (1e5), 15.6 (1e6) (pilot)"),
        _claim("cpl.minigrid_scale", "§5 (MetaWorld, Minigrid form)", "A neural CPL policy trained only on "
               "preference-labelled segments succeeds at least as often as SFT on preferred segments and as "
               "reward-based RLHF + offline RL.", ("cpl/minigrid",), check_minigrid_scale, plot_minigrid,
               "CPL ≥ SFT, P-IQL (MetaWorld)"),
    ),
)
