"""The torch simulators against plain-numpy reference loops, gradients against finite differences, feasibility."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.gnn import WarehouseGNNPolicy
from mdps.inventory.policies import (
    CappedBaseStockPolicy,
    EchelonStockPolicy,
    WarehouseMLPPolicy,
    proportional_allocation,
)
from mdps.inventory.simulator import simulate_serial, simulate_stores, simulate_warehouse


def numpy_store_reference(demand, state, level, cap, h, p, lost):
    """Plain loops: one scenario at a time, the period of the spec written out."""
    b_count, periods = demand.shape
    costs = np.zeros((b_count, periods))
    for b in range(b_count):
        x = list(state[b])
        for t in range(periods):
            order = min(max(level - sum(x), 0.0), cap)
            post = x[0] - demand[b, t]
            costs[b, t] = p * max(-post, 0.0) + h * max(post, 0.0)
            if lost:
                post = max(post, 0.0)
            x = [post + x[1]] + x[2:] + [order] if len(x) > 1 else [post + order]
    return costs


@pytest.mark.parametrize("lost", [False, True])
@pytest.mark.parametrize("lead_time", [1, 2, 4])
def test_store_simulator_matches_numpy(lost, lead_time):
    g = torch.Generator().manual_seed(lead_time)
    demand = sample_demand(DemandSpec("poisson" if lost else "normal", (5.0,), (1.6,)), 16, 1, 30, g)
    state = torch.rand(16, 1, lead_time, generator=g) * 5
    level, cap = 5.0 * (lead_time + 1) + 1.3, 6.5
    policy = CappedBaseStockPolicy(torch.tensor([[level]]), torch.tensor([[cap]]))
    costs = simulate_stores(policy, demand[None], state[None], torch.tensor(1.0), torch.tensor(9.0), lost)
    reference = numpy_store_reference(demand[:, 0].double().numpy(), state[:, 0].double().numpy(), level, cap,
                                      1.0, 9.0, lost)
    np.testing.assert_allclose(costs[0].detach().numpy(), reference, rtol=1e-4, atol=1e-3)


def test_lost_sales_never_negative_and_backlog_can_be():
    demand = torch.full((1, 1, 1, 5), 10.0)
    state = torch.zeros(1, 1, 1, 2)
    zero = lambda x: torch.zeros(x.shape[:-1])  # noqa: E731 - never orders
    lost = simulate_stores(zero, demand, state, torch.tensor(1.0), torch.tensor(4.0), True)
    backlog = simulate_stores(zero, demand, state, torch.tensor(1.0), torch.tensor(4.0), False)
    assert torch.allclose(lost, torch.full_like(lost, 40.0))  # every period loses 10 units at p = 4
    assert torch.allclose(backlog[0, 0], torch.tensor([40.0, 80.0, 120.0, 160.0, 200.0]))  # backlog accumulates


def test_order_arrives_after_lead_time():
    """One order of 7 at t = 0 with L = 3 is on hand at the start of period 3 (covers L + 1 = 4 periods)."""
    class OneOrder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.t = 0

        def forward(self, state):
            self.t += 1
            return torch.full(state.shape[:-1], 7.0 if self.t == 1 else 0.0)

    demand = torch.zeros(1, 1, 1, 5)
    costs = simulate_stores(OneOrder(), demand, torch.zeros(1, 1, 1, 3), torch.tensor(1.0), torch.tensor(9.0), True)
    assert costs[0, 0].tolist() == [0.0, 0.0, 0.0, 7.0, 7.0]


def test_base_stock_gradient_matches_finite_differences():
    """d/dS of the average cost (pathwise, autograd) ≈ central finite difference on the same paths."""
    g = torch.Generator().manual_seed(3)
    demand = sample_demand(DemandSpec(), 4000, 1, 30, g)[None].double()
    state = (torch.rand(1, 4000, 1, 2, generator=g) * 5).double()

    def cost(level: torch.Tensor) -> torch.Tensor:
        policy = lambda x: torch.relu(level - x.sum(-1))  # noqa: E731
        return simulate_stores(policy, demand, state, torch.tensor(1.0), torch.tensor(9.0), False).mean()

    for s in (12.0, 16.5, 20.0):
        level = torch.tensor(s, dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(cost(level), level)
        eps = 1e-3
        up, down = (cost(torch.tensor(s + d, dtype=torch.float64)) for d in (eps, -eps))
        fd = (up - down) / (2 * eps)
        assert abs(grad.item() - fd.item()) < 1e-2 * max(1.0, abs(fd.item())), (s, grad.item(), fd.item())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=1, max_size=6), st.floats(0, 100))
def test_proportional_allocation_is_feasible(requests, available):
    req = torch.tensor(requests).reshape(1, 1, -1)
    avail = torch.tensor([[available]])
    alloc = proportional_allocation(req, avail)
    assert (alloc >= 0).all()
    assert alloc.sum() <= available + 1e-4
    assert (alloc <= req + 1e-5).all()


@pytest.mark.parametrize("arch", ["mlp", "gnn"])
def test_warehouse_allocations_never_exceed_stock(arch):
    g = torch.Generator().manual_seed(5)
    m, b, s = 2, 64, 4
    scale = 2.5 + 5 * torch.rand(m, s, generator=g)
    if arch == "mlp":
        policy = WarehouseMLPPolicy([g, g], s, 3, 2, (16,), scale)
    else:
        policy = WarehouseGNNPolicy([g, g], 3, 2, torch.rand(m, s, 5, generator=g), scale, 8, 4)
    with torch.no_grad():  # make the stores greedy so that the cap binds
        for bias in policy.modules():
            if hasattr(bias, "biases"):
                bias.biases[-1].add_(3.0)
    seen = []

    def watched(store_state, warehouse_state):
        allocation, order = policy(store_state, warehouse_state)
        seen.append((allocation.sum(-1) - warehouse_state[..., 0]).max().item())
        assert (allocation >= 0).all() and (order >= 0).all()
        return allocation, order

    demand = torch.rand(m, b, s, 25, generator=g) * 8
    lead = torch.tensor([[[1, 2, 3, 2]], [[3, 3, 1, 2]]])
    costs = simulate_warehouse(watched, demand, torch.zeros(m, b, s, 3), lead, torch.zeros(m, b, 2) + 3.0,
                               torch.tensor(1.0), torch.tensor(9.0), torch.tensor(0.3))
    assert max(seen) <= 1e-4 and torch.isfinite(costs).all()


def test_serial_shipments_respect_upstream_stock_and_match_numpy():
    g = torch.Generator().manual_seed(7)
    lead_times, holding = (2, 3, 2), (0.1, 0.5, 1.0)
    demand = sample_demand(DemandSpec("normal", (5.0,), (2.0,)), 8, 1, 40, g)[:, 0]
    starts = [torch.rand(8, lt, generator=g) * 5 for lt in lead_times]
    levels = np.array([40.0, 25.0, 16.0])
    policy = EchelonStockPolicy(torch.tensor(levels)[None])
    costs = simulate_serial(policy, demand[None], [s[None] for s in starts], holding, 9.0)[0].detach().numpy()
    ref = np.zeros_like(costs)
    for b in range(8):
        x = [list(s[b].double().numpy()) for s in starts]
        for t in range(40):
            pos = [sum(v) for v in x]
            echelon = [sum(pos[k:]) for k in range(3)]
            want = [max(levels[k] - echelon[k], 0.0) for k in range(3)]
            ship = [want[0]] + [min(want[k], max(x[k - 1][0], 0.0)) for k in (1, 2)]
            post_store = x[2][0] - demand[b, t].item()
            c = 9.0 * max(-post_store, 0) + 1.0 * max(post_store, 0)
            new = []
            for k in range(2):
                post = x[k][0] - ship[k + 1]
                assert post >= -1e-6  # never ship more than on hand
                c += holding[k] * max(post, 0)
                new.append(([post + x[k][1]] + x[k][2:] + [ship[k]]) if len(x[k]) > 1 else [post + ship[k]])
            new.append([post_store + x[2][1]] + x[2][2:] + [ship[2]])
            x = new
            ref[b, t] = c
    np.testing.assert_allclose(costs, ref, rtol=1e-4, atol=1e-3)
