"""Exact average-cost optimum of the single-store lost-sales system with Poisson demand (relative value iteration).

Timing (the simulator's): the state at the start of period t is x = (x⁰, x¹, …, x^{L−1}) — on hand and the
orders arriving in 1 … L−1 periods. The order q_t is placed, demand d_t ~ Poisson(μ) is met from x⁰, the period
costs c(x⁰, d) = p·(d − x⁰)⁺ + h·(x⁰ − d)⁺, unmet demand is lost, and the next state is
(max(x⁰ − d, 0) + x¹, x², …, x^{L−1}, q_t) (for L = 1: (max(x⁰ − d, 0) + q_t)). This is Zipkin's (2008)
formulation; the Bellman equation of the average-cost MDP (HDPO paper §5.1, the DP benchmark) is

    g + V(x) = E_d c(x⁰, d) + min_q E_d V(max(x⁰ − d, 0) + x¹, x², …, x^{L−1}, q).

The expectation and the shift are one matrix product: with T[(x⁰, x¹), y] = P(max(x⁰ − d, 0) + x¹ = y),
H[x⁰, x¹, x², …, q] = Σ_y T[(x⁰, x¹), y]·V[y, x², …, q]. The state space is truncated to x⁰ ≤ X and
x^i, q ≤ Q (mass beyond X is lumped at X); the bounds are chosen from Poisson tails and checked a posteriori
(the optimal order must stay below Q on the states it visits). Relative value iteration stops when the span of
V_{n+1} − V_n is below ``tolerance``; g lies between its min and max.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from mdps.inventory.validation import check_costs, check_lead_time


@dataclass(frozen=True)
class LostSalesSolution:
    """Optimal long-run average cost per period, the bounds used and the iteration count."""

    average_cost: float
    lower: float
    upper: float
    max_on_hand: int
    max_order: int
    iterations: int
    policy: np.ndarray
    """Optimal order q*(x) on the truncated grid (shape (X+1,) + (Q+1,)*(L−1))."""

    @property
    def order_bound_hit(self) -> bool:
        """True if the optimal order reaches the truncation Q somewhere (then enlarge the bounds)."""
        return bool(self.policy.max() >= self.max_order)


def _poisson_pmf(mean: float, upper: int) -> np.ndarray:
    pmf = stats.poisson.pmf(np.arange(upper + 1), mean)
    return pmf


def _transition(mean: float, max_on_hand: int, max_next: int) -> np.ndarray:
    """T[x⁰, x¹, y] = P(max(x⁰ − d, 0) + x¹ = y) for x⁰ ≤ X, x¹ ≤ max_next, y ≤ X (overflow lumped at X)."""
    x0 = np.arange(max_on_hand + 1)
    pmf = _poisson_pmf(mean, max_on_hand)
    post = np.zeros((max_on_hand + 1, max_on_hand + 1))  # post[x0, k] = P(max(x0 - d, 0) = k)
    for k in range(1, max_on_hand + 1):
        post[k:, k] = pmf[x0[k:] - k]
    post[:, 0] = 1.0 - post[:, 1:].sum(axis=1)
    trans = np.zeros((max_on_hand + 1, max_next + 1, max_on_hand + 1))
    for x1 in range(max_next + 1):
        trans[:, x1, x1:] = post[:, : max_on_hand + 1 - x1]
        trans[:, x1, max_on_hand] += post[:, max_on_hand + 1 - x1:].sum(axis=1)
    return trans


def expected_period_cost(mean: float, holding: float, underage: float, max_on_hand: int) -> np.ndarray:
    """E_d[p·(d − x⁰)⁺ + h·(x⁰ − d)⁺] for x⁰ = 0 … X, d ~ Poisson(mean)."""
    x0 = np.arange(max_on_hand + 1, dtype=float)
    upper = int(stats.poisson.ppf(1 - 1e-15, mean)) + max_on_hand + 1
    d = np.arange(upper + 1, dtype=float)
    pmf = _poisson_pmf(mean, upper)
    short = np.clip(d[None, :] - x0[:, None], 0, None)
    over = np.clip(x0[:, None] - d[None, :], 0, None)
    return (underage * short + holding * over) @ pmf


def default_bounds(mean: float, underage: float, holding: float, lead_time: int) -> tuple[int, int]:
    """(X, Q): on hand up to a far quantile of (L+1)-period demand; one order up to a far quantile of one period's
    demand plus 2 (the optimal lost-sales order is smoother than demand; checked a posteriori)."""
    ratio = underage / (underage + holding)
    tail = 1e-4 * (1 - ratio)
    max_on_hand = int(stats.poisson.ppf(1 - tail, mean * (lead_time + 1))) + 2
    max_order = int(stats.poisson.ppf(1 - tail, mean)) + 2
    return max_on_hand, max_order


def lost_sales_optimal_cost(mean: float, holding: float, underage: float, lead_time: int,
                            tolerance: float = 1e-6, max_iterations: int = 20_000,
                            bounds: tuple[int, int] | None = None) -> LostSalesSolution:
    """Optimal average cost per period (see the module docstring) by relative value iteration."""
    if not np.isfinite(mean) or mean <= 0:
        raise ValueError(f"Poisson mean must be finite and > 0, got {mean}")
    check_costs(holding, underage)
    lead_time = check_lead_time("lead_time", lead_time)
    max_on_hand, max_order = bounds or default_bounds(mean, underage, holding, lead_time)
    cost = expected_period_cost(mean, holding, underage, max_on_hand)
    # "next" coordinate added to the post-demand on hand: x¹ for L >= 2, the order q for L = 1.
    trans = _transition(mean, max_on_hand, max_order).reshape(-1, max_on_hand + 1)
    state_shape = (max_on_hand + 1,) + (max_order + 1,) * (lead_time - 1)
    value = np.zeros(state_shape)
    cost_b = cost.reshape((-1,) + (1,) * (lead_time - 1))
    lower = upper = float("nan")
    for iteration in range(1, max_iterations + 1):
        if lead_time == 1:
            h = (trans @ value.reshape(-1, 1)).reshape(max_on_hand + 1, max_order + 1)
            new = cost_b + h.min(axis=1)
        else:
            h = (trans @ value.reshape(max_on_hand + 1, -1)).reshape(state_shape + (max_order + 1,))
            new = cost_b + h.min(axis=-1)
        diff = new - value
        lower, upper = float(diff.min()), float(diff.max())
        value = new - new.flat[0]
        if upper - lower < tolerance:
            break
    if lead_time == 1:
        policy = h.argmin(axis=1)
    else:
        policy = h.argmin(axis=-1)
    return LostSalesSolution((lower + upper) / 2, lower, upper, max_on_hand, max_order, iteration, policy)


def stacked_policies(solutions: list[LostSalesSolution]) -> np.ndarray:
    """The optimal order tables of several solutions of one lead time as one array (K, n₀, …, n_{L−1}): smaller
    tables are padded with their edge values, which is what clamping a state to a table's bounds looks up."""
    if not solutions:
        raise ValueError("stacked_policies needs at least one solution")
    shapes = [s.policy.shape for s in solutions]
    if len({len(s) for s in shapes}) != 1:
        raise ValueError(f"policies of different lead times cannot be stacked: {shapes}")
    largest = np.max(shapes, axis=0)
    return np.stack([np.pad(s.policy, [(0, int(n - k)) for n, k in zip(largest, s.policy.shape)], mode="edge")
                     for s in solutions])
