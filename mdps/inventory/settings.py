"""What each inventory study needs to run, validated once (one-line ValueErrors naming the bad value).

These carry no defaults: a caller (e.g. a benchmark config) owns the defaults and builds the settings with
``Settings.of(config)``, which reads the fields this class names off any object that has them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

from mdps.inventory.demand import DemandSpec
from mdps.inventory.plateau import PlateauRule
from mdps.inventory.validation import check_costs, check_lead_time, check_positive_int

S = TypeVar("S", bound="FromFields")


class FromFields:
    """``of(source)``: build the settings from the like-named attributes of ``source``."""

    @classmethod
    def of(cls: type[S], source: Any) -> S:
        return cls(**{f.name: getattr(source, f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class EvaluationSettings(FromFields):
    """Dev (model selection every ``eval_every`` epochs) and test evaluation: scenario counts and horizons whose
    first ``*_warmup`` periods are not scored; training stops when the dev cost has plateaued (``PlateauRule``:
    best dev cost improved by at most ``plateau_tolerance`` over ``plateau_window`` checkpoints)."""

    dev_scenarios: int
    dev_periods: int
    dev_warmup: int
    test_scenarios: int
    test_periods: int
    test_warmup: int
    eval_every: int
    plateau_window: int
    plateau_tolerance: float

    def __post_init__(self) -> None:
        for name in ("dev_scenarios", "dev_periods", "test_scenarios", "test_periods", "eval_every"):
            check_positive_int(name, getattr(self, name))
        self.plateau_rule()
        if not 0 <= self.dev_warmup < self.dev_periods or not 0 <= self.test_warmup < self.test_periods:
            raise ValueError(f"warm-up must be shorter than the horizon, got dev {self.dev_warmup}/"
                             f"{self.dev_periods}, test {self.test_warmup}/{self.test_periods}")

    def plateau_rule(self) -> PlateauRule:
        return PlateauRule(self.plateau_window, self.plateau_tolerance)


@dataclass(frozen=True)
class TrainingSettings(EvaluationSettings):
    """HDPO training and evaluation: scenario counts, horizons (with unscored warm-up), Adam, the MLP."""

    train_scenarios: int
    batch_size: int
    periods: int
    epochs: int
    lr: float
    hidden: tuple[int, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("train_scenarios", "batch_size", "periods", "epochs"):
            check_positive_int(name, getattr(self, name))
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")


@dataclass(frozen=True)
class StoreGrid(FromFields):
    """Single stores on a p × L grid: backlogged with Normal(μ, σ) demand, or lost sales with Poisson(μ)."""

    lost_sales: bool
    underage_costs: tuple[float, ...]
    lead_times: tuple[int, ...]
    holding_cost: float
    mean: float
    std: float

    def __post_init__(self) -> None:
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


@dataclass(frozen=True)
class LostSalesGrid(FromFields):
    """Lost-sales references on a p × L grid, Poisson(μ): the DP optimum and the best (capped) base-stock."""

    underage_costs: tuple[float, ...]
    lead_times: tuple[int, ...]
    holding_cost: float
    mean: float
    dp_tolerance: float
    search_scenarios: int
    search_periods: int

    def __post_init__(self) -> None:
        for p in self.underage_costs:
            check_costs(self.holding_cost, p)
        for lt in self.lead_times:
            check_lead_time("lead_time", lt)
        self.demand()
        if not self.dp_tolerance > 0:
            raise ValueError(f"dp_tolerance must be > 0, got {self.dp_tolerance}")
        check_positive_int("search_scenarios", self.search_scenarios)
        if self.search_periods <= 100:
            raise ValueError(f"search_periods must exceed the 100 warm-up periods, got {self.search_periods}")

    def demand(self) -> DemandSpec:
        return DemandSpec("poisson", (self.mean,), (0.0,))


@dataclass(frozen=True)
class BacklogStore(FromFields):
    """One backlogged store with Normal(μ, σ) demand; REINFORCE's Gaussian starts at log σ = initial_log_std."""

    underage_cost: float
    lead_time: int
    holding_cost: float
    mean: float
    std: float
    initial_log_std: float

    def __post_init__(self) -> None:
        check_costs(self.holding_cost, self.underage_cost)
        check_lead_time("lead_time", self.lead_time)
        self.demand()

    def demand(self) -> DemandSpec:
        return DemandSpec("normal", (self.mean,), (self.std,))


@dataclass(frozen=True)
class WarehouseStudy(EvaluationSettings):
    """One warehouse, S stores, lost demand: GNN and MLP trained on several set sizes to a plateau, at most
    ``steps`` Adam steps, the dev cost measured every ``eval_every`` steps (rounded to whole epochs)."""

    stores: int
    small_sizes: tuple[int, ...]
    reference_size: int
    steps: int
    batch_size: int
    periods: int
    lr: float
    hidden: tuple[int, ...]
    gnn_hidden: int
    correlation: float
    warehouse_holding: float
    warehouse_lead_time: int

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("stores", "reference_size", "steps", "batch_size", "periods", "gnn_hidden"):
            check_positive_int(name, getattr(self, name))
        if not self.small_sizes or min(self.small_sizes) < 1:
            raise ValueError(f"small_sizes must be positive, got {self.small_sizes}")
        check_lead_time("warehouse_lead_time", self.warehouse_lead_time)
        if not self.warehouse_holding >= 0 or not self.lr > 0:
            raise ValueError(f"warehouse_holding must be >= 0 and lr > 0, got {self.warehouse_holding}, {self.lr}")
        if not -1.0 / max(self.stores - 1, 1) <= self.correlation <= 1.0:
            raise ValueError(f"correlation {self.correlation} is invalid for {self.stores} stores")


@dataclass(frozen=True)
class SerialChain(FromFields):
    """A serial chain upstream → store, backlogged at the store, Normal(μ, σ) demand."""

    lead_times: tuple[int, ...]
    holding_costs: tuple[float, ...]
    underage_cost: float
    mean: float
    std: float
    search_scenarios: int

    def __post_init__(self) -> None:
        if len(self.lead_times) != len(self.holding_costs) or len(self.lead_times) < 2:
            raise ValueError(f"need >= 2 locations with one lead time and holding cost each, got "
                             f"{self.lead_times} and {self.holding_costs}")
        for lt in self.lead_times:
            check_lead_time("lead_time", lt)
        for h in self.holding_costs:
            check_costs(h, self.underage_cost)
        self.demand()
        check_positive_int("search_scenarios", self.search_scenarios)

    def demand(self) -> DemandSpec:
        return DemandSpec("normal", (self.mean,), (self.std,))
