"""Training to a plateau (``PlateauRule`` in ``train_hdpo``) and the DP-optimal lost-sales policy as a table
policy the simulator can run (its simulated cost is the DP's average cost)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mdps.inventory.demand import DemandSpec
from mdps.inventory.dp import lost_sales_optimal_cost, stacked_policies
from mdps.inventory.hdpo import evaluate, train_hdpo
from mdps.inventory.pipelines import store_rollout
from mdps.inventory.plateau import PlateauRule
from mdps.inventory.policies import StoreMLPPolicy, TablePolicy
from mdps.inventory.scenarios import store_scenarios


def test_plateau_rule_looks_back_over_its_window():
    rule = PlateauRule(window=2, tolerance=0.01)
    best = torch.tensor([[10.0, 10.0], [9.0, 9.99], [8.0, 9.95]])
    assert rule.reached(best[:2]).tolist() == [False, False]  # too few checkpoints
    assert rule.reached(best).tolist() == [False, True]  # 20% vs 0.5% over two checkpoints
    for bad in ({"window": 0}, {"tolerance": -0.1}, {"tolerance": 1.0}):
        with pytest.raises(ValueError, match="plateau"):
            PlateauRule(**bad)


def _train(seeds: list[int], lr: float, plateau: PlateauRule | None, epochs: int = 12):
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    spec = DemandSpec("normal", (5.0,), (1.6,))
    train, dev = (store_scenarios(spec, gens, n, 20, 2, False) for n in (32, 16))
    policy = StoreMLPPolicy(gens, 1, 2, (8,), torch.full((len(seeds), 1), 5.0))
    rollout = store_rollout(torch.tensor(1.0), torch.tensor(9.0), False)
    return train_hdpo(policy, rollout, train, dev, gens, epochs, 16, lr, 5, eval_every=1, plateau=plateau)


def test_training_stops_on_the_plateau_and_reports_it():
    capped = _train([0], 3e-3, None)
    assert capped.stop.tolist() == [12] and not capped.plateaued.any() and capped.stop_epoch(0) == 12.0
    stalled = _train([0], 1e-9, PlateauRule(window=3, tolerance=1e-3))  # nothing moves: plateau after 3 checks
    assert stalled.plateaued.tolist() == [True] and stalled.stop_epoch(0) == 3.0
    assert len(stalled.curve(0)) == 4 and stalled.checkpoints(0, stalled.epochs) == [0.0, 1.0, 2.0, 3.0]


def test_a_models_stop_does_not_depend_on_its_batch():
    rule = PlateauRule(window=2, tolerance=0.02)
    alone, batched = _train([1], 3e-2, rule, epochs=30), _train([0, 1, 2], 3e-2, rule, epochs=30)
    assert alone.stop_epoch(0) == batched.stop_epoch(1)
    assert np.allclose(alone.curve(0), batched.curve(1), rtol=1e-5)


def test_the_dp_policy_simulated_costs_what_the_dp_says():
    solution = lost_sales_optimal_cost(5.0, 1.0, 9.0, 2)
    spec = DemandSpec("poisson", (5.0,), (0.0,))
    data = store_scenarios(spec, [torch.Generator().manual_seed(3)], 1024, 400, 2, integer=True)
    policy = TablePolicy(torch.from_numpy(stacked_policies([solution])))
    rollout = store_rollout(torch.tensor(1.0), torch.tensor(9.0), True, round_orders=True)
    cost = float(evaluate(policy, rollout, data, 100)[0])
    assert cost == pytest.approx(solution.average_cost, rel=0.01)
    # a state beyond the table is clamped to its edge (as the DP lumps overflow at its bound)
    state = torch.tensor([[[[1e6, 0.0]]]])
    assert policy(state).item() == solution.policy[-1, 0]


def test_stacked_policies_pad_with_edges_and_reject_mixed_lead_times():
    small, large = lost_sales_optimal_cost(5.0, 1.0, 4.0, 1), lost_sales_optimal_cost(5.0, 1.0, 39.0, 1)
    stacked = stacked_policies([small, large])
    assert stacked.shape[0] == 2 and stacked.shape[1] == max(small.policy.size, large.policy.size)
    assert np.all(stacked[0, small.policy.size:] == small.policy[-1])
    with pytest.raises(ValueError, match="lead times"):
        stacked_policies([small, lost_sales_optimal_cost(5.0, 1.0, 4.0, 2)])
    with pytest.raises(ValueError, match="at least one"):
        stacked_policies([])
