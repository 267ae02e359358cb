"""Contrastive UCB suite — Qiu, Zhao, Wang, Yang, Wang (ICML 2022, arXiv 2207.14800), "Contrastive UCB: provably
efficient contrastive self-supervised learning in online reinforcement learning".

The paper's own experiments are on Atari-100k with SPR-UCB (Rainbow + an SPR/BYOL self-predictive loss + a bonus
from the return distribution's features). This suite does NOT reproduce those: it tests the theory (NCE
representation learning, UCB planning with the learned features, the Markov-game variant) on small low-rank
MDPs where the true representation φ* is known, so recovery and sample efficiency can be measured exactly.

Experiments
- ``contrastive_ucb/representation``: random low-rank MDP (S = 30, A = 4, d = 5, uniform P⁻). NCE with exact
  negatives fit on exact expectations and on N sampled transitions, N ∈ [1e4, 1e7]; sin θ_max(span φ̂, span φ*),
  mean TV(P̂, P); rank-d SVD of the empirical P and random features as baselines.
- ``contrastive_ucb/lock``: combination lock (H = 10, A = 4, 3 latent states × m = 5 observed states), K = 3000:
  Contrastive UCB (tied features, one-step-random collection), its on-policy variant, β = 0 + ε-greedy,
  oracle LSVI-UCB with φ*, LSVI-UCB with random features, tabular UCBVI over a grid of bonus constants.
- ``contrastive_ucb/lock_width``: the lock at H = 6 with more observed states per latent (m = 10 at quick):
  Contrastive UCB vs tuned UCBVI.
- ``contrastive_ucb/game``: random low-rank zero-sum Markov game; Contrastive UCB for games (optimistic and
  pessimistic Q, CCE per state by LP); duality gap of the output policies vs K, exact Nash by LP.

Claims: ``contrastive_ucb.representation_recovery``, ``.sample_efficiency``, ``.onpolicy_failure``, ``.markov_game``.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.plots import save
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import Estimate, combine, decide, loglog_slope, mean_ci
from mdps.contrastive_ucb import FitSettings, LearnerSpec, episodes_to, run_learner
from mdps.games import duality_gap, nash_equilibrium, random_lowrank_game, run_game_ucb
from mdps.lowrank import check_horizon, check_rank, combination_lock, random_lowrank_mdp
from mdps.lowrank_nce import fit_free_lbfgs, mean_tv, recovered_transitions, subspace_sin, svd_features

PAPER = "Contrastive UCB (Qiu et al., ICML 2022)"
SCOPE = ("The paper's own experiments are Atari-100k with SPR-UCB (an SPR loss); this suite tests the theory on "
         "low-rank MDPs where the true representation is known.")
LEARNER_LABELS = {
    "contrastive_ucb": "Contrastive UCB (tied, one-step-random)",
    "contrastive_free": "Contrastive UCB (free tables, one-step-random)",
    "contrastive_onpolicy": "Contrastive UCB (tied, on-policy)",
    "egreedy": "β=0 + ε-greedy (tied)",
    "oracle": "oracle LSVI-UCB (φ*)",
    "random_features": "LSVI-UCB (random features)",
    "ucbvi": "tabular UCBVI (tuned c)",
}
LOCK_LEARNERS = ("contrastive_ucb", "contrastive_free", "contrastive_onpolicy", "egreedy", "oracle",
                 "random_features", "ucbvi")


def _check_positive(name: str, value: float) -> None:
    if not np.isfinite(value) or value <= 0:
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
    episodes: int = 3000
    """K."""
    learners: tuple[str, ...] = ("contrastive_ucb", "contrastive_onpolicy", "egreedy", "oracle", "random_features",
                                 "ucbvi")
    """Which learners to run (subset of contrastive_ucb, contrastive_free, contrastive_onpolicy, egreedy, oracle,
    random_features, ucbvi)."""
    bonus: float = 1.0
    """β of Contrastive UCB and of LSVI-UCB with random features."""
    oracle_bonus: float = 1.0
    """β of oracle LSVI-UCB."""
    epsilon: float = 0.1
    """ε of the β = 0 baseline."""
    ucbvi_bonuses: tuple[float, ...] = (0.03, 0.1, 0.3)
    """Grid of UCBVI bonus constants c; the check uses the best (lowest mean t₀.₁) — tuned in UCBVI's favour."""
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
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must lie in [0, 1], got {self.epsilon}")
        if "ucbvi" in self.learners and (not self.ucbvi_bonuses or any(not c >= 0 for c in self.ucbvi_bonuses)):
            raise ValueError(f"ucbvi_bonuses must be non-empty and >= 0, got {self.ucbvi_bonuses}")
        _check_positive("fit_lr", self.fit_lr)
        _check_positive("tolerance", self.tolerance)


@dataclass(frozen=True)
class WidthConfig(LockConfig):
    """The lock at a shorter horizon with more observed states per latent: Contrastive UCB vs tuned UCBVI."""

    horizon: int = 6
    """H."""
    widths: tuple[int, ...] = (10,)
    """Values of m (observed states per latent) to run."""
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
    episodes: int = 800
    """K."""
    first_checkpoint: int = 25
    """Duality gaps are measured at K = first_checkpoint·2^i ≤ episodes (and at episodes)."""
    bonus: float = 0.5
    """β."""
    refit_every: int = 50
    """Episodes between refits of φ̂, ψ̂."""
    plan_every: int = 25
    """Episodes between re-planning (the CCE LPs); also re-planned at every checkpoint."""
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

    def checkpoints(self) -> list[int]:
        points = []
        k = self.first_checkpoint
        while k <= self.episodes:
            points.append(k)
            k *= 2
        if points[-1] != self.episodes:
            points.append(self.episodes)
        return points


# ------------------------------------------------------------------------------------------------ runs
def run_representation(config: RepresentationConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: one random low-rank MDP; NCE (exact negatives, free tables, L-BFGS, restarts) on exact
    expectations and on N sampled transitions for every N; SVD and random-feature baselines."""
    results = []
    s, a, d = config.num_states, config.num_actions, config.rank
    negative = np.full(s, 1.0 / s)
    for seed in seeds:
        rng = np.random.default_rng([int(seed), 1])
        mdp = random_lowrank_mdp(s, a, d, 1, rng)
        truth = mdp.transitions()[0]
        true_features = mdp.phi[0].reshape(s * a, d)
        start = time.perf_counter()
        phi, psi, _, _ = fit_free_lbfgs(truth / (s * a), negative, d, config.restarts, config.exact_max_iter, rng)
        exact_seconds = time.perf_counter() - start
        metrics = {"exact_sin": subspace_sin(phi.reshape(s * a, d), true_features),
                   "exact_tv": mean_tv(recovered_transitions(phi, psi, negative), truth),
                   "random_sin": subspace_sin(rng.dirichlet(np.ones(d), size=s * a), true_features),
                   "exact_fit_seconds": exact_seconds}
        series: dict[str, list[float]] = {k: [] for k in ("sin", "tv", "svd_sin", "empirical_tv", "fit_seconds")}
        for n in config.sample_sizes:
            visits = rng.multinomial(int(n), np.full(s * a, 1.0 / (s * a))).reshape(s, a)
            counts = rng.multinomial(visits, truth).astype(float)
            start = time.perf_counter()
            phi, psi, _, _ = fit_free_lbfgs(counts, negative, d, config.restarts, config.max_iter, rng)
            series["fit_seconds"].append(time.perf_counter() - start)
            series["sin"].append(subspace_sin(phi.reshape(s * a, d), true_features))
            series["tv"].append(mean_tv(recovered_transitions(phi, psi, negative), truth))
            empirical = counts / np.maximum(counts.sum(-1, keepdims=True), 1.0)
            series["svd_sin"].append(subspace_sin(svd_features(empirical.reshape(s * a, s), d), true_features))
            series["empirical_tv"].append(mean_tv(empirical, truth))
        series["sample_sizes"] = [float(n) for n in config.sample_sizes]
        used = [i for i, n in enumerate(config.sample_sizes) if n >= config.slope_from]
        if len(used) >= 3:
            x = [config.sample_sizes[i] for i in used]
            metrics["slope_sin"] = loglog_slope(x, [series["sin"][i] for i in used]).value
            metrics["slope_tv"] = loglog_slope(x, [series["tv"][i] for i in used]).value
        for i, n in enumerate(config.sample_sizes):
            metrics[f"sin@{n:.0e}"] = series["sin"][i]
            metrics[f"tv@{n:.0e}"] = series["tv"][i]
        metrics["mean_fit_seconds"] = float(np.mean(series["fit_seconds"]))
        results.append(Result(metrics, series))
    return results


def _specs(config: LockConfig) -> dict[str, LearnerSpec]:
    """Learner name (UCBVI once per bonus constant) → spec."""
    table = {
        "contrastive_ucb": LearnerSpec("learned_tied", config.bonus, "one_step_random"),
        "contrastive_free": LearnerSpec("learned_free", config.bonus, "one_step_random"),
        "contrastive_onpolicy": LearnerSpec("learned_tied", config.bonus, "on_policy"),
        "egreedy": LearnerSpec("learned_tied", 0.0, "epsilon_greedy", config.epsilon),
        "oracle": LearnerSpec("oracle", config.oracle_bonus, "on_policy"),
        "random_features": LearnerSpec("random", config.bonus, "on_policy"),
    }
    specs = {name: table[name] for name in config.learners if name != "ucbvi"}
    if "ucbvi" in config.learners:
        specs.update({f"ucbvi@{c:g}": LearnerSpec("tabular", c, "on_policy") for c in config.ucbvi_bonuses})
    return specs


def _run_lock(config: LockConfig, obs_per_latent: int, seeds: Sequence[int], prefix: str = ""
              ) -> tuple[list[dict[str, float]], list[dict[str, list[float]]]]:
    locks = [combination_lock(config.horizon, config.num_actions, obs_per_latent, np.random.default_rng([int(s), 2]),
                              config.num_latent) for s in seeds]
    transitions = np.stack([lock.mdp.transitions() for lock in locks])
    reward = np.stack([lock.mdp.reward for lock in locks])
    initial = np.stack([lock.mdp.initial for lock in locks])
    true_features = np.stack([lock.mdp.phi for lock in locks])
    fit = FitSettings(dim=config.feature_dim, refit_every=config.refit_every, restarts=config.restarts,
                      steps=config.fit_steps, lr=config.fit_lr)
    metrics: list[dict[str, float]] = [{} for _ in seeds]
    series: list[dict[str, list[float]]] = [{} for _ in seeds]
    half = config.episodes // 2
    for name, spec in _specs(config).items():
        start = time.perf_counter()
        trace = run_learner(transitions, reward, initial, true_features, spec, config.episodes, seeds, fit)
        seconds = time.perf_counter() - start
        t01 = episodes_to(trace.suboptimality, config.tolerance)
        regret = np.cumsum(trace.suboptimality, -1)
        for i in range(len(seeds)):
            k = np.arange(half, config.episodes) + 1
            slope = (np.polyfit(np.log(k), np.log(np.maximum(regret[i, half:], 1e-9)), 1)[0]
                     if regret[i, -1] > 0 else 0.0)
            metrics[i].update({
                f"{prefix}t01/{name}": float(t01[i]),
                f"{prefix}rewards_seen/{name}": float(trace.rewards_seen[i]),
                f"{prefix}final_subopt/{name}": float(trace.suboptimality[i, -1]),
                f"{prefix}regret/{name}": float(regret[i, -1]),
                f"{prefix}regret_slope/{name}": float(slope),
                f"{prefix}episodes_per_second/{name}": config.episodes * len(seeds) / seconds,
                f"{prefix}refit_seconds/{name}": trace.refit_seconds / len(seeds),
            })
            series[i][f"{prefix}subopt/{name}"] = np.round(trace.suboptimality[i], 5).tolist()
    return metrics, series


def run_lock(config: LockConfig, seeds: Sequence[int]) -> list[Result]:
    """Every learner on each seed's lock (secret actions and observation labels drawn from the seed)."""
    metrics, series = _run_lock(config, config.obs_per_latent, seeds)
    return [Result(m, s) for m, s in zip(metrics, series)]


def run_lock_width(config: WidthConfig, seeds: Sequence[int]) -> list[Result]:
    """Contrastive UCB and UCBVI (bonus grid) on locks with m observed states per latent, for each m."""
    metrics: list[dict[str, float]] = [{} for _ in seeds]
    series: list[dict[str, list[float]]] = [{} for _ in seeds]
    for m in config.widths:
        part_m, part_s = _run_lock(config, m, seeds, prefix=f"m{m}/")
        for i in range(len(seeds)):
            metrics[i].update(part_m[i])
            series[i].update(part_s[i])
    return [Result(m, s) for m, s in zip(metrics, series)]


def run_game(config: GameConfig, seeds: Sequence[int]) -> list[Result]:
    """Per seed: a random low-rank zero-sum game; Contrastive UCB for games; duality gap at the checkpoints."""
    results = []
    checkpoints = config.checkpoints()
    for seed in seeds:
        game = random_lowrank_game(config.num_states, config.num_actions, config.num_actions, config.rank,
                                   config.horizon, np.random.default_rng([int(seed), 3]))
        transitions = game.transitions()
        values, pi, nu = nash_equilibrium(transitions, game.reward)
        uniform_gap = duality_gap(transitions, game.reward, game.initial,
                                  np.full_like(pi, 1.0 / config.num_actions), np.full_like(nu, 1.0 / config.num_actions))
        start = time.perf_counter()
        trace = run_game_ucb(game, config.episodes, checkpoints, int(seed), config.rank, config.bonus,
                             config.refit_every, config.plan_every, config.restarts, config.fit_steps)
        seconds = time.perf_counter() - start
        gaps = np.maximum(trace.gap, 1e-12)
        metrics = {"nash_value": float(values[0] @ game.initial),
                   "nash_gap": duality_gap(transitions, game.reward, game.initial, pi, nu),
                   "uniform_gap": uniform_gap, "first_gap": float(gaps[0]), "final_gap": float(gaps[-1]),
                   "gap_slope": loglog_slope(checkpoints, gaps).value,
                   "lp_seconds": trace.lp_seconds, "refit_seconds": trace.refit_seconds,
                   "episodes_per_second": config.episodes / seconds}
        results.append(Result(metrics, {"checkpoints": [float(c) for c in checkpoints], "gap": gaps.tolist()}))
    return results


REPRESENTATION = Experiment(
    name="contrastive_ucb/representation", config_cls=RepresentationConfig, run=run_representation,
    description="NCE with exact negatives on a random low-rank MDP (S=30, A=4, d=5): sin θ_max and TV vs N",
    budgets={
        "smoke": Budget(seeds=2, overrides={"num_states": 12, "rank": 3, "sample_sizes": (1e3, 1e4, 1e5, 1e6),
                                            "slope_from": 1e3, "restarts": 1, "max_iter": 100,
                                            "exact_max_iter": 300}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=10, overrides={"restarts": 4, "max_iter": 1000}),
    },
    seeds_per_task=1,
)
LOCK = Experiment(
    name="contrastive_ucb/lock", config_cls=LockConfig, run=run_lock,
    description="Combination lock H=10, A=4, 3 latents × 5 observed states, K=3000: all learners",
    budgets={
        "smoke": Budget(seeds=2, overrides={"horizon": 3, "obs_per_latent": 2, "episodes": 60, "refit_every": 20,
                                            "fit_steps": 30, "restarts": 2, "ucbvi_bonuses": (0.1,)}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=10, overrides={"learners": LOCK_LEARNERS, "fit_steps": 400,
                                            "ucbvi_bonuses": (0.01, 0.03, 0.1, 0.3, 1.0)}),
    },
)
LOCK_WIDTH = Experiment(
    name="contrastive_ucb/lock_width", config_cls=WidthConfig, run=run_lock_width,
    description="Combination lock H=6 with m observed states per latent: Contrastive UCB vs tuned UCBVI",
    budgets={
        "smoke": Budget(seeds=2, overrides={"horizon": 3, "widths": (2,), "episodes": 60, "refit_every": 20,
                                            "fit_steps": 30, "restarts": 2, "ucbvi_bonuses": (0.1,)}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=10, overrides={"widths": (2, 5, 10, 20), "episodes": 3000, "fit_steps": 400,
                                            "ucbvi_bonuses": (0.01, 0.03, 0.1, 0.3, 1.0)}),
    },
)
GAME = Experiment(
    name="contrastive_ucb/game", config_cls=GameConfig, run=run_game,
    description="Random low-rank zero-sum Markov game: duality gap of Contrastive UCB's CCE policies vs K",
    budgets={
        "smoke": Budget(seeds=2, overrides={"num_states": 4, "rank": 2, "horizon": 2, "episodes": 100,
                                            "first_checkpoint": 10, "refit_every": 25, "fit_steps": 50}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=10, overrides={"episodes": 6400, "num_states": 10, "plan_every": 50,
                                            "refit_every": 100}),
    },
    seeds_per_task=1,
)


# ------------------------------------------------------------------------------------------------ checks
def _fmt(estimate: Estimate) -> str:
    return f"{estimate.value:.3g} [{estimate.low:.3g}, {estimate.high:.3g}]"


def _values(runs: Sequence[RunRecord], key: str) -> list[float]:
    return [float(r.metrics[key]) for r in runs]


EXACT_SIN_MAX, EXACT_TV_MAX = 1e-2, 1e-3
SLOPE_BAND = (-0.6, -0.4)
SIN_AT_1E6_MAX, TV_AT_1E6_MAX, RANDOM_SIN_MIN = 0.25, 0.02, 0.99


def check_representation(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Exact fit: sin θ_max < 1e-2, TV < 1e-3 in every seed. Sampled data: mean log-log slopes (per-seed fits over
    N ≥ 1e5) of sin θ_max and TV within [−0.6, −0.4]; every seed sin θ(1e6) < 0.25, TV(1e6) < 0.02; random
    features sin θ > 0.99."""
    runs = results["contrastive_ucb/representation"]
    exact_sin, exact_tv = max(_values(runs, "exact_sin")), max(_values(runs, "exact_tv"))
    parts = {"exact_fit": "holds" if exact_sin < EXACT_SIN_MAX and exact_tv < EXACT_TV_MAX else "fails"}
    details: dict = {"exact_sin_max": exact_sin, "exact_tv_max": exact_tv, "seeds": len(runs)}
    estimates = {}
    if "slope_sin" in runs[0].metrics:
        for key in ("slope_sin", "slope_tv"):
            estimates[key] = mean_ci(_values(runs, key))
            parts[key] = combine([decide(estimates[key], SLOPE_BAND[0], "above"),
                                  decide(estimates[key], SLOPE_BAND[1], "below")])
            details[key] = {"mean": estimates[key].value, "ci": list(estimates[key].ci), "per_seed": _values(runs, key)}
    else:
        parts["slopes"] = "inconclusive"
    if "sin@1e+06" in runs[0].metrics:
        sin6, tv6 = _values(runs, "sin@1e+06"), _values(runs, "tv@1e+06")
        parts["at_1e6"] = "holds" if max(sin6) < SIN_AT_1E6_MAX and max(tv6) < TV_AT_1E6_MAX else "fails"
        details.update({"sin_at_1e6": sin6, "tv_at_1e6": tv6})
    random_sin = _values(runs, "random_sin")
    parts["random_features"] = "holds" if min(random_sin) > RANDOM_SIN_MIN else "fails"
    details.update({"random_sin": random_sin, "parts": parts,
                    "svd_sin_at_largest_N": [r.series["svd_sin"][-1] for r in runs],
                    "mean_fit_seconds": float(np.mean(_values(runs, "mean_fit_seconds")))})
    slope = estimates.get("slope_sin")
    explanation = (
        f"exact expectations: max sin θ = {exact_sin:.2e}, max TV = {exact_tv:.2e} ({parts['exact_fit']}); "
        + ("; ".join(f"{k.replace('_', ' ')} {_fmt(e)} ({parts[k]} vs [{SLOPE_BAND[0]}, {SLOPE_BAND[1]}])"
                     for k, e in estimates.items()) or "too few N ≥ 1e5 for slopes")
        + (f"; at N = 1e6 sin θ ≤ {max(details['sin_at_1e6']):.3g}, TV ≤ {max(details['tv_at_1e6']):.3g} "
           f"({parts['at_1e6']}; pilot 0.14, 0.0134)" if "at_1e6" in parts else "")
        + f"; random features sin θ ≥ {min(random_sin):.3f} ({parts['random_features']}); rank-d SVD of the "
          f"empirical P at the largest N: sin θ = {np.mean(details['svd_sin_at_largest_N']):.3g}; "
          f"pilot slopes −0.50, −0.51; {len(runs)} seeds. {SCOPE}")
    return Verdict(
        claim="contrastive_ucb.representation_recovery", status=combine(list(parts.values())),
        statistic="log-log slope of sin θ_max(span φ̂, span φ*) vs N (mean over seeds)",
        value=None if slope is None else slope.value, ci=None if slope is None else slope.ci,
        threshold=SLOPE_BAND[1], paper_value="Lemma 3.1 / Thm: rate N^{-1/2}; pilot −0.50 (TV −0.51)",
        details=details, explanation=explanation)


ORACLE_T01_MAX = 400


def _best_ucbvi(runs: Sequence[RunRecord], prefix: str = "") -> tuple[str, list[float]]:
    keys = [k for k in runs[0].metrics if k.startswith(f"{prefix}t01/ucbvi@")]
    best = min(keys, key=lambda k: np.mean(_values(runs, k)))
    return best.split("/")[-1], _values(runs, best)




def check_sample_efficiency(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Decided by t₀.₁ (episodes until π_k is 0.1-optimal; K if never), with the spec's parts: the control
    β = 0 + ε-greedy never observes the reward (the lock is hard without directed exploration; uniformly random
    actions expect K·A^{−H} successes, reported); oracle LSVI-UCB's mean CI below 400; Contrastive UCB reaches in
    every seed; at the widest lock of lock_width Contrastive UCB needs fewer episodes than tuned UCBVI (paired
    difference CI below 0)."""
    runs, wide = results["contrastive_ucb/lock"], results["contrastive_ucb/lock_width"]
    config = runs[0].config
    episodes = config["episodes"]
    contrastive = mean_ci(_values(runs, "t01/contrastive_ucb"))
    oracle = mean_ci(_values(runs, "t01/oracle"))
    random_successes = episodes * float(config["num_actions"]) ** -config["horizon"]
    egreedy_seen = _values(runs, "rewards_seen/egreedy") if "rewards_seen/egreedy" in runs[0].metrics else None
    parts = {
        "egreedy_never_sees_reward": ("inconclusive" if egreedy_seen is None
                                      else "holds" if max(egreedy_seen) == 0 else "fails"),
        "oracle_fast": decide(oracle, ORACLE_T01_MAX, "below"),
        "contrastive_reaches": ("holds" if max(_values(runs, "t01/contrastive_ucb")) < episodes else "fails")
        if contrastive.n >= 3 else "inconclusive",
    }
    widths = sorted(wide[0].config["widths"])
    details: dict = {"K": episodes, "seeds": len(runs), "expected_random_successes": random_successes,
                     "t01": {}, "regret_slope": {}, "rewards_seen": {}}
    for key in [k for k in runs[0].metrics if k.startswith("t01/")]:
        name = key.split("/")[1]
        details["t01"][name] = _values(runs, key)
        details["regret_slope"][name] = _values(runs, f"regret_slope/{name}")
        details["rewards_seen"][name] = _values(runs, f"rewards_seen/{name}")
    ucbvi_name, ucbvi_t = _best_ucbvi(runs)
    details["ucbvi_tuned_H10"] = ucbvi_name
    width_text = []
    for m in widths:
        name, t_ucbvi = _best_ucbvi(wide, f"m{m}/")
        t_con = _values(wide, f"m{m}/t01/contrastive_ucb")
        diff = mean_ci([c - u for c, u in zip(t_con, t_ucbvi)])
        details[f"width_m{m}"] = {"contrastive": t_con, "ucbvi": t_ucbvi, "ucbvi_tuned": name,
                                  "difference": {"mean": diff.value, "ci": list(diff.ci)}}
        width_text.append(f"m = {m}: Contrastive UCB {np.mean(t_con):.0f} vs {name} {np.mean(t_ucbvi):.0f} "
                          f"(difference {_fmt(diff)})")
        if m == widths[-1]:
            parts["beats_ucbvi_at_widest"] = decide(diff, 0.0, "below")
    details["parts"] = parts
    egreedy = details["t01"].get("egreedy")
    explanation = (
        f"H = {config['horizon']}, m = {config['obs_per_latent']}, K = {episodes}: "
        f"Contrastive UCB t₀.₁ {_fmt(contrastive)} per seed {details['t01']['contrastive_ucb']} "
        f"({parts['contrastive_reaches']}; pilot 609–1400; refits every {config['refit_every']} episodes, so t₀.₁ "
        f"falls on refit episodes); oracle LSVI-UCB {_fmt(oracle)} ({parts['oracle_fast']} vs < {ORACLE_T01_MAX}; "
        f"pilot 112–118); tuned UCBVI ({ucbvi_name}) {np.mean(ucbvi_t):.0f} at this width; LSVI-UCB with random "
        f"features {np.mean(details['t01'].get('random_features', [np.nan])):.0f}; uniformly random actions expect "
        f"{random_successes:.1e} successes in K episodes. "
        + (f"Control: β = 0 + ε-greedy (same learned model, known reward) observed the reward in "
           f"{details['rewards_seen']['egreedy']} episodes and reached t₀.₁ {egreedy} "
           f"({parts['egreedy_never_sees_reward']}; the spec expects it never to see the reward). "
           if egreedy else "")
        + ("This claim fails on its control alone: the lock, as built, does not need the bonus — a learner "
           "without it opens it too — so these runs cannot credit Contrastive UCB's sample efficiency to its "
           "exploration bonus. " if parts["egreedy_never_sees_reward"] == "fails"
           and all(v == "holds" for k, v in parts.items() if k != "egreedy_never_sees_reward") else "")
        + "Second-half regret slopes " + ", ".join(f"{n} {np.mean(v):.2f}" for n, v in details["regret_slope"].items())
        + f". Lock at H = {wide[0].config['horizon']}: " + "; ".join(width_text)
        + f" ({parts.get('beats_ucbvi_at_widest', 'not run')}; pilot at H = 6, m = 10: 400–500 vs 806–901). "
        + SCOPE)
    return Verdict(
        claim="contrastive_ucb.sample_efficiency", status=combine(list(parts.values())),
        statistic="Contrastive UCB episodes to a 0.1-optimal policy (t₀.₁, mean over seeds)",
        value=contrastive.value, ci=contrastive.ci, threshold=float(episodes),
        paper_value="Õ(1/ε²) sample complexity (Thm 4.3); pilot t₀.₁ 609–1400 of K = 3000",
        details=details, explanation=explanation)


def check_onpolicy_failure(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The pilot's findings on what fails without one-step-random collection: purely on-policy Contrastive UCB
    never reaches a 0.1-optimal policy within K at H = 10 (t₀.₁ = K, censored, in every seed), while oracle
    LSVI-UCB reaches (t₀.₁ < K in every seed)."""
    runs = results["contrastive_ucb/lock"]
    episodes = runs[0].config["episodes"]
    onpolicy = mean_ci(_values(runs, "t01/contrastive_onpolicy"))
    oracle = _values(runs, "t01/oracle")
    parts = {"onpolicy_never_reaches": decide(onpolicy, episodes - 0.5, "above"),
             "oracle_reaches": ("holds" if max(oracle) < episodes else "fails") if len(oracle) >= 3 else "inconclusive"}
    details = {"t01_onpolicy": _values(runs, "t01/contrastive_onpolicy"), "t01_oracle": oracle,
               "rewards_seen_onpolicy": _values(runs, "rewards_seen/contrastive_onpolicy"), "K": episodes}
    if "rewards_seen/egreedy" in runs[0].metrics:
        seen = _values(runs, "rewards_seen/egreedy")
        details.update({"rewards_seen_egreedy": seen, "t01_egreedy": _values(runs, "t01/egreedy")})
    details["parts"] = parts
    return Verdict(
        claim="contrastive_ucb.onpolicy_failure", status=combine(list(parts.values())),
        statistic="on-policy Contrastive UCB t₀.₁ (K = never; mean over seeds)", value=onpolicy.value,
        ci=onpolicy.ci, threshold=episodes - 0.5,
        paper_value="pilot: on-policy never reached at H = 10 in 3000 episodes",
        details=details,
        explanation=(f"on-policy collection: t₀.₁ {_fmt(onpolicy)} of K = {episodes} per seed "
                     f"{details['t01_onpolicy']} (reward collected in {details['rewards_seen_onpolicy']} episodes; "
                     f"{parts['onpolicy_never_reaches']})"
                     + (f"; for comparison (judged in sample_efficiency), β = 0 + ε-greedy "
                        f"(ε = {runs[0].config['epsilon']}): t₀.₁ {details['t01_egreedy']}, reward "
                        f"in {details['rewards_seen_egreedy']} episodes"
                        if "t01_egreedy" in details else "")
                     + f"; oracle LSVI-UCB (on-policy) t₀.₁ {oracle} ({parts['oracle_reaches']}). The pilot's "
                     f"failures do not reproduce here: with the reward known to the planner, exact negatives, cold "
                     f"restarts and tied features, both open the lock at about the same t₀.₁ as Contrastive UCB, so "
                     f"in this lock neither the bonus nor the one-step-random step is what makes the difference "
                     f"(mechanism not isolated; a likely one is the learned model's predictions for untried (s,a) "
                     f"plus, for ε-greedy, about one random action per episode). A finding of the pilot, not a claim of the paper. {SCOPE}"))


GAP_SLOPE_BAND = (-0.75, -0.25)


def check_markov_game(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """The duality gap of the output policies falls like K^{−1/2}: the mean per-seed log-log slope of the gap vs K
    lies in [−0.75, −0.25] (K^{−1/2} ± 0.25), and the exact Nash LP has gap 0."""
    runs = results["contrastive_ucb/game"]
    slope = mean_ci(_values(runs, "gap_slope"))
    nash_gap = max(_values(runs, "nash_gap"))
    parts = {"slope_band": combine([decide(slope, GAP_SLOPE_BAND[0], "above"), decide(slope, GAP_SLOPE_BAND[1], "below")]),
             "nash_lp_exact": "holds" if nash_gap < 1e-7 else "fails"}
    first, final = _values(runs, "first_gap"), _values(runs, "final_gap")
    return Verdict(
        claim="contrastive_ucb.markov_game", status=combine(list(parts.values())),
        statistic="log-log slope of the duality gap vs K (mean over seeds)", value=slope.value, ci=slope.ci,
        threshold=-0.5, paper_value="Õ(K^{-1/2}) (Thm 5.3); not piloted",
        details={"per_seed_slope": _values(runs, "gap_slope"), "first_gap": first, "final_gap": final,
                 "uniform_gap": _values(runs, "uniform_gap"), "nash_gap_max": nash_gap, "parts": parts,
                 "band": list(GAP_SLOPE_BAND)},
        explanation=(f"gap slope {_fmt(slope)} ({parts['slope_band']} vs band {list(GAP_SLOPE_BAND)} around −1/2); "
                     f"gap {np.mean(first):.3g} at K = {runs[0].series['checkpoints'][0]:.0f} → {np.mean(final):.3g} "
                     f"at K = {runs[0].series['checkpoints'][-1]:.0f} (uniform policies: "
                     f"{np.mean(_values(runs, 'uniform_gap')):.3g}); exact Nash by LP has gap ≤ {nash_gap:.1e}. "
                     f"Not piloted. {SCOPE}"))


# ------------------------------------------------------------------------------------------------ figures
def plot_representation(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """sin θ_max and TV vs N (log-log), NCE vs SVD / empirical, per seed."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/representation"]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for i, r in enumerate(runs):
        n = r.series["sample_sizes"]
        axes[0].loglog(n, r.series["sin"], "o-", color="C0", alpha=0.7, label="NCE (exact negatives)" if i == 0 else None)
        axes[0].loglog(n, r.series["svd_sin"], "s--", color="C1", alpha=0.7, label="rank-d SVD" if i == 0 else None)
        axes[0].axhline(r.metrics["random_sin"], color="C2", ls=":", label="random features" if i == 0 else None)
        axes[1].loglog(n, r.series["tv"], "o-", color="C0", alpha=0.7, label="NCE P̂ = φ̂ᵀψ̂·P⁻" if i == 0 else None)
        axes[1].loglog(n, r.series["empirical_tv"], "s--", color="C3", alpha=0.7, label="empirical P" if i == 0 else None)
    n = np.asarray(runs[0].series["sample_sizes"])
    ref = runs[0].series["sin"][-1] * np.sqrt(n[-1] / n)
    axes[0].loglog(n, ref, color="grey", lw=0.8, label="∝ N^{-1/2}")
    axes[0].set(title="subspace distance sin θ_max", xlabel="N transitions")
    axes[1].set(title="mean TV(P̂, P)", xlabel="N transitions")
    for axis in axes:
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7)
    save(figure, path)


def plot_lock(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Suboptimality of π_k vs episode (mean over seeds, t₀.₁ marked) and cumulative regret (log-log)."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/lock"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    names = [k.split("/")[1] for k in runs[0].series if k.startswith("subopt/")]
    ucbvi_name, _ = _best_ucbvi(runs) if any(n.startswith("ucbvi@") for n in names) else (None, None)
    for j, name in enumerate(n for n in names if not n.startswith("ucbvi@") or n == ucbvi_name):
        curves = np.asarray([r.series[f"subopt/{name}"] for r in runs])
        label = LEARNER_LABELS.get(name.split("@")[0], name) + (f" ({name})" if "@" in name else "")
        mean = curves.mean(0)
        k = np.arange(1, curves.shape[1] + 1)
        line, = axes[0].plot(k, mean, color=f"C{j}", lw=1, label=label)
        t01 = np.mean([r.metrics[f"t01/{name}"] for r in runs])
        if t01 < curves.shape[1]:
            axes[0].axvline(t01, color=line.get_color(), ls=":", lw=1)
        axes[1].loglog(k, np.maximum(np.cumsum(curves, -1).mean(0), 1e-3), color=f"C{j}",
                       label=f"{label}: slope {np.mean([r.metrics[f'regret_slope/{name}'] for r in runs]):.2f}")
    axes[0].axhline(0.1, color="grey", ls="--", lw=0.8)
    axes[0].set(title="V* − V^{π_k} (mean over seeds; dotted: mean t₀.₁)", xlabel="episode k", ylabel="suboptimality")
    axes[1].set(title="cumulative policy regret (second-half slopes)", xlabel="episode k")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=6)
    save(figure, path)


def plot_game(results: Mapping[str, list[RunRecord]], path: str) -> None:
    """Duality gap vs K (log-log), per seed, with a K^{−1/2} reference."""
    import matplotlib.pyplot as plt

    runs = results["contrastive_ucb/game"]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for i, r in enumerate(runs):
        axis.loglog(r.series["checkpoints"], r.series["gap"], "o-", alpha=0.7, label=f"seed {r.seed}")
    k = np.asarray(runs[0].series["checkpoints"])
    axis.loglog(k, np.mean([r.series["gap"][0] for r in runs]) * np.sqrt(k[0] / k), color="grey", ls="--",
                label="∝ K^{-1/2}")
    axis.set(title="duality gap of the CCE-marginal policies", xlabel="episodes K", ylabel="V^{†,ν} − V^{π,†}")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=7)
    save(figure, path)


SUITE = Suite(
    name="contrastive_ucb", paper=PAPER, experiments=(REPRESENTATION, LOCK, LOCK_WIDTH, GAME),
    claims=(
        Claim(id="contrastive_ucb.representation_recovery", paper=PAPER, source="Lemma 3.1, Thm 4.3 (NCE step)",
              statement="The NCE minimiser recovers P/P⁻ and span φ*; on sampled data sin θ_max and TV fall like "
                        "N^{-1/2} (low-rank MDP S=30, A=4, d=5; theory tested where φ* is known, not Atari).",
              experiments=("contrastive_ucb/representation",), check=check_representation,
              paper_value="N^{-1/2}; pilot slopes −0.50/−0.51", plot=plot_representation),
        Claim(id="contrastive_ucb.sample_efficiency", paper=PAPER, source="Thm 4.3",
              statement="Contrastive UCB with learned features finds a 0.1-optimal policy on a combination lock "
                        "(H=10) that a learner without the bonus (β = 0 + ε-greedy) never solves, and beats tuned tabular "
                        "UCBVI as the number of observed states per latent grows.",
              experiments=("contrastive_ucb/lock", "contrastive_ucb/lock_width"), check=check_sample_efficiency,
              paper_value="pilot t₀.₁ 609–1400 (oracle 112–118)", plot=plot_lock),
        Claim(id="contrastive_ucb.onpolicy_failure", paper=PAPER, source="pilot finding (not in the paper)",
              statement="Pilot finding: purely on-policy Contrastive UCB with learned features does not reach "
                        "the reward at H=10 within 3000 episodes, while oracle LSVI-UCB does.",
              experiments=("contrastive_ucb/lock",), check=check_onpolicy_failure,
              paper_value="pilot: never", plot=plot_lock),
        Claim(id="contrastive_ucb.markov_game", paper=PAPER, source="Thm 5.3",
              statement="In a low-rank zero-sum Markov game the duality gap of Contrastive UCB's output policies "
                        "falls like K^{-1/2}.",
              experiments=("contrastive_ucb/game",), check=check_markov_game,
              paper_value="K^{-1/2}; not piloted", plot=plot_game),
    ),
)
