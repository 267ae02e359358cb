"""Batched, differentiable inventory simulators (torch; CPU or CUDA; autograd through every period).

Shapes: M models (seeds × instances, each with its own policy), B scenarios, S stores, T periods.
All three systems share one period (HDPO paper §3; the official code's ``environment.py`` timing):

    post   = x⁰ − d_t                                     (on hand after demand)
    cost_t = p·(−post)⁺ + h·(post)⁺                       (backlog / lost-sales penalty + holding)
    post  ← max(post, 0)                                  (lost sales only; backlogged keeps post)
    x     ← (post + x¹, x², …, x^{L−1}, q_t)              (the order placed at t is on hand at t + L)

so a base-stock order at t covers demand over L + 1 periods. Upstream locations (a warehouse, serial echelons)
hold stock that is shipped downstream at the start of the period, pay h_w on what is left after shipping, and
receive their own orders L_w periods later. Feasibility (shipments never exceed the shipper's on hand) is
enforced by the policies (``policies.proportional_allocation`` / ``min`` with on hand); the simulators only
move stock. Costs are returned per period and scenario so callers can drop warm-up periods.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

StorePolicy = Callable[[torch.Tensor], torch.Tensor]


def shift_in(state: torch.Tensor, post: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """(x⁰, …, x^{L−1}) → (post + x¹, x², …, x^{L−1}, q) along the last axis (L = 1: (post + q,))."""
    if state.shape[-1] == 1:
        return (post + order).unsqueeze(-1)
    return torch.cat([(post + state[..., 1]).unsqueeze(-1), state[..., 2:], order.unsqueeze(-1)], dim=-1)


def period_cost(post: torch.Tensor, holding: torch.Tensor, underage: torch.Tensor) -> torch.Tensor:
    """cost = h·post + (h + p)·(−post)⁺ ≡ p(−post)⁺ + h(post)⁺ for post-demand on hand ``post``."""
    return holding * post + (holding + underage) * torch.relu(-post)


def store_period(on_hand: torch.Tensor, demand: torch.Tensor, holding: torch.Tensor, underage: torch.Tensor,
                 lost_sales: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One period at the stores: (cost, post-demand on hand), cost as in ``period_cost``."""
    post = on_hand - demand
    cost = period_cost(post, holding, underage)
    if lost_sales:
        post = torch.relu(post)
    return cost, post


def simulate_stores(policy: StorePolicy, demand: torch.Tensor, initial_state: torch.Tensor,
                    holding: torch.Tensor, underage: torch.Tensor, lost_sales: bool,
                    round_orders: bool = False) -> torch.Tensor:
    """Independent stores with a common lead time L (the single-store system is S = 1).

    demand (M, B, S, T); initial_state (M, B, S, L); holding / underage broadcastable to (M, B, S).
    ``policy(state) -> orders`` of shape (M, B, S), non-negative. Returns costs (M, B, T) summed over stores.
    ``round_orders`` rounds orders to integers (discrete Poisson instances at test time; no gradient).
    """
    state = initial_state
    costs = []
    for t in range(demand.shape[-1]):
        order = policy(state)
        if round_orders:
            order = torch.round(order)
        cost, post = store_period(state[..., 0], demand[..., t], holding, underage, lost_sales)
        costs.append(cost.sum(-1))
        state = shift_in(state, post, order)
    return torch.stack(costs, dim=-1)


WarehousePolicy = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def simulate_warehouse(policy: WarehousePolicy, demand: torch.Tensor, store_state: torch.Tensor,
                       store_lead_times: torch.Tensor, warehouse_state: torch.Tensor, holding: torch.Tensor,
                       underage: torch.Tensor, warehouse_holding: torch.Tensor, lost_sales: bool = True,
                       ) -> torch.Tensor:
    """One warehouse supplying S stores (stores may have different lead times).

    demand (M, B, S, T); store_state (M, B, S, Lmax) where store i uses slots 0 … L_i − 1;
    store_lead_times (M, 1, S) integers in 1 … Lmax; warehouse_state (M, B, Lw); warehouse_holding
    broadcastable to (M, B). ``policy(store_state, warehouse_state) -> (allocations (M, B, S), warehouse
    order (M, B))`` with Σ_i allocation_i <= warehouse on hand. Returns costs (M, B, T): stores + warehouse.
    """
    l_max = store_state.shape[-1]
    arrival = torch.nn.functional.one_hot(store_lead_times.long() - 1, l_max).to(store_state.dtype)  # (M,1,S,Lmax)
    costs = []
    for t in range(demand.shape[-1]):
        allocation, warehouse_order = policy(store_state, warehouse_state)
        cost, post = store_period(store_state[..., 0], demand[..., t], holding, underage, lost_sales)
        warehouse_post = warehouse_state[..., 0] - allocation.sum(-1)
        costs.append(cost.sum(-1) + warehouse_holding * torch.relu(warehouse_post))
        if l_max == 1:
            store_state = (post + allocation).unsqueeze(-1)
        else:
            shifted = torch.cat([(post + store_state[..., 1]).unsqueeze(-1), store_state[..., 2:],
                                 torch.zeros_like(post).unsqueeze(-1)], dim=-1)
            store_state = shifted + allocation.unsqueeze(-1) * arrival
        warehouse_state = shift_in(warehouse_state, warehouse_post, warehouse_order)
    return torch.stack(costs, dim=-1)


SerialPolicy = Callable[[Sequence[torch.Tensor]], Sequence[torch.Tensor]]


def simulate_serial(policy: SerialPolicy, demand: torch.Tensor, initial_states: Sequence[torch.Tensor],
                    holding: Sequence[float], underage: float, lost_sales: bool = False) -> torch.Tensor:
    """A serial chain of K locations, ordered upstream → downstream (the last one is the store).

    demand (M, B, T); initial_states[k] (M, B, L_k); holding[k] per location (the store's is its h);
    ``policy(states) -> shipments`` per location, each (M, B): location 0 orders from an unlimited supplier,
    location k > 0 receives from k − 1 and shipment_k <= on hand of k − 1. Returns costs (M, B, T).
    """
    states = list(initial_states)
    k_last = len(states) - 1
    costs = []
    for t in range(demand.shape[-1]):
        shipments = list(policy(states))
        cost, post = store_period(states[k_last][..., 0], demand[..., t], holding[k_last], underage, lost_sales)
        new_states = [None] * len(states)
        for k in range(k_last):
            upstream_post = states[k][..., 0] - shipments[k + 1]
            cost = cost + holding[k] * torch.relu(upstream_post)
            new_states[k] = shift_in(states[k], upstream_post, shipments[k])
        new_states[k_last] = shift_in(states[k_last], post, shipments[k_last])
        states = new_states
        costs.append(cost)
    return torch.stack(costs, dim=-1)
