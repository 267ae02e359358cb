"""HDPO suite — Deep RL for inventory networks (Alvo, Russo, Kanoria, 2023, arXiv 2306.11246).

Experiments (every model = one seed × one instance; all models of a lead time train together, batched)
- ``hdpo/backlog``: single store, backlogged, Normal(5, 1.6); HDPO MLP vs the closed-form base-stock optimum.
- ``hdpo/lost_sales``: single store, lost sales, Poisson(5), p ∈ {4, 9, 19, 39}, L ∈ {1, …, 4}; HDPO MLP.
- ``hdpo/lost_sales_reference``: the DP optimum (relative value iteration) and best (capped) base-stock.
- ``hdpo/reinforce``: HDPO vs REINFORCE (same network, data, minibatches and simulated periods).
- ``hdpo/gnn``: one warehouse, 5 stores, lost demand; GNN vs MLP trained on few / many scenarios.
- ``hdpo/serial``: a 4-location serial chain; HDPO MLP vs the best echelon-stock policy (search).
The Favorita real-data experiments are not reproduced (the data set is not available here).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import f as f_dist

from benchmarks.plots import plot_curves, save
from benchmarks.registry import Budget, Claim, Experiment, Result, RunRecord, Suite, Verdict
from benchmarks.stats import Estimate, combine, decide, mean_ci
from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.dp import lost_sales_optimal_cost
from mdps.inventory.gnn import WarehouseGNNPolicy
from mdps.inventory.hdpo import evaluate, train_hdpo
from mdps.inventory.policies import (
    BaseStockPolicy,
    EchelonStockPolicy,
    SerialMLPPolicy,
    StoreMLPPolicy,
    WarehouseMLPPolicy,
)
from mdps.inventory.reinforce import GaussianStorePolicy, reinforce_loss
from mdps.inventory.simulator import simulate_serial, simulate_stores, simulate_warehouse
from mdps.inventory.solvers import backlog_base_stock_optimum, search_capped_base_stock, search_echelon_stock
from mdps.inventory.store_bptt import simulate_stores_mlp
from mdps.inventory.validation import check_costs, check_lead_time, check_positive_int

PAPER = "HDPO (Alvo, Russo & Kanoria, 2023)"
LOST_SALES_TABLE = {  # the spec's DP table (Zipkin 2008), shown next to ours in the explanation
    1: (4.041, 5.438, 6.676, 7.836), 2: (4.395, 6.094, 7.664, 9.106),
    3: (4.599, 6.531, 8.363, 10.039), 4: (4.729, 6.836, 8.887, 10.794)}
GAP_TOLERANCE = 0.01
LEVEL_TOLERANCE = 0.5


def _generator(seed: int, *tags: int) -> torch.Generator:
    """One generator per (seed, instance, purpose): a model's draws never depend on what it is batched with."""
    value = int(seed)
    for tag in tags:
        value = (value * 1_000_003 + int(tag) + 7919) % (2**62)
    return torch.Generator().manual_seed(value)


def _check_training(cfg) -> None:
    for name in ("train_scenarios", "batch_size", "periods", "epochs", "dev_scenarios", "dev_periods",
                 "test_scenarios", "test_periods", "eval_every"):
        check_positive_int(name, getattr(cfg, name))
    if not 0 <= cfg.dev_warmup < cfg.dev_periods or not 0 <= cfg.test_warmup < cfg.test_periods:
        raise ValueError(f"warm-up must be shorter than the horizon, got dev {cfg.dev_warmup}/{cfg.dev_periods}, "
                         f"test {cfg.test_warmup}/{cfg.test_periods}")
    if not cfg.lr > 0:
        raise ValueError(f"lr must be > 0, got {cfg.lr}")
    if not cfg.hidden or min(cfg.hidden) < 1:
        raise ValueError(f"hidden sizes must be positive, got {cfg.hidden}")


# ------------------------------------------------------------------------------------------------ single store
@dataclass(frozen=True)
class SingleStoreConfig:
    """Single store (backlogged or lost sales), one MLP per seed × instance trained by HDPO."""

    lost_sales: bool = False
    """False: backlogged, Normal demand; True: lost sales, Poisson demand (orders rounded at test time)."""
    underage_costs: tuple[float, ...] = (4.0, 9.0, 19.0, 39.0)
    """p values of the grid (> 0)."""
    lead_times: tuple[int, ...] = (1, 4, 7)
    """L values of the grid (>= 1)."""
    holding_cost: float = 1.0
    """h >= 0."""
    mean: float = 5.0
    """Demand mean μ > 0."""
    std: float = 1.6
    """Normal demand σ >= 0 (ignored for Poisson)."""
    train_scenarios: int = 1024
    """Training scenarios per model (the official default is 32,768)."""
    batch_size: int = 128
    """Minibatch size (official: 8,192)."""
    periods: int = 40
    """Training horizon (the loss averages all periods)."""
    epochs: int = 80
    """Passes over the training scenarios."""
    lr: float = 3e-3
    """Adam learning rate."""
    hidden: tuple[int, ...] = (32, 32, 32)
    """MLP hidden layers (ELU)."""
    dev_scenarios: int = 512
    """Dev scenarios (model selection)."""
    dev_periods: int = 100
    """Dev horizon."""
    dev_warmup: int = 60
    """Dev periods not scored."""
    test_scenarios: int = 512
    """Test scenarios (fresh seeds)."""
    test_periods: int = 400
    """Test horizon."""
    test_warmup: int = 100
    """Test periods not scored."""
    eval_every: int = 5
    """Epochs between dev evaluations."""

    def __post_init__(self) -> None:
        _check_training(self)
        for p in self.underage_costs:
            check_costs(self.holding_cost, p)
        for lt in self.lead_times:
            check_lead_time("lead_time", lt)
        if not self.underage_costs or not self.lead_times:
            raise ValueError("underage_costs and lead_times must be non-empty")
        self.demand()

    def demand(self) -> DemandSpec:
        if self.lost_sales:
            return DemandSpec("poisson", (self.mean,), (0.0,))
        return DemandSpec("normal", (self.mean,), (self.std,))


def _store_data(spec: DemandSpec, gens: Sequence[torch.Generator], scenarios: int, periods: int, lead_time: int,
                integer: bool) -> dict[str, torch.Tensor]:
    """Per model: demand (N, 1, T) and initial state (N, 1, L) ~ U[0, μ] per slot (rounded if integer)."""
    mean = spec.means(1).item()
    demand = torch.stack([sample_demand(spec, scenarios, 1, periods, g) for g in gens])
    state = torch.stack([torch.rand(scenarios, 1, lead_time, generator=g) * mean for g in gens])
    return {"demand": demand, "state": state.round() if integer else state}


def _store_rollout(holding: torch.Tensor, underage: torch.Tensor, lost_sales: bool, round_orders: bool = False):
    """Stores under ``policy``; a plain ``StoreMLPPolicy`` (HDPO's training and dev runs) takes the hand-written
    backward pass of ``store_bptt`` (same costs, same gradients, ~1.4× faster per minibatch than autograd)."""
    def rollout(policy, batch):
        if isinstance(policy, StoreMLPPolicy) and not round_orders:
            return simulate_stores_mlp(policy, batch["demand"], batch["state"], holding, underage, lost_sales)
        return simulate_stores(policy, batch["demand"], batch["state"], holding, underage, lost_sales, round_orders)
    return rollout


class _Recorder(torch.nn.Module):
    """Records inventory position and order of the first scenarios (to read off a learned base-stock level)."""

    def __init__(self, policy: torch.nn.Module, keep: int = 256):
        super().__init__()
        self.policy, self.keep, self.rows = policy, keep, []

    def forward(self, state):
        order = self.policy(state)
        self.rows.append((state[:, :self.keep].sum(-1), order[:, :self.keep]))
        return order


def _order_up_to(recorder: _Recorder, warmup: int) -> torch.Tensor:
    """(M,) median of IP + q over recorded periods >= warmup with q > 0.01 (a base-stock policy's level)."""
    pos = torch.stack([r[0] for r in recorder.rows[warmup:]], -1).flatten(1)
    order = torch.stack([r[1] for r in recorder.rows[warmup:]], -1).flatten(1)
    level = pos + order
    out = []
    for i in range(level.shape[0]):
        active = level[i][order[i] > 0.01]
        out.append(active.median() if active.numel() else torch.tensor(float("nan")))
    return torch.stack(out)


def run_single_store(config: SingleStoreConfig, seeds: Sequence[int]) -> list[Result]:
    """Per lead time: M = seeds × p models trained by HDPO; test cost (and, backlogged, the learned level)."""
    spec = config.demand()
    ps = config.underage_costs
    metrics: list[dict[str, float]] = [{} for _ in seeds]
    series: list[dict[str, list[float]]] = [{} for _ in seeds]
    for lt_index, lead_time in enumerate(config.lead_times):
        pairs = [(s, j) for s in seeds for j in range(len(ps))]
        tag = lambda purpose, s, j: _generator(s, lead_time, int(ps[j] * 100), purpose)  # noqa: E731
        underage = torch.tensor([ps[j] for _, j in pairs]).reshape(-1, 1, 1)
        holding = torch.tensor(config.holding_cost)
        integer = config.lost_sales
        train = _store_data(spec, [tag(1, s, j) for s, j in pairs], config.train_scenarios, config.periods,
                            lead_time, integer)
        dev = _store_data(spec, [tag(2, s, j) for s, j in pairs], config.dev_scenarios, config.dev_periods,
                          lead_time, integer)
        test = _store_data(spec, [tag(3, s, j) for s, j in pairs], config.test_scenarios, config.test_periods,
                           lead_time, integer)
        gens = [tag(4, s, j) for s, j in pairs]
        policy = StoreMLPPolicy(gens, 1, lead_time, config.hidden, torch.full((len(pairs), 1), config.mean))
        rollout = _store_rollout(holding, underage, config.lost_sales)
        run = train_hdpo(policy, rollout, train, dev, gens, config.epochs, config.batch_size, config.lr,
                         config.dev_warmup, config.eval_every)
        recorder = _Recorder(policy)
        test_rollout = _store_rollout(holding, underage, config.lost_sales, round_orders=config.lost_sales)
        test_cost = evaluate(recorder, test_rollout, test, config.test_warmup)
        levels = _order_up_to(recorder, config.test_warmup) if not config.lost_sales else None
        if not config.lost_sales:  # the closed-form optimal base-stock on the same test paths
            optimum_levels = torch.tensor([backlog_base_stock_optimum(config.mean, config.std, config.holding_cost,
                                                                      ps[j], lead_time).level for _, j in pairs])
            star_cost = evaluate(BaseStockPolicy(optimum_levels[:, None]), test_rollout, test, config.test_warmup)
        for k, (seed, j) in enumerate(pairs):
            i = seeds.index(seed)
            key = f"L{lead_time}_p{ps[j]:g}"
            metrics[i][f"test_cost/{key}"] = float(test_cost[k])
            metrics[i][f"best_dev_cost/{key}"] = float(run.best_dev_cost[k])
            series[i][f"dev_cost/{key}"] = run.dev_cost[:, k].tolist()
            if not config.lost_sales:
                closed = backlog_base_stock_optimum(config.mean, config.std, config.holding_cost, ps[j], lead_time)
                metrics[i][f"closed_form_cost/{key}"] = closed.cost
                metrics[i][f"closed_form_level/{key}"] = closed.level
                metrics[i][f"optimal_policy_test_cost/{key}"] = float(star_cost[k])
                metrics[i][f"gap/{key}"] = float(test_cost[k]) / closed.cost - 1
                metrics[i][f"gap_same_paths/{key}"] = float(test_cost[k] / star_cost[k]) - 1
                metrics[i][f"learned_level/{key}"] = float(levels[k])
        for i in range(len(seeds)):
            series[i]["epochs"] = [float(e) for e in run.epochs]
    return [Result(m, s) for m, s in zip(metrics, series)]


@dataclass(frozen=True)
class LostSalesReferenceConfig:
    """DP optimum and best (capped) base-stock per lost-sales instance (independent of the learners)."""

    underage_costs: tuple[float, ...] = (4.0, 9.0, 19.0, 39.0)
    """p values."""
    lead_times: tuple[int, ...] = (1, 2, 3, 4)
    """L values."""
    holding_cost: float = 1.0
    """h."""
    mean: float = 5.0
    """Poisson mean."""
    dp_tolerance: float = 1e-6
    """Span tolerance of relative value iteration."""
    search_scenarios: int = 128
    """Scenarios of the capped base-stock grid search."""
    search_periods: int = 400
    """Horizon of the grid search (100 warm-up)."""

    def __post_init__(self) -> None:
        for p in self.underage_costs:
            check_costs(self.holding_cost, p)
        for lt in self.lead_times:
            check_lead_time("lead_time", lt)
        DemandSpec("poisson", (self.mean,), (0.0,))
        if not self.dp_tolerance > 0:
            raise ValueError(f"dp_tolerance must be > 0, got {self.dp_tolerance}")
        check_positive_int("search_scenarios", self.search_scenarios)
        if self.search_periods <= 100:
            raise ValueError(f"search_periods must exceed the 100 warm-up periods, got {self.search_periods}")


def run_lost_sales_reference(config: LostSalesReferenceConfig, seeds: Sequence[int]) -> list[Result]:
    """Deterministic DP values; the search uses the seed for its demand paths."""
    results = []
    for seed in seeds:
        metrics = {}
        for lead_time in config.lead_times:
            for p in config.underage_costs:
                key = f"L{lead_time}_p{p:g}"
                dp = lost_sales_optimal_cost(config.mean, config.holding_cost, p, lead_time, config.dp_tolerance)
                search = search_capped_base_stock(DemandSpec("poisson", (config.mean,), (0.0,)), config.holding_cost,
                                                  p, lead_time, True, _generator(seed, lead_time, int(p * 100), 9),
                                                  config.search_scenarios, config.search_periods)
                metrics.update({f"dp_cost/{key}": dp.average_cost, f"dp_iterations/{key}": float(dp.iterations),
                                f"dp_bound_hit/{key}": float(dp.order_bound_hit),
                                f"capped_cost/{key}": search.best_cost, f"capped_level/{key}": search.best_level,
                                f"capped_cap/{key}": search.best_cap, f"base_stock_cost/{key}": search.base_stock_cost,
                                f"base_stock_level/{key}": search.base_stock_level})
        results.append(Result(metrics))
    return results


# ------------------------------------------------------------------------------------------------ REINFORCE
@dataclass(frozen=True)
class ReinforceConfig:
    """HDPO vs REINFORCE on the backlogged single store (same network, data, minibatches, periods)."""

    underage_cost: float = 9.0
    """p."""
    lead_time: int = 4
    """L."""
    holding_cost: float = 1.0
    """h."""
    mean: float = 5.0
    """Normal demand μ."""
    std: float = 1.6
    """Normal demand σ."""
    train_scenarios: int = 1024
    """Training scenarios per model."""
    batch_size: int = 128
    """Minibatch size."""
    periods: int = 40
    """Training horizon."""
    epochs: int = 80
    """Passes over the data (both methods)."""
    lr: float = 3e-3
    """Adam learning rate (both methods)."""
    hidden: tuple[int, ...] = (32, 32, 32)
    """MLP hidden layers."""
    initial_log_std: float = -1.0
    """REINFORCE: initial log σ of the Gaussian pre-activation."""
    dev_scenarios: int = 512
    """Dev scenarios."""
    dev_periods: int = 100
    """Dev horizon."""
    dev_warmup: int = 60
    """Dev warm-up."""
    test_scenarios: int = 512
    """Test scenarios."""
    test_periods: int = 400
    """Test horizon."""
    test_warmup: int = 100
    """Test warm-up."""
    eval_every: int = 5
    """Epochs between dev evaluations (the learning curves)."""

    def __post_init__(self) -> None:
        _check_training(self)
        check_costs(self.holding_cost, self.underage_cost)
        check_lead_time("lead_time", self.lead_time)
        DemandSpec("normal", (self.mean,), (self.std,))


def run_reinforce(config: ReinforceConfig, seeds: Sequence[int]) -> list[Result]:
    spec = DemandSpec("normal", (config.mean,), (config.std,))
    optimum = backlog_base_stock_optimum(config.mean, config.std, config.holding_cost, config.underage_cost,
                                         config.lead_time)
    m = len(seeds)
    data = {name: _store_data(spec, [_generator(s, purpose) for s in seeds], n, t, config.lead_time, False)
            for name, purpose, n, t in (("train", 1, config.train_scenarios, config.periods),
                                        ("dev", 2, config.dev_scenarios, config.dev_periods),
                                        ("test", 3, config.test_scenarios, config.test_periods))}
    rollout = _store_rollout(torch.tensor(config.holding_cost), torch.tensor(config.underage_cost), False)
    out = {}
    for method in ("hdpo", "reinforce"):
        gens = [_generator(s, 4) for s in seeds]  # same initial network for both methods
        base = StoreMLPPolicy(gens, 1, config.lead_time, config.hidden, torch.full((m, 1), config.mean))
        if method == "hdpo":
            policy, loss_fn = base, None
        else:
            policy = GaussianStorePolicy(base, m, 1, config.initial_log_std)
            noise_gens = [_generator(s, 5) for s in seeds]
            loss_fn = lambda pol, batch: reinforce_loss(pol, rollout, batch, noise_gens)  # noqa: E731
        run = train_hdpo(policy, rollout, data["train"], data["dev"], gens, config.epochs, config.batch_size,
                         config.lr, config.dev_warmup, config.eval_every, loss_fn=loss_fn)
        out[method] = (run, evaluate(policy, rollout, data["test"], config.test_warmup))
    results = []
    for i in range(m):
        metrics, series = {"optimal_cost": optimum.cost}, {}
        for method, (run, test_cost) in out.items():
            metrics[f"test_cost/{method}"] = float(test_cost[i])
            metrics[f"gap/{method}"] = float(test_cost[i]) / optimum.cost - 1
            series[f"dev_gap/{method}"] = (run.dev_cost[:, i] / optimum.cost - 1).tolist()
        series["simulated_periods"] = [float(v) for v in out["hdpo"][0].simulated_periods]
        results.append(Result(metrics, series))
    return results


# ------------------------------------------------------------------------------------------------ GNN vs MLP
@dataclass(frozen=True)
class GNNConfig:
    """One warehouse, S stores, lost demand (the official ``one_warehouse_lost_demand`` instance family)."""

    stores: int = 5
    """Number of stores."""
    small_sizes: tuple[int, ...] = (16, 256)
    """Training-set sizes where data efficiency is tested."""
    reference_size: int = 1024
    """The large training set (paper: 8,192)."""
    steps: int = 200
    """Adam steps for every size (equal optimisation effort)."""
    batch_size: int = 128
    """Minibatch size (the whole set when smaller)."""
    periods: int = 50
    """Training horizon."""
    lr: float = 3e-3
    """Adam learning rate."""
    hidden: tuple[int, ...] = (64, 64)
    """MLP hidden layers."""
    gnn_hidden: int = 32
    """GNN hidden width."""
    correlation: float = 0.5
    """Demand correlation between stores."""
    warehouse_holding: float = 0.3
    """Warehouse holding cost."""
    warehouse_lead_time: int = 3
    """Warehouse lead time."""
    dev_scenarios: int = 512
    """Dev scenarios."""
    dev_periods: int = 100
    """Dev horizon."""
    dev_warmup: int = 60
    """Dev warm-up."""
    test_scenarios: int = 512
    """Test scenarios."""
    test_periods: int = 300
    """Test horizon."""
    test_warmup: int = 100
    """Test warm-up."""
    eval_every: int = 10
    """Epochs between dev evaluations (scaled so each size is checked about steps/10 times)."""

    def __post_init__(self) -> None:
        for name in ("stores", "reference_size", "steps", "batch_size", "periods", "dev_scenarios",
                     "dev_periods", "test_scenarios", "test_periods", "gnn_hidden", "eval_every"):
            check_positive_int(name, getattr(self, name))
        if not self.small_sizes or min(self.small_sizes) < 1:
            raise ValueError(f"small_sizes must be positive, got {self.small_sizes}")
        check_lead_time("warehouse_lead_time", self.warehouse_lead_time)
        if not self.warehouse_holding >= 0 or not self.lr > 0:
            raise ValueError(f"warehouse_holding must be >= 0 and lr > 0, got {self.warehouse_holding}, {self.lr}")
        if not -1.0 / max(self.stores - 1, 1) <= self.correlation <= 1.0:
            raise ValueError(f"correlation {self.correlation} is invalid for {self.stores} stores")
        if not self.dev_warmup < self.dev_periods or not self.test_warmup < self.test_periods:
            raise ValueError("warm-up must be shorter than the horizon")


def _warehouse_instance(config: GNNConfig, seed: int) -> dict:
    """Store parameters sampled per seed from the official ranges: μ ~ U[2.5, 7.5], cv ~ U[0.25, 0.5],
    h ~ U[0.7, 1.3], p ~ U[6.3, 11.7], L ∈ {2, 3}."""
    g = _generator(seed, 11)
    s = config.stores
    mean = 2.5 + 5.0 * torch.rand(s, generator=g)
    cv = 0.25 + 0.25 * torch.rand(s, generator=g)
    holding = 0.7 + 0.6 * torch.rand(s, generator=g)
    underage = 6.3 + 5.4 * torch.rand(s, generator=g)
    lead = torch.randint(2, 4, (s,), generator=g)
    return {"mean": mean, "std": mean * cv, "holding": holding, "underage": underage, "lead": lead}


def _warehouse_data(config: GNNConfig, instances: list[dict], gens: Sequence[torch.Generator], n: int,
                    periods: int) -> dict[str, torch.Tensor]:
    demand, stores, warehouse = [], [], []
    for inst, g in zip(instances, gens):
        spec = DemandSpec("normal", tuple(inst["mean"].tolist()), tuple(inst["std"].tolist()), config.correlation)
        demand.append(sample_demand(spec, n, config.stores, periods, g))
        slots = torch.rand(n, config.stores, 3, generator=g) * inst["mean"][None, :, None]
        stores.append(slots * (torch.arange(3)[None, None, :] < inst["lead"][None, :, None]))
        warehouse.append(torch.rand(n, config.warehouse_lead_time, generator=g) * inst["mean"].sum())
    return {"demand": torch.stack(demand), "store_state": torch.stack(stores), "warehouse_state": torch.stack(warehouse)}


def run_gnn(config: GNNConfig, seeds: Sequence[int]) -> list[Result]:
    m = len(seeds)
    instances = [_warehouse_instance(config, s) for s in seeds]
    stack = lambda key: torch.stack([inst[key] for inst in instances])  # noqa: E731
    holding, underage = stack("holding")[:, None], stack("underage")[:, None]
    lead = stack("lead")[:, None]
    scale = stack("mean")
    features = torch.stack([torch.stack([inst["mean"] / 5.0, inst["std"] / inst["mean"], inst["holding"],
                                         inst["underage"] / 10.0, inst["lead"] / 3.0], -1) for inst in instances])
    h_w = torch.tensor(config.warehouse_holding)

    def rollout(policy, batch):
        return simulate_warehouse(policy, batch["demand"], batch["store_state"], lead, batch["warehouse_state"],
                                  holding, underage, h_w, lost_sales=True)

    dev = _warehouse_data(config, instances, [_generator(s, 12) for s in seeds], config.dev_scenarios,
                          config.dev_periods)
    test = _warehouse_data(config, instances, [_generator(s, 13) for s in seeds], config.test_scenarios,
                           config.test_periods)
    metrics: list[dict[str, float]] = [{} for _ in seeds]
    for size in (*config.small_sizes, config.reference_size):
        train = _warehouse_data(config, instances, [_generator(s, 14, size) for s in seeds], size, config.periods)
        batch = min(config.batch_size, size)
        epochs = math.ceil(config.steps / math.ceil(size / batch))
        for arch in ("gnn", "mlp"):
            gens = [_generator(s, 15, size) for s in seeds]
            if arch == "gnn":
                policy = WarehouseGNNPolicy(gens, 3, config.warehouse_lead_time, features, scale, config.gnn_hidden)
            else:
                policy = WarehouseMLPPolicy(gens, config.stores, 3, config.warehouse_lead_time, config.hidden, scale)
            run = train_hdpo(policy, rollout, train, dev, gens, epochs, batch, config.lr, config.dev_warmup,
                             max(1, epochs // config.eval_every), stores=config.stores)
            test_cost = evaluate(policy, rollout, test, config.test_warmup, stores=config.stores)
            for i in range(m):
                metrics[i][f"test_cost/{arch}/{size}"] = float(test_cost[i])
                metrics[i][f"best_dev_cost/{arch}/{size}"] = float(run.best_dev_cost[i])
    return [Result(mt) for mt in metrics]


# ------------------------------------------------------------------------------------------------ serial
@dataclass(frozen=True)
class SerialConfig:
    """Serial chain, upstream → store (the official ``serial_system``): backlogged, Normal(5, 2)."""

    lead_times: tuple[int, ...] = (2, 4, 3, 4)
    """Lead time of each location (upstream → store)."""
    holding_costs: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0)
    """Holding cost of each location."""
    underage_cost: float = 9.0
    """Backlog cost at the store."""
    mean: float = 5.0
    """Demand mean."""
    std: float = 2.0
    """Demand std."""
    train_scenarios: int = 1024
    """Training scenarios."""
    batch_size: int = 128
    """Minibatch size."""
    periods: int = 60
    """Training horizon."""
    epochs: int = 60
    """Passes over the data."""
    lr: float = 3e-3
    """Adam learning rate."""
    hidden: tuple[int, ...] = (64, 64)
    """MLP hidden layers."""
    dev_scenarios: int = 512
    """Dev scenarios."""
    dev_periods: int = 120
    """Dev horizon."""
    dev_warmup: int = 60
    """Dev warm-up."""
    test_scenarios: int = 512
    """Test scenarios."""
    test_periods: int = 500
    """Test horizon."""
    test_warmup: int = 150
    """Test warm-up."""
    eval_every: int = 5
    """Epochs between dev evaluations."""
    search_scenarios: int = 256
    """Scenarios of the echelon-stock search (independent paths)."""

    def __post_init__(self) -> None:
        _check_training(self)
        if len(self.lead_times) != len(self.holding_costs) or len(self.lead_times) < 2:
            raise ValueError(f"need >= 2 locations with one lead time and holding cost each, got "
                             f"{self.lead_times} and {self.holding_costs}")
        for lt in self.lead_times:
            check_lead_time("lead_time", lt)
        for h in self.holding_costs:
            check_costs(h, self.underage_cost)
        DemandSpec("normal", (self.mean,), (self.std,))
        check_positive_int("search_scenarios", self.search_scenarios)


def _serial_data(config: SerialConfig, gens: Sequence[torch.Generator], n: int, periods: int) -> dict:
    spec = DemandSpec("normal", (config.mean,), (config.std,))
    out = {"demand": torch.stack([sample_demand(spec, n, 1, periods, g)[:, 0] for g in gens])}
    for k, lt in enumerate(config.lead_times):
        out[f"state{k}"] = torch.stack([torch.rand(n, lt, generator=g) * config.mean for g in gens])
    return out


def run_serial(config: SerialConfig, seeds: Sequence[int]) -> list[Result]:
    k_count = len(config.lead_times)

    def rollout(policy, batch):
        return simulate_serial(policy, batch["demand"], [batch[f"state{k}"] for k in range(k_count)],
                               config.holding_costs, config.underage_cost)

    search = search_echelon_stock(DemandSpec("normal", (config.mean,), (config.std,)), config.holding_costs,
                                  config.underage_cost, config.lead_times, _generator(0, 21),
                                  scenarios=config.search_scenarios, periods=400)
    train = _serial_data(config, [_generator(s, 1) for s in seeds], config.train_scenarios, config.periods)
    dev = _serial_data(config, [_generator(s, 2) for s in seeds], config.dev_scenarios, config.dev_periods)
    test = _serial_data(config, [_generator(s, 3) for s in seeds], config.test_scenarios, config.test_periods)
    gens = [_generator(s, 4) for s in seeds]
    policy = SerialMLPPolicy(gens, config.lead_times, config.hidden, config.mean)
    run = train_hdpo(policy, rollout, train, dev, gens, config.epochs, config.batch_size, config.lr,
                     config.dev_warmup, config.eval_every)
    test_cost = evaluate(policy, rollout, test, config.test_warmup)
    echelon = EchelonStockPolicy(torch.tensor(search.levels)[None].expand(len(seeds), -1))
    echelon_cost = evaluate(echelon, rollout, test, config.test_warmup)
    return [Result({"test_cost/hdpo": float(test_cost[i]), "test_cost/echelon": float(echelon_cost[i]),
                    "gap": float(test_cost[i] / echelon_cost[i]) - 1, "echelon_search_cost": search.cost,
                    "echelon_evaluations": float(search.evaluations),
                    **{f"echelon_level/{k}": v for k, v in enumerate(search.levels)}},
                   {"dev_cost": run.dev_cost[:, i].tolist(), "epochs": [float(e) for e in run.epochs]})
            for i in range(len(seeds))]


# ------------------------------------------------------------------------------------------------ experiments
BACKLOG = Experiment(
    name="hdpo/backlog", config_cls=SingleStoreConfig, run=run_single_store,
    description="Single store, backlogged, Normal(5, 1.6): HDPO MLP vs the closed-form base-stock optimum",
    budgets={
        "smoke": Budget(seeds=2, overrides={"underage_costs": (9.0,), "lead_times": (2,), "train_scenarios": 256,
                                            "batch_size": 128, "epochs": 3, "dev_scenarios": 64, "test_scenarios": 64,
                                            "test_periods": 120, "test_warmup": 40, "eval_every": 1}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=5, overrides={"train_scenarios": 32768, "batch_size": 8192, "epochs": 300,
                                           "dev_scenarios": 8192, "test_scenarios": 8192, "test_periods": 2000,
                                           "test_warmup": 500, "eval_every": 10}),
    },
    seeds_per_task=8,
)
LOST_SALES = Experiment(
    name="hdpo/lost_sales", config_cls=SingleStoreConfig, run=run_single_store,
    description="Single store, lost sales, Poisson(5), p × L grid: HDPO MLP (orders rounded at test)",
    budgets={
        "smoke": Budget(seeds=2, overrides={"lost_sales": True, "underage_costs": (9.0,), "lead_times": (1,),
                                            "train_scenarios": 256, "batch_size": 128, "epochs": 3,
                                            "dev_scenarios": 64, "test_scenarios": 64, "test_periods": 120,
                                            "test_warmup": 40, "eval_every": 1}),
        "quick": Budget(seeds=3, overrides={"lost_sales": True, "lead_times": (1, 2, 3, 4)}),
        "full": Budget(seeds=5, overrides={"lost_sales": True, "lead_times": (1, 2, 3, 4), "train_scenarios": 32768,
                                           "batch_size": 8192, "epochs": 300, "dev_scenarios": 8192,
                                           "test_scenarios": 8192, "test_periods": 2000, "test_warmup": 500,
                                           "eval_every": 10}),
    },
    seeds_per_task=8,
)
LOST_SALES_REFERENCE = Experiment(
    name="hdpo/lost_sales_reference", config_cls=LostSalesReferenceConfig, run=run_lost_sales_reference,
    description="Exact DP optimum and best (capped) base-stock by search for the lost-sales grid",
    budgets={"smoke": Budget(seeds=1, overrides={"underage_costs": (9.0,), "lead_times": (1,)}),
             "quick": Budget(seeds=1), "full": Budget(seeds=1, overrides={"search_scenarios": 512})},
    seeds_per_task=1,
)
REINFORCE = Experiment(
    name="hdpo/reinforce", config_cls=ReinforceConfig, run=run_reinforce,
    description="Backlogged store (p=9, L=4): HDPO vs REINFORCE at equal simulated periods",
    budgets={
        "smoke": Budget(seeds=2, overrides={"train_scenarios": 256, "batch_size": 128, "epochs": 3,
                                            "dev_scenarios": 64, "test_scenarios": 64, "test_periods": 120,
                                            "test_warmup": 40, "eval_every": 1}),
        "quick": Budget(seeds=4),
        "full": Budget(seeds=8, overrides={"train_scenarios": 32768, "batch_size": 8192, "epochs": 300,
                                           "eval_every": 10}),
    },
    seeds_per_task=8,
)
GNN = Experiment(
    name="hdpo/gnn", config_cls=GNNConfig, run=run_gnn,
    description="One warehouse, 5 stores, lost demand: GNN vs MLP trained on 16 … 8,192 scenarios",
    budgets={
        "smoke": Budget(seeds=2, overrides={"small_sizes": (16,), "reference_size": 64, "steps": 4,
                                            "dev_scenarios": 32, "test_scenarios": 32, "test_periods": 120,
                                            "test_warmup": 40, "eval_every": 2}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=5, overrides={"small_sizes": (16, 64, 256), "reference_size": 8192, "steps": 3000,
                                           "batch_size": 1024, "dev_scenarios": 4096, "test_scenarios": 4096,
                                           "test_periods": 2000, "test_warmup": 500}),
    },
    seeds_per_task=8,
)
SERIAL = Experiment(
    name="hdpo/serial", config_cls=SerialConfig, run=run_serial,
    description="4-location serial chain: HDPO MLP vs the best echelon-stock policy",
    budgets={
        "smoke": Budget(seeds=2, overrides={"train_scenarios": 256, "batch_size": 128, "epochs": 3,
                                            "dev_scenarios": 64, "test_scenarios": 64, "test_periods": 200,
                                            "test_warmup": 60, "eval_every": 1, "search_scenarios": 32}),
        "quick": Budget(seeds=3),
        "full": Budget(seeds=5, overrides={"train_scenarios": 32768, "batch_size": 8192, "epochs": 300,
                                           "dev_scenarios": 8192, "test_scenarios": 8192, "test_periods": 2000,
                                           "test_warmup": 500, "eval_every": 10, "search_scenarios": 1024}),
    },
    seeds_per_task=8,
)


# ------------------------------------------------------------------------------------------------ checks
def _fmt(e: Estimate, scale: float = 100.0, unit: str = "%") -> str:
    return f"{e.value * scale:.2f}{unit} [{e.low * scale:.2f}, {e.high * scale:.2f}]"


def _keys(runs: Sequence[RunRecord], prefix: str) -> list[str]:
    return sorted(k[len(prefix):] for k in runs[0].metrics if k.startswith(prefix))


def check_backlog(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Per instance: mean gap to the closed form below 1% (CI) and |learned level − S*| <= 0.5 (CI)."""
    runs = results["hdpo/backlog"]
    parts, details, worst = [], {}, None
    for key in _keys(runs, "gap/"):
        gap = mean_ci([r.metrics[f"gap/{key}"] for r in runs])
        level_error = mean_ci([abs(r.metrics[f"learned_level/{key}"] - r.metrics[f"closed_form_level/{key}"])
                               for r in runs])
        same = mean_ci([r.metrics[f"gap_same_paths/{key}"] for r in runs])
        status = combine([decide(gap, GAP_TOLERANCE, "below"), decide(level_error, LEVEL_TOLERANCE, "below")])
        parts.append(status)
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "gap_vs_S*_same_paths": same.value,
                        "level_error": level_error.value, "level_error_ci": list(level_error.ci),
                        "closed_form_cost": runs[0].metrics[f"closed_form_cost/{key}"],
                        "closed_form_level": runs[0].metrics[f"closed_form_level/{key}"], "part": status}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    failing = [k for k, d in details.items() if d["part"] != "holds"]
    return Verdict(
        claim="hdpo.backlog_optimal", status=combine(parts), statistic=f"test-cost gap to the optimum, worst instance ({key})",
        value=gap.value, ci=gap.ci, threshold=GAP_TOLERANCE, paper_value="< 1% on every instance; learned S within ±0.5",
        details=details,
        explanation=(f"{len(details)} instances, {len(runs)} seeds; worst gap {key} {_fmt(gap)}; "
                     + "; ".join(f"{k}: gap {d['gap'] * 100:.2f}%, |S−S*| {d['level_error']:.2f}" for k, d in details.items())
                     + (f"; not holding: {', '.join(failing)}" if failing else "")
                     + ". Spec pilot (official code, 32,768 scenarios): dev 6.2895 vs 6.279 (+0.17%) at epoch 291."),
    )


def check_lost_sales(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """Per instance: HDPO within 1% of the DP optimum (CI) and below the best capped base-stock's cost (CI)."""
    runs, ref = results["hdpo/lost_sales"], results["hdpo/lost_sales_reference"][0].metrics
    parts, details, worst, gaps = [], {}, None, []
    for key in _keys(runs, "test_cost/"):
        dp, capped = ref[f"dp_cost/{key}"], ref[f"capped_cost/{key}"]
        gap = mean_ci([r.metrics[f"test_cost/{key}"] / dp - 1 for r in runs])
        cost = mean_ci([r.metrics[f"test_cost/{key}"] for r in runs])
        near, beats = decide(gap, GAP_TOLERANCE, "below"), decide(cost, capped, "below")
        parts += [near, beats]
        gaps.append(gap.value)
        lead, p = key[1:].split("_p")
        table = LOST_SALES_TABLE.get(int(lead), (None,) * 4)[[4.0, 9.0, 19.0, 39.0].index(float(p))] \
            if float(p) in (4.0, 9.0, 19.0, 39.0) else None
        details[key] = {"gap": gap.value, "gap_ci": list(gap.ci), "dp": dp, "table": table,
                        "capped_gap": capped / dp - 1, "base_stock_gap": ref[f"base_stock_cost/{key}"] / dp - 1,
                        "near_optimal": near, "beats_capped": beats}
        if worst is None or gap.value > worst[1].value:
            worst = (key, gap)
    key, gap = worst
    return Verdict(
        claim="hdpo.lost_sales_near_optimal", status=combine(parts),
        statistic=f"test-cost gap to the DP optimum, worst instance ({key})", value=gap.value, ci=gap.ci,
        threshold=GAP_TOLERANCE, paper_value="< 1% everywhere, < 0.5% on average; beats capped base-stock",
        details={**details, "average_gap": float(np.mean(gaps))},
        explanation=(f"{len(details)} instances, {len(runs)} seeds; average gap {np.mean(gaps) * 100:.2f}%; "
                     + "; ".join(f"{k}: HDPO {d['gap'] * 100:+.2f}% (capped {d['capped_gap'] * 100:+.2f}%, "
                                 f"base-stock {d['base_stock_gap'] * 100:+.2f}%; DP {d['dp']:.3f} vs table {d['table']}) "
                                 f"({d['near_optimal']}/{d['beats_capped']})" for k, d in details.items())
                     + ". Spec pilot (official code, 100 epochs): L=4 p=9 +1.6%, L=1 p=9 +0.03%."),
    )


def check_reinforce(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """REINFORCE's mean final gap and its seed spread are each >= 3× HDPO's."""
    runs = results["hdpo/reinforce"]
    hdpo = [max(r.metrics["gap/hdpo"], 1e-6) for r in runs]
    rf = [r.metrics["gap/reinforce"] for r in runs]
    hdpo_est, rf_est = mean_ci(hdpo), mean_ci(rf)
    ratio = mean_ci([g / max(hdpo_est.high, 1e-6) for g in rf])  # conservative: vs the upper end of HDPO's CI
    gap_status = decide(ratio, 3.0, "above")
    ddof = 1 if len(runs) > 1 else 0
    spread_h, spread_r = float(np.std(hdpo, ddof=ddof)), float(np.std(rf, ddof=ddof))
    spread_ratio = spread_r / max(spread_h, 1e-9)
    # exact CI of a ratio of standard deviations of normal samples: var ratio / F quantiles (n−1, n−1)
    dof = len(runs) - 1
    spread_ci = (spread_ratio / math.sqrt(f_dist.ppf(0.975, dof, dof)), spread_ratio * math.sqrt(f_dist.ppf(0.975, dof, dof))) \
        if dof >= 1 else (0.0, math.inf)
    spread_status = decide(Estimate(spread_ratio, *spread_ci, len(runs)), 3.0, "above")
    return Verdict(
        claim="hdpo.beats_reinforce", status=combine([gap_status, spread_status]),
        statistic="REINFORCE final gap / HDPO final gap (upper CI end)", value=ratio.value, ci=ratio.ci, threshold=3.0,
        paper_value="HDPO far below REINFORCE at equal samples (paper Fig. 6)",
        details={"hdpo_gap": hdpo_est.value, "hdpo_gap_ci": list(hdpo_est.ci), "reinforce_gap": rf_est.value,
                 "reinforce_gap_ci": list(rf_est.ci), "spread_hdpo": spread_h, "spread_reinforce": spread_r,
                 "spread_ratio": spread_ratio, "spread_ratio_ci": list(spread_ci), "gap_part": gap_status, "spread_part": spread_status},
        explanation=(f"{len(runs)} seeds; HDPO gap {_fmt(hdpo_est)}, REINFORCE gap {_fmt(rf_est)}; gap ratio "
                     f"{ratio.value:.1f} ({gap_status}); seed std {spread_r * 100:.2f}% vs {spread_h * 100:.2f}% "
                     f"(ratio {spread_ratio:.1f}, F-based 95% CI [{spread_ci[0]:.2f}, {spread_ci[1]:.2f}], {spread_status}). "
                     "Spec: the paper reports REINFORCE far behind HDPO; at this small budget our REINFORCE (same "
                     "network, batch-mean baseline) gets closer than that."),
    )


def check_gnn(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """At each small size: GNN within 1% of GNN@reference (CI) and MLP >= 2% worse than GNN@reference (CI)."""
    runs = results["hdpo/gnn"]
    sizes = sorted({int(k.split("/")[-1]) for k in runs[0].metrics if k.startswith("test_cost/gnn/")})
    reference, small = sizes[-1], sizes[:-1]
    parts, details, headline = [], {}, None
    for size in small:
        gnn = mean_ci([r.metrics[f"test_cost/gnn/{size}"] / r.metrics[f"test_cost/gnn/{reference}"] - 1 for r in runs])
        mlp = mean_ci([r.metrics[f"test_cost/mlp/{size}"] / r.metrics[f"test_cost/gnn/{reference}"] - 1 for r in runs])
        gnn_part, mlp_part = decide(gnn, GAP_TOLERANCE, "below"), decide(mlp, 0.02, "above")
        parts += [gnn_part, mlp_part]
        details[str(size)] = {"gnn_gap": gnn.value, "gnn_ci": list(gnn.ci), "mlp_gap": mlp.value,
                              "mlp_ci": list(mlp.ci), "gnn_part": gnn_part, "mlp_part": mlp_part}
        if headline is None or gnn.value > headline[1].value:
            headline = (size, gnn)
    mlp_ref = mean_ci([r.metrics[f"test_cost/mlp/{reference}"] / r.metrics[f"test_cost/gnn/{reference}"] - 1
                       for r in runs])
    details["mlp_at_reference"] = {"gap": mlp_ref.value, "ci": list(mlp_ref.ci)}
    size, est = headline
    return Verdict(
        claim="hdpo.gnn_data_efficiency", status=combine(parts),
        statistic=f"GNN trained on {size} vs GNN on {reference}: cost gap (worst small size)", value=est.value,
        ci=est.ci, threshold=GAP_TOLERANCE, paper_value="GNN with 16–256 samples ≈ GNN with 8,192; MLP ≥ 2% worse",
        details=details,
        explanation=(f"{len(runs)} seeds, reference {reference} scenarios; "
                     + "; ".join(f"n={k}: GNN {d['gnn_gap'] * 100:+.2f}% ({d['gnn_part']}), MLP {d['mlp_gap'] * 100:+.2f}% "
                                 f"({d['mlp_part']})" for k, d in details.items() if k != "mlp_at_reference")
                     + f"; MLP at {reference}: {mlp_ref.value * 100:+.2f}% vs GNN."),
    )


def _late_improvement(dev_cost: Sequence[float], tail_fraction: float = 0.25) -> float:
    """Relative drop of the best-so-far dev cost over the last ``tail_fraction`` of training
    (best before the tail / best at the end − 1): how much training was still gaining when it stopped."""
    best = np.minimum.accumulate(np.asarray(dev_cost, dtype=float))
    tail_start = int(np.floor((1 - tail_fraction) * (len(best) - 1)))
    return float(best[tail_start] / best[-1] - 1.0)


def check_serial(results: Mapping[str, list[RunRecord]]) -> Verdict:
    """HDPO's test cost within 1% of the best echelon-stock policy. A gap above 1% counts as "fails" only if
    training had stopped gaining (best dev cost improved by less than the 1% tolerance over the last quarter of
    the epochs); otherwise the budget was too small to decide and the verdict is inconclusive."""
    runs = results["hdpo/serial"]
    gap = mean_ci([r.metrics["gap"] for r in runs])
    status = decide(gap, GAP_TOLERANCE, "below")
    late = [_late_improvement(r.series["dev_cost"]) for r in runs if "dev_cost" in r.series]
    still_improving = bool(late) and float(np.mean(late)) > GAP_TOLERANCE
    if status == "fails" and still_improving:
        status = "inconclusive"
    return Verdict(
        claim="hdpo.serial_echelon", status=status, statistic="HDPO test cost / best echelon-stock cost − 1",
        value=gap.value, ci=gap.ci, threshold=GAP_TOLERANCE, paper_value="within 1% of echelon-stock (optimal)",
        details={"echelon_levels": [runs[0].metrics[f"echelon_level/{k}"] for k in range(4)
                                    if f"echelon_level/{k}" in runs[0].metrics],
                 "echelon_cost": float(np.mean([r.metrics["test_cost/echelon"] for r in runs]))},
        explanation=(f"{len(runs)} seeds; HDPO vs best echelon-stock on the same test paths: {_fmt(gap)} "
                     f"(echelon-stock {np.mean([r.metrics['test_cost/echelon'] for r in runs]):.3f} per period, levels "
                     f"found by Nelder–Mead on independent paths; a negative gap would mean the search is not exactly "
                     f"optimal). The MLP (σ × upstream on hand, official parameterisation): best dev cost improved by "
                     f"{100 * float(np.mean(late)) if late else float('nan'):.2f}% over the last quarter of training "
                     f"({'still improving: budget too small to decide' if still_improving else 'converged'}); "
                     f"the spec's paper value is < 1%."),
    )


# ------------------------------------------------------------------------------------------------ figures
def plot_backlog(results: Mapping[str, list[RunRecord]], path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/backlog"]
    keys = _keys(runs, "gap/")
    est = [mean_ci([r.metrics[f"gap/{k}"] * 100 for r in runs]) for k in keys]
    figure, axis = plt.subplots(figsize=(7.5, 4))
    values = np.array([e.value for e in est])
    err = np.array([[e.value - e.low if np.isfinite(e.low) else 0 for e in est],
                    [e.high - e.value if np.isfinite(e.high) else 0 for e in est]])
    axis.bar(range(len(keys)), values, yerr=err, capsize=3)
    axis.axhline(GAP_TOLERANCE * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xticks(range(len(keys)), keys, rotation=45, fontsize=7)
    axis.set_ylabel("gap to closed-form optimum (%)")
    axis.set_title("HDPO, backlogged single store: test-cost gap (mean, 95% CI)", fontsize=10)
    save(figure, path)


def plot_lost_sales(results: Mapping[str, list[RunRecord]], path: str) -> None:
    import matplotlib.pyplot as plt
    runs, ref = results["hdpo/lost_sales"], results["hdpo/lost_sales_reference"][0].metrics
    keys = _keys(runs, "test_cost/")
    hdpo = [mean_ci([r.metrics[f"test_cost/{k}"] / ref[f"dp_cost/{k}"] * 100 - 100 for r in runs]) for k in keys]
    capped = [ref[f"capped_cost/{k}"] / ref[f"dp_cost/{k}"] * 100 - 100 for k in keys]
    figure, axis = plt.subplots(figsize=(8, 4))
    x = np.arange(len(keys))
    err = np.array([[e.value - e.low if np.isfinite(e.low) else 0 for e in hdpo],
                    [e.high - e.value if np.isfinite(e.high) else 0 for e in hdpo]])
    axis.bar(x - 0.2, [e.value for e in hdpo], 0.4, yerr=err, capsize=2, label="HDPO (MLP)")
    axis.bar(x + 0.2, capped, 0.4, label="best capped base-stock")
    axis.axhline(GAP_TOLERANCE * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xticks(x, keys, rotation=45, fontsize=7)
    axis.set_ylabel("gap to DP optimum (%)")
    axis.legend(fontsize=8)
    axis.set_title("Lost sales, Poisson(5): gap to the exact DP optimum", fontsize=10)
    save(figure, path)


def plot_reinforce(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["hdpo/reinforce"]
    curves = {m: [[max(v, 1e-4) for v in r.series[f"dev_gap/{m}"]] for r in runs] for m in ("hdpo", "reinforce")}
    plot_curves(path, {"HDPO": curves["hdpo"], "REINFORCE": curves["reinforce"]},
                f"HDPO vs REINFORCE (dev gap; x = checkpoint, {runs[0].series['simulated_periods'][1]:.3g} "
                "simulated periods each)", "checkpoint", "dev cost gap to optimum", logy=True)


def plot_gnn(results: Mapping[str, list[RunRecord]], path: str) -> None:
    import matplotlib.pyplot as plt
    runs = results["hdpo/gnn"]
    sizes = sorted({int(k.split("/")[-1]) for k in runs[0].metrics if k.startswith("test_cost/gnn/")})
    figure, axis = plt.subplots(figsize=(6, 4))
    for arch in ("gnn", "mlp"):
        est = [mean_ci([r.metrics[f"test_cost/{arch}/{n}"] / r.metrics[f"test_cost/gnn/{sizes[-1]}"] * 100 - 100
                        for r in runs]) for n in sizes]
        axis.errorbar(sizes, [e.value for e in est], capsize=3, marker="o", label=arch.upper(),
                      yerr=[[e.value - e.low if np.isfinite(e.low) else 0 for e in est],
                            [e.high - e.value if np.isfinite(e.high) else 0 for e in est]])
    axis.set_xscale("log")
    axis.axhline(GAP_TOLERANCE * 100, color="grey", linestyle="--", linewidth=1)
    axis.set_xlabel("training scenarios")
    axis.set_ylabel(f"cost vs GNN@{sizes[-1]} (%)")
    axis.legend(fontsize=8)
    axis.set_title("One warehouse, 5 stores: data efficiency", fontsize=10)
    save(figure, path)


def plot_serial(results: Mapping[str, list[RunRecord]], path: str) -> None:
    runs = results["hdpo/serial"]
    echelon = float(np.mean([r.metrics["test_cost/echelon"] for r in runs]))
    plot_curves(path, {"HDPO dev cost": [r.series["dev_cost"] for r in runs]}, "Serial chain: HDPO dev cost",
                "checkpoint", "cost per period", logy=True, hlines={f"echelon-stock (test) {echelon:.2f}": echelon})


SUITE = Suite(
    name="hdpo", paper=PAPER, experiments=(BACKLOG, LOST_SALES, LOST_SALES_REFERENCE, REINFORCE, GNN, SERIAL),
    claims=(
        Claim(id="hdpo.backlog_optimal", paper=PAPER, source="§5.1, Table 2",
              statement="Backlogged single store (p ∈ {4,9,19,39}, L ∈ {1,4,7}): HDPO is within 1% of the "
                        "closed-form optimum and learns a base-stock policy within ±0.5 of S*.",
              experiments=("hdpo/backlog",), check=check_backlog, paper_value="< 1%", plot=plot_backlog),
        Claim(id="hdpo.lost_sales_near_optimal", paper=PAPER, source="§5.1, Table 3",
              statement="Lost sales, Poisson(5): HDPO within 1% of the DP optimum on every instance and better "
                        "than the best capped base-stock policy.",
              experiments=("hdpo/lost_sales", "hdpo/lost_sales_reference"), check=check_lost_sales,
              paper_value="< 0.5% average", plot=plot_lost_sales),
        Claim(id="hdpo.beats_reinforce", paper=PAPER, source="§6, Fig. 6",
              statement="At equal simulated periods REINFORCE's final gap and seed spread are each >= 3× HDPO's.",
              experiments=("hdpo/reinforce",), check=check_reinforce, paper_value=">= 3×", plot=plot_reinforce),
        Claim(id="hdpo.gnn_data_efficiency", paper=PAPER, source="§7, Table 5",
              statement="One warehouse, 5 stores: a GNN trained on 16–256 scenarios is within 1% of one trained "
                        "on many, while the MLP at the same sizes is >= 2% worse.",
              experiments=("hdpo/gnn",), check=check_gnn, paper_value="~16× less data", plot=plot_gnn),
        Claim(id="hdpo.serial_echelon", paper=PAPER, source="§5.2",
              statement="Serial system: HDPO's neural policy is within 1% of the best echelon-stock policy.",
              experiments=("hdpo/serial",), check=check_serial, paper_value="< 1%", plot=plot_serial),
    ),
)
