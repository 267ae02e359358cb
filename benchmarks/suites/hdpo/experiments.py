"""HDPO experiments: config dataclasses (the knobs and their defaults) and run functions.

Every model = one seed × one instance; the models of a study train together, batched. The pipelines are in
``mdps.inventory.pipelines``; each run function hands them the seeds and ``benchmarks.seeding.torch_generator``,
from which every model draws its streams ("train/L4_p9", "init", "dev", "test", "reinforce_noise", ...).
- ``hdpo/backlog``: single store, backlogged, Normal(5, 1.6); HDPO MLP vs the closed-form base-stock optimum.
- ``hdpo/lost_sales``: single store, lost sales, Poisson(5), p ∈ {4, 9, 19, 39}, L ∈ {1, …, 4}; HDPO MLP.
- ``hdpo/lost_sales_reference``: the DP optimum (relative value iteration) and best (capped) base-stock.
- ``hdpo/reinforce``: HDPO vs REINFORCE (same network, data, minibatches and simulated periods).
- ``hdpo/gnn``: one warehouse, 5 stores, lost demand; GNN vs MLP trained on few / many scenarios.
- ``hdpo/serial``: a 4-location serial chain; HDPO MLP vs the best echelon-stock policy (search).
The Favorita real-data experiments are not reproduced (the data set is not available here).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from benchmarks.registry import Experiment, Result
from benchmarks.seeding import torch_generator
from benchmarks.suites.hdpo.budgets import BUDGETS
from mdps.inventory.pipelines import (
    SeedOutcome,
    gnn_vs_mlp,
    hdpo_vs_reinforce,
    lost_sales_references,
    serial_vs_echelon,
    single_store_grid,
)
from mdps.inventory.settings import (
    BacklogStore,
    FromFields,
    LostSalesGrid,
    SerialChain,
    StoreGrid,
    TrainingSettings,
    WarehouseStudy,
)


class CheckedBySettings:
    """A config whose ``__post_init__`` builds each of its ``SETTINGS`` from its fields (each validates them once)."""

    SETTINGS: ClassVar[tuple[type[FromFields], ...]] = ()

    def __post_init__(self) -> None:
        for settings in self.SETTINGS:
            settings.of(self)


@dataclass(frozen=True)
class EvaluationFields(CheckedBySettings):
    """Dev and test evaluation (``EvaluationSettings``): the defaults every study shares unless it redeclares one."""

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
    """Epochs between dev evaluations (the learning curves)."""
    plateau_window: int = 4
    """Training stops when the best dev cost improved by at most ``plateau_tolerance`` over this many checkpoints
    (or at the epoch cap)."""
    plateau_tolerance: float = 0.001
    """Relative improvement of the best dev cost that counts as a plateau."""


@dataclass(frozen=True)
class TrainingFields(EvaluationFields):
    """HDPO training by epochs over a fixed scenario set (``TrainingSettings``), with its evaluation."""

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


@dataclass(frozen=True)
class SingleStoreConfig(TrainingFields):
    """Single store (backlogged or lost sales), one MLP per seed × instance trained by HDPO."""

    SETTINGS = (TrainingSettings, StoreGrid)

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


@dataclass(frozen=True)
class LostSalesReferenceConfig(CheckedBySettings):
    """DP optimum and best (capped) base-stock per lost-sales instance (independent of the learners)."""

    SETTINGS = (LostSalesGrid,)

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


@dataclass(frozen=True)
class ReinforceConfig(TrainingFields):
    """HDPO vs REINFORCE on the backlogged single store (same network, data, minibatches, periods, epochs, lr)."""

    SETTINGS = (TrainingSettings, BacklogStore)

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
    initial_log_std: float = -1.0
    """REINFORCE: initial log σ of the Gaussian pre-activation."""


@dataclass(frozen=True)
class GNNConfig(EvaluationFields):
    """One warehouse, S stores, lost demand (the official ``one_warehouse_lost_demand`` instance family)."""

    SETTINGS = (WarehouseStudy,)

    stores: int = 5
    """Number of stores."""
    small_sizes: tuple[int, ...] = (16, 256)
    """Training-set sizes where data efficiency is tested."""
    reference_size: int = 1024
    """The large training set (paper: 8,192)."""
    steps: int = 400
    """Most Adam steps for every size (each model stops earlier when its dev cost has plateaued)."""
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
    test_periods: int = 300
    """Test horizon."""
    eval_every: int = 20
    """Adam steps between dev evaluations (rounded to whole epochs; the plateau rule counts these)."""


@dataclass(frozen=True)
class SerialConfig(TrainingFields):
    """Serial chain, upstream → store (the official ``serial_system``): backlogged, Normal(5, 2)."""

    SETTINGS = (TrainingSettings, SerialChain)

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
    periods: int = 60
    """Training horizon."""
    epochs: int = 60
    """Passes over the data."""
    hidden: tuple[int, ...] = (64, 64)
    """MLP hidden layers."""
    dev_periods: int = 120
    """Dev horizon."""
    test_periods: int = 500
    """Test horizon."""
    test_warmup: int = 150
    """Test warm-up."""
    search_scenarios: int = 256
    """Scenarios of the echelon-stock search (independent paths)."""


# ------------------------------------------------------------------------------------------------ runs
def _results(outcomes: Sequence[SeedOutcome]) -> list[Result]:
    return [Result(o.metrics, o.series) for o in outcomes]


def run_single_store(config: SingleStoreConfig, seeds: Sequence[int]) -> list[Result]:
    """Per lead time: seeds × p MLPs trained by HDPO; test cost (and, backlogged, the learned level)."""
    return _results(single_store_grid(StoreGrid.of(config), TrainingSettings.of(config), seeds, torch_generator))


def run_lost_sales_reference(config: LostSalesReferenceConfig, seeds: Sequence[int]) -> list[Result]:
    """The DP optimum (solved once per task) and, per seed, the capped base-stock search on its own paths."""
    return _results(lost_sales_references(LostSalesGrid.of(config), seeds, torch_generator))


def run_reinforce(config: ReinforceConfig, seeds: Sequence[int]) -> list[Result]:
    """HDPO and REINFORCE from the same initial network on the same data."""
    return _results(hdpo_vs_reinforce(BacklogStore.of(config), TrainingSettings.of(config), seeds, torch_generator))


def run_gnn(config: GNNConfig, seeds: Sequence[int]) -> list[Result]:
    """GNN and MLP at each training-set size, one warehouse network per seed."""
    return _results(gnn_vs_mlp(WarehouseStudy.of(config), seeds, torch_generator))


def run_serial(config: SerialConfig, seeds: Sequence[int]) -> list[Result]:
    """HDPO MLP vs the best echelon-stock policy on each seed's test paths."""
    return _results(serial_vs_echelon(SerialChain.of(config), TrainingSettings.of(config), seeds, torch_generator))


BATCHED_FLOAT32_RTOL = 1e-6
"""Seed isolation tolerance of the experiments whose models end in one output per store: torch.bmm of a batch of
one model takes a matrix-vector kernel whose float32 rounding differs from the batched one (~1e-7 relative), so
a seed run alone and the same seed batched with others agree to ~1e-7, not bit for bit."""


SEEDS_PER_TASK = 8
"""Seeds batched into one task (their models train together)."""


def _experiment(name: str, config_cls: type, run, description: str,
                seed_isolation_rtol: float = BATCHED_FLOAT32_RTOL) -> Experiment:
    return Experiment(name=name, config_cls=config_cls, run=run, description=description, budgets=BUDGETS[name],
                      seeds_per_task=SEEDS_PER_TASK, seed_isolation_rtol=seed_isolation_rtol)


EXPERIMENTS = (
    _experiment("hdpo/backlog", SingleStoreConfig, run_single_store,
                "Single store, backlogged, Normal(5, 1.6): HDPO MLP vs the closed-form base-stock optimum"),
    _experiment("hdpo/lost_sales", SingleStoreConfig, run_single_store,
                "Single store, lost sales, Poisson(5), p × L grid: HDPO MLP (orders rounded at test)"),
    _experiment("hdpo/lost_sales_reference", LostSalesReferenceConfig, run_lost_sales_reference,
                "Exact DP optimum and best (capped) base-stock by search for the lost-sales grid",
                seed_isolation_rtol=0.0),
    _experiment("hdpo/reinforce", ReinforceConfig, run_reinforce,
                "Backlogged store (p=9, L=4): HDPO vs REINFORCE at equal simulated periods"),
    _experiment("hdpo/gnn", GNNConfig, run_gnn,
                "One warehouse, 5 stores, lost demand: GNN vs MLP trained on 16 … 8,192 scenarios"),
    _experiment("hdpo/serial", SerialConfig, run_serial,
                "4-location serial chain: HDPO MLP vs the best echelon-stock policy", seed_isolation_rtol=0.0),
)
