"""The HDPO studies end to end: scenario sets → models trained together → test costs and references per seed.

Every model draws from its own generators, made by ``seeder(seed, stream)`` with the stream named after what it
feeds ("train/L4_p9", "init", "dev", ...): a seed's numbers never depend on which seeds share its batch (up to
float32 reductions over the batch of models, ~1e-7 relative). Each study returns one ``SeedOutcome`` per seed,
in the order of ``seeds``.

- ``single_store_grid``: per lead time, seeds × p MLPs trained by HDPO (§5.1); test cost, and for backlog the
  closed-form optimum, the optimal base-stock policy on the same test paths and the learned base-stock level.
- ``lost_sales_references``: the DP optimum (relative value iteration) and the best (capped) base-stock.
- ``hdpo_vs_reinforce``: the same network, data, minibatches and simulated periods trained by HDPO's pathwise
  gradient and by REINFORCE (§6).
- ``gnn_vs_mlp``: one warehouse and S stores; GNN and MLP trained with equal Adam steps on several set sizes (§7).
- ``serial_vs_echelon``: a serial chain; HDPO MLP vs the best echelon-stock policy on the same test paths (§5.2).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from mdps.inventory.dp import lost_sales_optimal_cost
from mdps.inventory.gnn import WarehouseGNNPolicy
from mdps.inventory.hdpo import Data, Rollout, evaluate, train_hdpo
from mdps.inventory.levels import OrderRecorder, order_up_to_levels
from mdps.inventory.policies import (
    BaseStockPolicy,
    EchelonStockPolicy,
    SerialMLPPolicy,
    StoreMLPPolicy,
    WarehouseMLPPolicy,
)
from mdps.inventory.reinforce import GaussianStorePolicy, reinforce_loss
from mdps.inventory.scenarios import (
    STORE_SLOTS,
    sample_warehouse_instance,
    serial_scenarios,
    store_scenarios,
    warehouse_scenarios,
)
from mdps.inventory.settings import (
    BacklogStore,
    LostSalesGrid,
    SerialChain,
    StoreGrid,
    TrainingSettings,
    WarehouseStudy,
)
from mdps.inventory.simulator import simulate_serial, simulate_stores, simulate_warehouse
from mdps.inventory.solvers import backlog_base_stock_optimum, search_capped_base_stock, search_echelon_stock
from mdps.inventory.store_bptt import simulate_stores_mlp

Seeder = Callable[[int, str], torch.Generator]
"""(seed, stream name) → a torch generator."""
ECHELON_SEARCH_PERIODS = 400


@dataclass
class SeedOutcome:
    """One seed's scalar metrics and named series."""

    metrics: dict[str, float] = field(default_factory=dict)
    series: dict[str, list[float]] = field(default_factory=dict)


def store_rollout(holding: torch.Tensor, underage: torch.Tensor, lost_sales: bool, round_orders: bool = False
                  ) -> Rollout:
    """Stores under a policy; a plain ``StoreMLPPolicy`` (HDPO's training and dev runs) takes the hand-written
    backward pass of ``store_bptt`` (same costs, same gradients, ~1.4× faster per minibatch than autograd)."""
    def rollout(policy: nn.Module, batch: Data) -> torch.Tensor:
        if isinstance(policy, StoreMLPPolicy) and not round_orders:
            return simulate_stores_mlp(policy, batch["demand"], batch["state"], holding, underage, lost_sales)
        return simulate_stores(policy, batch["demand"], batch["state"], holding, underage, lost_sales, round_orders)
    return rollout


def _splits(make: Callable[[str, int, int], Data], training: TrainingSettings) -> tuple[Data, Data, Data]:
    """Train, dev and test scenario sets, each from its own stream."""
    return (make("train", training.train_scenarios, training.periods),
            make("dev", training.dev_scenarios, training.dev_periods),
            make("test", training.test_scenarios, training.test_periods))


def single_store_grid(grid: StoreGrid, training: TrainingSettings, seeds: Sequence[int], seeder: Seeder
                      ) -> list[SeedOutcome]:
    """Per lead time: M = seeds × p models trained by HDPO; test cost (and, backlogged, the learned level)."""
    spec, ps = grid.demand(), grid.underage_costs
    outcomes = [SeedOutcome() for _ in seeds]
    for lead_time in grid.lead_times:
        pairs = [(s, j) for s in seeds for j in range(len(ps))]

        def streams(purpose: str) -> list[torch.Generator]:
            return [seeder(s, f"{purpose}/L{lead_time}_p{ps[j]:g}") for s, j in pairs]

        train, dev, test = _splits(lambda purpose, n, t: store_scenarios(
            spec, streams(purpose), n, t, lead_time, grid.lost_sales), training)
        underage = torch.tensor([ps[j] for _, j in pairs]).reshape(-1, 1, 1)
        holding = torch.tensor(grid.holding_cost)
        init = streams("init")
        policy = StoreMLPPolicy(init, 1, lead_time, training.hidden, torch.full((len(pairs), 1), grid.mean))
        run = train_hdpo(policy, store_rollout(holding, underage, grid.lost_sales), train, dev, init,
                         training.epochs, training.batch_size, training.lr, training.dev_warmup, training.eval_every)
        recorder = OrderRecorder(policy)
        test_rollout = store_rollout(holding, underage, grid.lost_sales, round_orders=grid.lost_sales)
        test_cost = evaluate(recorder, test_rollout, test, training.test_warmup)
        if not grid.lost_sales:  # the closed-form optimal base-stock on the same test paths
            optima = [backlog_base_stock_optimum(grid.mean, grid.std, grid.holding_cost, ps[j], lead_time)
                      for _, j in pairs]
            levels = order_up_to_levels(recorder, training.test_warmup)
            star = BaseStockPolicy(torch.tensor([o.level for o in optima])[:, None])
            star_cost = evaluate(star, test_rollout, test, training.test_warmup)
        for k, (seed, j) in enumerate(pairs):
            out = outcomes[seeds.index(seed)]
            key = f"L{lead_time}_p{ps[j]:g}"
            out.metrics[f"test_cost/{key}"] = float(test_cost[k])
            out.metrics[f"best_dev_cost/{key}"] = float(run.best_dev_cost[k])
            out.series[f"dev_cost/{key}"] = run.dev_cost[:, k].tolist()
            if not grid.lost_sales:
                closed = optima[k]
                out.metrics[f"closed_form_cost/{key}"] = closed.cost
                out.metrics[f"closed_form_level/{key}"] = closed.level
                out.metrics[f"optimal_policy_test_cost/{key}"] = float(star_cost[k])
                out.metrics[f"gap/{key}"] = float(test_cost[k]) / closed.cost - 1
                out.metrics[f"gap_same_paths/{key}"] = float(test_cost[k] / star_cost[k]) - 1
                out.metrics[f"learned_level/{key}"] = float(levels[k])
        for out in outcomes:
            out.series["epochs"] = [float(e) for e in run.epochs]
    return outcomes


def lost_sales_references(grid: LostSalesGrid, seeds: Sequence[int], seeder: Seeder) -> list[SeedOutcome]:
    """Per instance the DP optimum (deterministic: solved once, reported on every seed) and, per seed, the
    capped base-stock search on the seed's own demand paths (stream "capped_search/L{L}_p{p}")."""
    outcomes = [SeedOutcome() for _ in seeds]
    for lead_time in grid.lead_times:
        for p in grid.underage_costs:
            key = f"L{lead_time}_p{p:g}"
            dp = lost_sales_optimal_cost(grid.mean, grid.holding_cost, p, lead_time, grid.dp_tolerance)
            for seed, out in zip(seeds, outcomes):
                search = search_capped_base_stock(grid.demand(), grid.holding_cost, p, lead_time, True,
                                                  seeder(seed, f"capped_search/{key}"), grid.search_scenarios,
                                                  grid.search_periods)
                out.metrics.update({
                    f"dp_cost/{key}": dp.average_cost, f"dp_iterations/{key}": float(dp.iterations),
                    f"dp_bound_hit/{key}": float(dp.order_bound_hit), f"capped_cost/{key}": search.best_cost,
                    f"capped_level/{key}": search.best_level, f"capped_cap/{key}": search.best_cap,
                    f"base_stock_cost/{key}": search.base_stock_cost,
                    f"base_stock_level/{key}": search.base_stock_level})
    return outcomes


def hdpo_vs_reinforce(store: BacklogStore, training: TrainingSettings, seeds: Sequence[int], seeder: Seeder
                      ) -> list[SeedOutcome]:
    """Both methods start from the same network (stream "init") and see the same data and minibatch order;
    REINFORCE's action noise comes from the stream "reinforce_noise"."""
    optimum = backlog_base_stock_optimum(store.mean, store.std, store.holding_cost, store.underage_cost,
                                         store.lead_time)
    m = len(seeds)
    train, dev, test = _splits(lambda purpose, n, t: store_scenarios(
        store.demand(), [seeder(s, purpose) for s in seeds], n, t, store.lead_time, False), training)
    rollout = store_rollout(torch.tensor(store.holding_cost), torch.tensor(store.underage_cost), False)
    runs = {}
    for method in ("hdpo", "reinforce"):
        init = [seeder(s, "init") for s in seeds]
        policy = StoreMLPPolicy(init, 1, store.lead_time, training.hidden, torch.full((m, 1), store.mean))
        loss_fn = None
        if method == "reinforce":
            policy = GaussianStorePolicy(policy, m, 1, store.initial_log_std)
            noise = [seeder(s, "reinforce_noise") for s in seeds]
            loss_fn = lambda pol, batch: reinforce_loss(pol, rollout, batch, noise)  # noqa: E731
        run = train_hdpo(policy, rollout, train, dev, init, training.epochs, training.batch_size, training.lr,
                         training.dev_warmup, training.eval_every, loss_fn=loss_fn)
        runs[method] = (run, evaluate(policy, rollout, test, training.test_warmup))
    outcomes = []
    for i in range(m):
        out = SeedOutcome({"optimal_cost": optimum.cost})
        for method, (run, test_cost) in runs.items():
            out.metrics[f"test_cost/{method}"] = float(test_cost[i])
            out.metrics[f"gap/{method}"] = float(test_cost[i]) / optimum.cost - 1
            out.series[f"dev_gap/{method}"] = (run.dev_cost[:, i] / optimum.cost - 1).tolist()
        out.series["simulated_periods"] = [float(v) for v in runs["hdpo"][0].simulated_periods]
        outcomes.append(out)
    return outcomes


def gnn_vs_mlp(study: WarehouseStudy, seeds: Sequence[int], seeder: Seeder) -> list[SeedOutcome]:
    """One network per seed (stream "instance"); at every training-set size n (streams "train/n{n}" and
    "init/n{n}", the same initial draws for both architectures) GNN and MLP take ``steps`` Adam steps."""
    instances = [sample_warehouse_instance(study.stores, seeder(s, "instance")) for s in seeds]

    def stack(name: str) -> torch.Tensor:
        return torch.stack([getattr(inst, name) for inst in instances])

    holding, underage, lead, scale = stack("holding")[:, None], stack("underage")[:, None], stack("lead")[:, None], \
        stack("mean")
    features = torch.stack([inst.features() for inst in instances])
    warehouse_holding = torch.tensor(study.warehouse_holding)

    def rollout(policy: nn.Module, batch: Data) -> torch.Tensor:
        return simulate_warehouse(policy, batch["demand"], batch["store_state"], lead, batch["warehouse_state"],
                                  holding, underage, warehouse_holding, lost_sales=True)

    def scenarios(stream: str, n: int, periods: int) -> Data:
        return warehouse_scenarios(instances, [seeder(s, stream) for s in seeds], n, periods, study.correlation,
                                   study.warehouse_lead_time)

    dev = scenarios("dev", study.dev_scenarios, study.dev_periods)
    test = scenarios("test", study.test_scenarios, study.test_periods)
    outcomes = [SeedOutcome() for _ in seeds]
    for size in (*study.small_sizes, study.reference_size):
        train = scenarios(f"train/n{size}", size, study.periods)
        batch = min(study.batch_size, size)
        epochs = math.ceil(study.steps / math.ceil(size / batch))
        for arch in ("gnn", "mlp"):
            init = [seeder(s, f"init/n{size}") for s in seeds]
            if arch == "gnn":
                policy = WarehouseGNNPolicy(init, STORE_SLOTS, study.warehouse_lead_time, features, scale,
                                            study.gnn_hidden)
            else:
                policy = WarehouseMLPPolicy(init, study.stores, STORE_SLOTS, study.warehouse_lead_time, study.hidden,
                                            scale)
            run = train_hdpo(policy, rollout, train, dev, init, epochs, batch, study.lr, study.dev_warmup,
                             max(1, epochs // study.eval_every), stores=study.stores)
            test_cost = evaluate(policy, rollout, test, study.test_warmup, stores=study.stores)
            for i, out in enumerate(outcomes):
                out.metrics[f"test_cost/{arch}/{size}"] = float(test_cost[i])
                out.metrics[f"best_dev_cost/{arch}/{size}"] = float(run.best_dev_cost[i])
    return outcomes


def serial_vs_echelon(chain: SerialChain, training: TrainingSettings, seeds: Sequence[int], seeder: Seeder,
                      search_seed: int = 0) -> list[SeedOutcome]:
    """HDPO MLP per seed vs the echelon-stock levels found by Nelder–Mead on paths of their own (stream
    "echelon_search" of ``search_seed``: the same levels for every seed), both scored on the seed's test paths."""
    locations = len(chain.lead_times)

    def rollout(policy: nn.Module, batch: Data) -> torch.Tensor:
        return simulate_serial(policy, batch["demand"], [batch[f"state{k}"] for k in range(locations)],
                               chain.holding_costs, chain.underage_cost)

    search = search_echelon_stock(chain.demand(), chain.holding_costs, chain.underage_cost, chain.lead_times,
                                  seeder(search_seed, "echelon_search"), scenarios=chain.search_scenarios,
                                  periods=ECHELON_SEARCH_PERIODS)
    train, dev, test = _splits(lambda purpose, n, t: serial_scenarios(
        chain.mean, chain.std, chain.lead_times, [seeder(s, purpose) for s in seeds], n, t), training)
    init = [seeder(s, "init") for s in seeds]
    policy = SerialMLPPolicy(init, chain.lead_times, training.hidden, chain.mean)
    run = train_hdpo(policy, rollout, train, dev, init, training.epochs, training.batch_size, training.lr,
                     training.dev_warmup, training.eval_every)
    test_cost = evaluate(policy, rollout, test, training.test_warmup)
    echelon = EchelonStockPolicy(torch.tensor(search.levels)[None].expand(len(seeds), -1))
    echelon_cost = evaluate(echelon, rollout, test, training.test_warmup)
    return [SeedOutcome({"test_cost/hdpo": float(test_cost[i]), "test_cost/echelon": float(echelon_cost[i]),
                         "gap": float(test_cost[i] / echelon_cost[i]) - 1, "echelon_search_cost": search.cost,
                         "echelon_evaluations": float(search.evaluations),
                         **{f"echelon_level/{k}": v for k, v in enumerate(search.levels)}},
                        {"dev_cost": run.dev_cost[:, i].tolist(), "epochs": [float(e) for e in run.epochs]})
            for i in range(len(seeds))]
