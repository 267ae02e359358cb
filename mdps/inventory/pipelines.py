"""The HDPO studies end to end: scenario sets → models trained together → test costs and references per seed.

Every model draws from its own generators, made by ``seeder(seed, stream)`` with the stream named after what it
feeds ("train/L4_p9", "init", "dev", ...): a seed's numbers never depend on which seeds share its batch (up to
float32 reductions over the batch of models, ~1e-7 relative). Each study returns one ``SeedOutcome`` per seed,
in the order of ``seeds``. Every training run stops on its plateau rule or its epoch cap (``record_training``
reports which, per model).

- ``single_store_grid``: per lead time, seeds × p MLPs trained by HDPO (§5.1); test cost beside the optimal
  policy's on the same test paths (backlog: closed-form base-stock; lost sales: the DP's policy and the best capped
  base-stock), the optimum's independently known cost (closed form / DP: checks of the simulator) and, backlogged,
  the learned level.
- ``lost_sales_references``: the DP optimum (relative value iteration) and the best (capped) base-stock.
- ``hdpo_vs_reinforce``: the same network, data, minibatches and simulated periods trained by HDPO's pathwise
  gradient and by REINFORCE (§6).
- ``gnn_vs_mlp``: one warehouse and S stores; GNN and MLP trained to a plateau (Adam steps capped) on several
  set sizes (§7).
- ``serial_vs_echelon``: a serial chain; HDPO MLP vs the best echelon-stock policy on the same test paths (§5.2).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from mdps.inventory.dp import lost_sales_optimal_cost, stacked_policies
from mdps.inventory.gnn import WarehouseGNNPolicy
from mdps.inventory.hdpo import Data, Rollout, TrainingRun, evaluate, evaluate_per_scenario, train_hdpo
from mdps.inventory.levels import OrderRecorder, order_up_to_levels
from mdps.inventory.policies import (
    BaseStockPolicy,
    CappedBaseStockPolicy,
    EchelonStockPolicy,
    SerialMLPPolicy,
    StoreMLPPolicy,
    TablePolicy,
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
from mdps.inventory.solvers import (
    CappedSearch,
    backlog_base_stock_optimum,
    search_capped_base_stock,
    search_echelon_stock,
)
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


def record_training(out: SeedOutcome, run: TrainingRun, model: int, key: str) -> None:
    """Model ``model``'s learning curve (series ``dev_cost/{key}``, ``epochs/{key}``) and when it stopped
    (metrics ``stop_epoch/{key}``, ``plateaued/{key}``: 1 if the plateau rule triggered, 0 at the epoch cap)."""
    out.series[f"dev_cost/{key}"] = run.curve(model)
    out.series[f"epochs/{key}"] = run.checkpoints(model, run.epochs)
    out.metrics[f"stop_epoch/{key}"] = run.stop_epoch(model)
    out.metrics[f"plateaued/{key}"] = float(run.plateaued[model])


def _reference_policy(grid: StoreGrid, lead_time: int, ps: Sequence[float], pairs: Sequence[tuple[int, int]]
                      ) -> tuple[nn.Module, list[dict[str, float]]]:
    """The optimal policy of each model's instance and what is known of it independently of the simulator:
    backlog, the closed-form base-stock level and cost; lost sales, the DP's table and average cost."""
    if not grid.lost_sales:
        optima = [backlog_base_stock_optimum(grid.mean, grid.std, grid.holding_cost, p, lead_time) for p in ps]
        policy = BaseStockPolicy(torch.tensor([optima[j].level for _, j in pairs])[:, None])
        return policy, [{"closed_form_cost": o.cost, "closed_form_level": o.level} for o in optima]
    solutions = [lost_sales_optimal_cost(grid.mean, grid.holding_cost, p, lead_time) for p in ps]
    tables = torch.from_numpy(stacked_policies(solutions))
    policy = TablePolicy(tables[[j for _, j in pairs]])
    return policy, [{"dp_cost": s.average_cost, "dp_bound_hit": float(s.order_bound_hit)} for s in solutions]


def single_store_grid(grid: StoreGrid, training: TrainingSettings, seeds: Sequence[int], seeder: Seeder
                      ) -> list[SeedOutcome]:
    """Per lead time: M = seeds × p models trained by HDPO to a plateau; each model's test cost and the optimal
    policy's on the same test paths (backlog: the closed-form base-stock policy; lost sales: the DP's policy) with
    its standard error over the independent test scenarios, their ratio − 1 (``gap``), what the optimum is known
    to cost independently (closed form / DP) and, backlogged, the learned base-stock level."""
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
                         training.epochs, training.batch_size, training.lr, training.dev_warmup, training.eval_every,
                         plateau=training.plateau_rule())
        recorder = OrderRecorder(policy)
        test_rollout = store_rollout(holding, underage, grid.lost_sales, round_orders=grid.lost_sales)
        test_cost = evaluate(recorder, test_rollout, test, training.test_warmup)
        reference, known = _reference_policy(grid, lead_time, ps, pairs)
        per_scenario = evaluate_per_scenario(reference, test_rollout, test, training.test_warmup)
        reference_cost = per_scenario.mean(dim=1)
        reference_se = per_scenario.std(dim=1) / math.sqrt(per_scenario.shape[1])
        levels = None if grid.lost_sales else order_up_to_levels(recorder, training.test_warmup)
        capped = capped_search_policy(grid, lead_time, ps, pairs, seeder) if grid.lost_sales else None
        capped_cost = None if capped is None else evaluate(capped[0], test_rollout, test, training.test_warmup)
        for k, (seed, j) in enumerate(pairs):
            out = outcomes[seeds.index(seed)]
            key = f"L{lead_time}_p{ps[j]:g}"
            record_training(out, run, k, key)
            out.metrics.update({f"{name}/{key}": value for name, value in known[j].items()})
            out.metrics[f"test_cost/{key}"] = float(test_cost[k])
            out.metrics[f"optimal_policy_test_cost/{key}"] = float(reference_cost[k])
            out.metrics[f"optimal_policy_test_cost_se/{key}"] = float(reference_se[k])
            out.metrics[f"gap/{key}"] = float(test_cost[k] / reference_cost[k]) - 1
            out.metrics[f"best_dev_cost/{key}"] = float(run.best_dev_cost[k])
            if levels is not None:
                out.metrics[f"learned_level/{key}"] = float(levels[k])
            if capped is not None:
                out.metrics.update({f"capped_policy_test_cost/{key}": float(capped_cost[k]),
                                    f"capped_policy_level/{key}": capped[1][k].best_level,
                                    f"capped_policy_cap/{key}": capped[1][k].best_cap})
    return outcomes


CAPPED_SEARCH_SCENARIOS = 256
"""Scenarios of the capped base-stock grid search run inside the lost-sales study (400 periods, 100 warm-up):
the ``decide`` setting of ``lost_sales_references``, so both find the same (S, c) from the same stream."""


def capped_search_policy(grid: StoreGrid, lead_time: int, ps: Sequence[float], pairs: Sequence[tuple[int, int]],
                         seeder: Seeder) -> tuple[CappedBaseStockPolicy, list[CappedSearch]]:
    """Per model (seed s, p_j): the best capped base-stock (S, c), q = min((S − IP)⁺, c), found by grid search on
    the seed's own paths (stream "capped_search/L{L}_p{p}", the one ``lost_sales_references`` uses), as one
    batched policy that can run on HDPO's test paths."""
    searches = [search_capped_base_stock(grid.demand(), grid.holding_cost, ps[j], lead_time, True,
                                         seeder(s, f"capped_search/L{lead_time}_p{ps[j]:g}"), CAPPED_SEARCH_SCENARIOS)
                for s, j in pairs]
    policy = CappedBaseStockPolicy(torch.tensor([[c.best_level] for c in searches]),
                                   torch.tensor([[c.best_cap] for c in searches]))
    return policy, searches


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
    REINFORCE's action noise comes from the stream "reinforce_noise". HDPO stops on its plateau rule, REINFORCE
    runs to the epoch cap (so it never gets fewer simulated periods than HDPO). Gaps (final test and dev curves)
    are to the optimal base-stock policy on the same paths."""
    optimum = backlog_base_stock_optimum(store.mean, store.std, store.holding_cost, store.underage_cost,
                                         store.lead_time)
    m = len(seeds)
    train, dev, test = _splits(lambda purpose, n, t: store_scenarios(
        store.demand(), [seeder(s, purpose) for s in seeds], n, t, store.lead_time, False), training)
    rollout = store_rollout(torch.tensor(store.holding_cost), torch.tensor(store.underage_cost), False)
    star = BaseStockPolicy(torch.full((m, 1), optimum.level))
    star_dev = evaluate(star, rollout, dev, training.dev_warmup)
    star_test = evaluate(star, rollout, test, training.test_warmup)
    outcomes = [SeedOutcome({"closed_form_cost": optimum.cost, "optimal_policy_test_cost": float(star_test[i])})
                for i in range(m)]
    for method in ("hdpo", "reinforce"):
        init = [seeder(s, "init") for s in seeds]
        policy = StoreMLPPolicy(init, 1, store.lead_time, training.hidden, torch.full((m, 1), store.mean))
        loss_fn, plateau = None, training.plateau_rule()
        if method == "reinforce":
            policy = GaussianStorePolicy(policy, m, 1, store.initial_log_std)
            noise = [seeder(s, "reinforce_noise") for s in seeds]
            loss_fn = lambda pol, batch: reinforce_loss(pol, rollout, batch, noise)  # noqa: E731
            plateau = None
        run = train_hdpo(policy, rollout, train, dev, init, training.epochs, training.batch_size, training.lr,
                         training.dev_warmup, training.eval_every, loss_fn=loss_fn, plateau=plateau)
        test_cost = evaluate(policy, rollout, test, training.test_warmup)
        for i, out in enumerate(outcomes):
            record_training(out, run, i, method)
            out.metrics[f"test_cost/{method}"] = float(test_cost[i])
            out.metrics[f"gap/{method}"] = float(test_cost[i] / star_test[i]) - 1
            out.series[f"dev_gap/{method}"] = [c / float(star_dev[i]) - 1 for c in run.curve(i)]
            out.series[f"simulated_periods/{method}"] = run.checkpoints(i, run.simulated_periods)
    return outcomes


def gnn_vs_mlp(study: WarehouseStudy, seeds: Sequence[int], seeder: Seeder) -> list[SeedOutcome]:
    """One network per seed (stream "instance"); at every training-set size n (streams "train/n{n}" and
    "init/n{n}", the same initial draws for both architectures) GNN and MLP train until their dev cost plateaus
    (at most ``steps`` Adam steps)."""
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
        batches = math.ceil(size / batch)
        epochs = math.ceil(study.steps / batches)
        for arch in ("gnn", "mlp"):
            init = [seeder(s, f"init/n{size}") for s in seeds]
            if arch == "gnn":
                policy = WarehouseGNNPolicy(init, STORE_SLOTS, study.warehouse_lead_time, features, scale,
                                            study.gnn_hidden)
            else:
                policy = WarehouseMLPPolicy(init, study.stores, STORE_SLOTS, study.warehouse_lead_time, study.hidden,
                                            scale)
            run = train_hdpo(policy, rollout, train, dev, init, epochs, batch, study.lr, study.dev_warmup,
                             max(1, round(study.eval_every / batches)), stores=study.stores,
                             plateau=study.plateau_rule())
            test_cost = evaluate(policy, rollout, test, study.test_warmup, stores=study.stores)
            for i, out in enumerate(outcomes):
                record_training(out, run, i, f"{arch}/{size}")
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
                     training.dev_warmup, training.eval_every, plateau=training.plateau_rule())
    test_cost = evaluate(policy, rollout, test, training.test_warmup)
    echelon = EchelonStockPolicy(torch.tensor(search.levels)[None].expand(len(seeds), -1))
    echelon_cost = evaluate(echelon, rollout, test, training.test_warmup)
    outcomes = [SeedOutcome({"test_cost/hdpo": float(test_cost[i]), "test_cost/echelon": float(echelon_cost[i]),
                             "gap": float(test_cost[i] / echelon_cost[i]) - 1, "echelon_search_cost": search.cost,
                             "echelon_evaluations": float(search.evaluations),
                             **{f"echelon_level/{k}": v for k, v in enumerate(search.levels)}})
                for i in range(len(seeds))]
    for i, out in enumerate(outcomes):
        record_training(out, run, i, "hdpo")
    return outcomes
