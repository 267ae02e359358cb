"""References computed independently of the learners.

- ``backlog_base_stock_optimum``: single store, backlogged, i.i.d. Normal(μ, σ) demand. With the simulator's
  timing an order covers L + 1 periods of demand, so S* = (L+1)μ + z·σ√(L+1), z = Φ⁻¹(p/(p+h)), and the
  optimal cost per period is (h + p)·σ_L·φ(z), σ_L = σ√(L+1) (newsvendor on lead-time demand; the clipping of
  the normal at 0 is ignored — negligible for μ/σ >= 3).
- ``search_capped_base_stock``: best (S, c) of q = min((S − IP)⁺, c) (c = ∞ gives plain base-stock) over an
  integer grid, each candidate scored on the same long demand paths (common random numbers, no gradients).
- ``search_echelon_stock``: best echelon base-stock levels of a serial chain by Nelder–Mead on the cost of a
  fixed set of demand paths (common random numbers, derivative-free).
The DP for lost sales is in ``dp.py``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import optimize, stats

from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.policies import CappedBaseStockPolicy, EchelonStockPolicy
from mdps.inventory.simulator import simulate_serial, simulate_stores
from mdps.inventory.validation import check_costs, check_lead_time


@dataclass(frozen=True)
class BaseStockOptimum:
    level: float
    cost: float


def backlog_base_stock_optimum(mean: float, std: float, holding: float, underage: float,
                               lead_time: int) -> BaseStockOptimum:
    """Closed-form optimal base-stock level and cost per period (see the module docstring)."""
    check_costs(holding, underage)
    lead_time = check_lead_time("lead_time", lead_time)
    if not mean > 0 or not std > 0:
        raise ValueError(f"normal demand needs mean > 0 and std > 0, got mean={mean}, std={std}")
    z = stats.norm.ppf(underage / (underage + holding))
    sigma = std * math.sqrt(lead_time + 1)
    return BaseStockOptimum((lead_time + 1) * mean + z * sigma, (holding + underage) * sigma * stats.norm.pdf(z))


@dataclass(frozen=True)
class CappedSearch:
    best_level: float
    best_cap: float
    best_cost: float
    base_stock_level: float
    base_stock_cost: float


def _capped_costs(levels: np.ndarray, caps: np.ndarray, demand: DemandSpec, holding: float, underage: float,
                  lead_time: int, lost_sales: bool, generator: torch.Generator, scenarios: int, periods: int,
                  warmup: int, round_orders: bool) -> np.ndarray:
    """Average cost per period of each (S, c) pair, all simulated at once on the same demand paths."""
    mean = demand.means(1).item()
    m = levels.size
    paths = sample_demand(demand, scenarios, 1, periods, generator)
    start = torch.rand(scenarios, 1, lead_time, generator=generator) * mean
    if round_orders:
        start = start.round()
    policy = CappedBaseStockPolicy(torch.tensor(levels)[:, None], torch.tensor(caps)[:, None])
    with torch.no_grad():
        costs = simulate_stores(policy, paths.expand(m, -1, -1, -1), start.expand(m, -1, -1, -1),
                                torch.tensor(holding), torch.tensor(underage), lost_sales, round_orders)
    return costs[..., warmup:].mean(dim=(1, 2)).numpy()


def search_capped_base_stock(demand: DemandSpec, holding: float, underage: float, lead_time: int,
                             lost_sales: bool, generator: torch.Generator, scenarios: int = 128,
                             periods: int = 400, warmup: int = 100, round_orders: bool = True,
                             final_scenarios: int = 512, final_periods: int = 1000) -> CappedSearch:
    """Grid search over integer S and c (c = ∞ included) on shared paths; the two winners (best capped, best
    plain base-stock) are then re-scored on fresh, longer paths so their costs are not biased by the search."""
    check_costs(holding, underage)
    lead_time = check_lead_time("lead_time", lead_time)
    mean = demand.means(1).item()
    centre = (lead_time + 1) * mean
    levels = np.arange(max(1, int(centre) - 2), int(centre + 3 * math.sqrt(centre)) + 3, dtype=float)
    caps = np.concatenate([np.arange(max(1, int(mean) - 1), int(mean + 3 * math.sqrt(mean)) + 2), [np.inf]])
    grid_s, grid_c = (g.ravel() for g in np.meshgrid(levels, caps, indexing="ij"))
    avg = _capped_costs(grid_s, grid_c, demand, holding, underage, lead_time, lost_sales, generator,
                        scenarios, periods, warmup, round_orders)
    best = int(np.argmin(avg))
    plain = np.flatnonzero(np.isinf(grid_c))
    best_plain = int(plain[np.argmin(avg[plain])])
    final = _capped_costs(np.array([grid_s[best], grid_s[best_plain]]), np.array([grid_c[best], np.inf]), demand,
                          holding, underage, lead_time, lost_sales, generator, final_scenarios, final_periods,
                          warmup, round_orders)
    return CappedSearch(float(grid_s[best]), float(grid_c[best]), float(final[0]),
                        float(grid_s[best_plain]), float(final[1]))


@dataclass(frozen=True)
class EchelonSearch:
    levels: tuple[float, ...]
    cost: float
    evaluations: int


def serial_rollout_cost(levels: np.ndarray, demand: torch.Tensor, starts: Sequence[torch.Tensor],
                        holding: Sequence[float], underage: float, warmup: int) -> np.ndarray:
    """Average cost per period of echelon-stock levels (K,) or (M, K) on fixed paths demand (B, T)."""
    lv = torch.as_tensor(np.atleast_2d(levels), dtype=torch.float32)
    m = lv.shape[0]
    policy = EchelonStockPolicy(lv)
    with torch.no_grad():
        costs = simulate_serial(policy, demand.expand(m, -1, -1), [s.expand(m, -1, -1) for s in starts],
                                holding, underage)
    return costs[..., warmup:].mean(dim=(1, 2)).numpy()


def search_echelon_stock(demand: DemandSpec, holding: Sequence[float], underage: float, lead_times: Sequence[int],
                         generator: torch.Generator, scenarios: int = 512, periods: int = 400,
                         warmup: int = 100) -> EchelonSearch:
    """Best echelon base-stock levels (upstream → store) by Nelder–Mead on common random numbers, started from
    the newsvendor levels on each echelon's cumulative lead time."""
    check_costs(min(holding), underage)
    lead_times = [check_lead_time("lead_time", lt) for lt in lead_times]
    mean, std = demand.means(1).item(), demand.stds(1).item()
    paths = sample_demand(demand, scenarios, 1, periods, generator)[:, 0]
    starts = [torch.rand(scenarios, lt, generator=generator) * mean for lt in lead_times]
    z = stats.norm.ppf(underage / (underage + holding[-1]))
    cumulative = np.cumsum(np.asarray(lead_times)[::-1])[::-1]
    x0 = (cumulative + 1) * mean + z * std * np.sqrt(cumulative + 1)
    evaluations = 0

    def objective(levels: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        return float(serial_rollout_cost(levels, paths, starts, holding, underage, warmup)[0])

    result = optimize.minimize(objective, x0, method="Nelder-Mead",
                               options={"xatol": 0.05, "fatol": 1e-4, "maxfev": 400, "initial_simplex": None})
    return EchelonSearch(tuple(float(v) for v in result.x), float(result.fun), evaluations)
