"""The hand-written backward pass through time (``store_bptt``) against autograd through ``simulate_stores``."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from mdps.inventory.demand import DemandSpec, sample_demand
from mdps.inventory.policies import BaseStockPolicy, StoreMLPPolicy, elu
from mdps.inventory.simulator import simulate_stores
from mdps.inventory.store_bptt import simulate_stores_mlp


def _instance(models: int, scenarios: int, stores: int, lead_time: int, periods: int, lost: bool,
              dtype: torch.dtype = torch.float64):
    g = torch.Generator().manual_seed(100 * models + 10 * stores + lead_time)
    spec = DemandSpec("poisson", (5.0,), (0.0,)) if lost else DemandSpec("normal", (5.0,), (1.6,))
    demand = torch.stack([sample_demand(spec, scenarios, stores, periods, g) for _ in range(models)]).to(dtype)
    state = (torch.rand(models, scenarios, stores, lead_time, generator=g) * 5.0).to(dtype)
    gens = [torch.Generator().manual_seed(7 + i) for i in range(models)]
    scale = torch.linspace(4.0, 6.0, models * stores).reshape(models, stores)
    policy = StoreMLPPolicy(gens, stores, lead_time, (16, 16, 8), scale).to(dtype)
    holding = torch.tensor(1.0, dtype=dtype)
    underage = torch.linspace(4.0, 19.0, models, dtype=dtype).reshape(models, 1, 1)
    return policy, demand, state, holding, underage


@pytest.mark.parametrize("lost", [False, True])
@pytest.mark.parametrize("models,stores,lead_time", [(1, 1, 1), (1, 1, 4), (3, 1, 2), (2, 3, 3), (2, 2, 1)])
def test_costs_and_gradients_equal_autograd(lost, models, stores, lead_time):
    policy, demand, state, h, p = _instance(models, 40, stores, lead_time, 12, lost)
    weights = torch.randn(models, 40, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    reference = simulate_stores(policy, demand, state, h, p, lost)
    expected = torch.autograd.grad((reference * weights).sum(), list(policy.parameters()))
    costs = simulate_stores_mlp(policy, demand, state, h, p, lost)
    got = torch.autograd.grad((costs * weights).sum(), list(policy.parameters()))
    assert torch.equal(costs, reference)  # the same forward operations, bit for bit
    for e, g_ in zip(expected, got):
        torch.testing.assert_close(g_, e, rtol=1e-10, atol=1e-12)


def _gradients(policy, loss):
    policy.zero_grad(set_to_none=True)
    loss.backward()
    return [q.grad.clone() for q in policy.parameters()]


def test_float32_gradients_close_to_autograd_on_the_default_instance_shape():
    policy, demand, state, h, p = _instance(1, 512, 1, 4, 50, False, torch.float32)
    expected = _gradients(policy, simulate_stores(policy, demand, state, h, p, False).mean())
    got = _gradients(policy, simulate_stores_mlp(policy, demand, state, h, p, False).mean())
    for g_, e in zip(got, expected):
        torch.testing.assert_close(g_, e, rtol=1e-4, atol=1e-6)


def test_network_without_hidden_layers():
    g = torch.Generator().manual_seed(3)
    policy = StoreMLPPolicy([g], 1, 2, (), torch.tensor([[5.0]])).double()
    _, demand, state, h, p = _instance(1, 15, 1, 2, 7, False)
    expected = _gradients(policy, simulate_stores(policy, demand, state, h, p, False).sum())
    got = _gradients(policy, simulate_stores_mlp(policy, demand, state, h, p, False).sum())
    for g_, e in zip(got, expected):
        torch.testing.assert_close(g_, e, rtol=1e-10, atol=1e-12)


def test_no_grad_forward_saves_nothing_and_gives_the_same_costs():
    policy, demand, state, h, p = _instance(2, 30, 1, 3, 9, True)
    with torch.no_grad():
        costs = simulate_stores_mlp(policy, demand, state, h, p, True)
        reference = simulate_stores(policy, demand, state, h, p, True)
    assert not costs.requires_grad
    assert torch.equal(costs, reference)


def test_two_rollouts_before_one_backward_keep_their_own_activations():
    policy, demand, state, h, p = _instance(1, 25, 1, 2, 8, False)
    other_demand = demand.flip(1)
    loss = (simulate_stores(policy, demand, state, h, p, False).sum()
            + 2 * simulate_stores(policy, other_demand, state, h, p, False).sum())
    expected = torch.autograd.grad(loss, list(policy.parameters()))
    loss = (simulate_stores_mlp(policy, demand, state, h, p, False).sum()
            + 2 * simulate_stores_mlp(policy, other_demand, state, h, p, False).sum())
    got = torch.autograd.grad(loss, list(policy.parameters()))
    for e, g_ in zip(expected, got):
        torch.testing.assert_close(g_, e, rtol=1e-10, atol=1e-12)


def test_repeated_calls_reuse_buffers_without_changing_results():
    policy, demand, state, h, p = _instance(1, 20, 1, 2, 6, False)
    first = torch.autograd.grad(simulate_stores_mlp(policy, demand, state, h, p, False).sum(),
                                list(policy.parameters()))
    with torch.no_grad():
        costs = simulate_stores(policy, demand, state, h, p, False)
    for _ in range(3):
        with torch.no_grad():  # an evaluation in between uses (and returns) buffers of another shape
            assert torch.equal(simulate_stores_mlp(policy, demand[:, :7], state[:, :7], h, p, False), costs[:, :7])
        again = torch.autograd.grad(simulate_stores_mlp(policy, demand, state, h, p, False).sum(),
                                    list(policy.parameters()))
        assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_rejects_other_policies_and_mismatched_shapes():
    policy, demand, state, h, p = _instance(1, 10, 1, 2, 5, False)
    with pytest.raises(TypeError, match="StoreMLPPolicy"):
        simulate_stores_mlp(BaseStockPolicy(torch.tensor([[12.0]])), demand, state, h, p, False)
    with pytest.raises(ValueError, match="disagree"):
        simulate_stores_mlp(policy, demand, state[:, :5], h, p, False)


def test_elu_matches_torch_elu_and_its_gradient():
    z = torch.linspace(-30.0, 30.0, 20001, dtype=torch.float64).requires_grad_()
    ours, reference = elu(z), F.elu(z)
    torch.testing.assert_close(ours, reference, rtol=0, atol=1e-15)
    (g_ours,) = torch.autograd.grad(ours.sum(), z)
    (g_ref,) = torch.autograd.grad(reference.sum(), z)
    torch.testing.assert_close(g_ours, g_ref, rtol=0, atol=1e-15)
    z32 = torch.randn(4096, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(elu(z32), F.elu(z32), rtol=0, atol=2e-7)
