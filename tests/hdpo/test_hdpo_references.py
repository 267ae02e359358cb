"""Exact references: the lost-sales DP table (Zipkin 2008, the spec) and the backlog closed form; bad inputs."""
from __future__ import annotations

import pytest
import torch

from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.dp import lost_sales_optimal_cost
from mdps.inventory.policies import BaseStockPolicy
from mdps.inventory.simulator import simulate_stores
from mdps.inventory.solvers import backlog_base_stock_optimum, search_capped_base_stock

TABLE = {1: (4.041, 5.438, 6.676, 7.836), 2: (4.395, 6.094, 7.664, 9.106),
         3: (4.599, 6.531, 8.363, 10.039), 4: (4.729, 6.836, 8.887, 10.794)}
CASES = [(lt, p, TABLE[lt][i]) for lt in (1, 2, 3) for i, p in enumerate((4, 9, 19, 39))] + [(4, 9, 6.836)]


@pytest.mark.parametrize("lead_time,underage,expected", CASES)
def test_lost_sales_dp_reproduces_table(lead_time, underage, expected):
    solution = lost_sales_optimal_cost(5.0, 1.0, underage, lead_time)
    # agrees with the published 3 decimals (L=3, p=39: ours 10.03848 vs 10.039, 5.2e-4 off; larger grids agree)
    assert abs(solution.average_cost - expected) <= 6e-4
    assert solution.upper - solution.lower < 1e-5
    assert not solution.order_bound_hit


def test_backlog_closed_form_matches_spec_and_simulation():
    opt = backlog_base_stock_optimum(5.0, 1.6, 1.0, 9.0, 4)
    assert opt.level == pytest.approx(29.59, abs=0.01) and opt.cost == pytest.approx(6.279, abs=1e-3)
    g = torch.Generator().manual_seed(0)
    demand = sample_demand(DemandSpec(), 2000, 1, 300, g)[None]
    state = torch.full((1, 2000, 1, 4), 5.0)
    costs = simulate_stores(BaseStockPolicy(torch.tensor([[opt.level]])), demand, state, torch.tensor(1.0),
                            torch.tensor(9.0), False)
    assert costs[..., 50:].mean().item() == pytest.approx(opt.cost, rel=0.01)


def test_capped_base_stock_search_lies_between_dp_and_base_stock():
    dp = lost_sales_optimal_cost(5.0, 1.0, 9.0, 1).average_cost
    found = search_capped_base_stock(DemandSpec("poisson", (5.0,), (0.0,)), 1.0, 9.0, 1, True,
                                     torch.Generator().manual_seed(1), scenarios=64, periods=300,
                                     final_scenarios=256, final_periods=600)
    assert dp * 0.99 < found.best_cost <= found.base_stock_cost * 1.01
    assert found.best_cost / dp - 1 < 0.03


@pytest.mark.parametrize("call", [
    lambda: lost_sales_optimal_cost(5.0, 1.0, 9.0, -1),
    lambda: lost_sales_optimal_cost(5.0, 1.0, 0.0, 2),
    lambda: lost_sales_optimal_cost(5.0, -1.0, 9.0, 2),
    lambda: lost_sales_optimal_cost(-5.0, 1.0, 9.0, 2),
    lambda: backlog_base_stock_optimum(5.0, 1.6, 1.0, -9.0, 4),
    lambda: backlog_base_stock_optimum(5.0, 1.6, 1.0, 9.0, -4),
    lambda: DemandSpec("normal", (5.0,), (-1.0,)),
    lambda: DemandSpec("normal", (0.0,), (1.0,)),
    lambda: DemandSpec("normal", (5.0,), (1.0,), correlation=1.5),
    lambda: DemandSpec("gamma", (5.0,), (1.0,)),
    lambda: sample_demand(DemandSpec("normal", (5.0,), (1.0,), correlation=-0.9), 4, 5, 3, torch.Generator()),
])
def test_bad_inputs_raise_clear_errors(call):
    with pytest.raises(ValueError):
        call()


def test_bad_config_values_raise():
    from benchmarks.suites.hdpo.experiments import GNNConfig, SerialConfig, SingleStoreConfig
    with pytest.raises(ValueError, match="lead_time"):
        SingleStoreConfig(lead_times=(-1,))
    with pytest.raises(ValueError, match="underage"):
        SingleStoreConfig(underage_costs=(0.0,))
    with pytest.raises(ValueError, match="holding"):
        SingleStoreConfig(holding_cost=-1.0)
    with pytest.raises(ValueError, match="std"):
        SingleStoreConfig(std=-0.5)
    with pytest.raises(ValueError):
        GNNConfig(correlation=-0.9)
    with pytest.raises(ValueError):
        SerialConfig(lead_times=(2, 3), holding_costs=(0.1,))
