"""Policies, batched over M independent models (one per seed × instance; parameters carry a leading M axis).

- ``BatchedMLP``: M independent MLPs evaluated with one ``bmm`` per layer (independent gradients: the loss
  is a sum over models, and Adam is element-wise, so training them together equals training them apart).
- ``StoreMLPPolicy``: the "vanilla" HDPO network for stores without a warehouse: q = μ·softplus(f(x/μ)).
- ``BaseStockPolicy``: q = (S − Σ_l x^l)⁺;  ``CappedBaseStockPolicy``: q = min((S − Σ_l x^l)⁺, c).
- ``TablePolicy``: q = Q[x] looked up in a table over integer states (the lost-sales DP's optimal policy).
- ``WarehouseMLPPolicy``: one MLP on all stores' and the warehouse's states; store requests are cut back in
  proportion to the warehouse's on hand (``proportional_allocation``), so shipments never exceed stock.
- ``SerialMLPPolicy`` / ``EchelonStockPolicy``: serial chains; shipment_k <= on hand of location k − 1.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def _uniform(generators: Sequence[torch.Generator], shape: tuple[int, ...], bound: float) -> torch.Tensor:
    return torch.stack([(torch.rand(shape, generator=g) * 2 - 1) * bound for g in generators])


class _ELU(torch.autograd.Function):
    """ELU(z) = z for z > 0, e^z − 1 otherwise, written as max(z, exp(min(z, 0)) − 1) (e^z − 1 ≥ z for all z).

    Same function as ``F.elu`` (to ~1e-7 near 0, where e^z − 1 is rounded), about 3× faster on CPU: torch's
    ``expm1`` kernel is not vectorised, ``exp`` is. The backward is ELU′ from the output (1 where ELU > 0,
    ELU + 1 elsewhere), as ``F.elu``'s. ``store_bptt`` calls the same ``elu_into`` in place."""

    @staticmethod
    def forward(ctx, z: torch.Tensor) -> torch.Tensor:
        out = elu_into(z, torch.empty_like(z), torch.empty_like(z))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (out,) = ctx.saved_tensors
        return torch.ops.aten.elu_backward(grad, 1.0, 1.0, 1.0, True, out)


def elu_into(z: torch.Tensor, scratch: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """ELU(z) = max(z, exp(min(z, 0)) − 1) written into ``out`` (may be ``z``), using ``scratch`` (z's shape)."""
    torch.clamp_max(z, 0.0, out=scratch).exp_().sub_(1.0)
    return torch.maximum(z, scratch, out=out)


def elu(z: torch.Tensor) -> torch.Tensor:
    """ELU with α = 1 (see ``_ELU``)."""
    return _ELU.apply(z)


class BatchedMLP(nn.Module):
    """M independent MLPs (PyTorch's default uniform(±1/√fan_in) initialisation, drawn from each model's
    generator), ELU between layers, no output activation."""

    def __init__(self, generators: Sequence[torch.Generator], sizes: Sequence[int]):
        super().__init__()
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP sizes must have >= 2 positive entries, got {tuple(sizes)}")
        self.sizes = tuple(sizes)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(fan_in)
            self.weights.append(nn.Parameter(_uniform(generators, (fan_in, fan_out), bound)))
            self.biases.append(nn.Parameter(_uniform(generators, (1, fan_out), bound)))

    @property
    def models(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (M, …, in) → (M, …, out)."""
        lead = x.shape[:-1]
        h = x.reshape(self.models, -1, x.shape[-1])
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.bmm(h, w) + b  # (not baddbmm: store_bptt runs these very operations in place)
            if i < last:
                h = elu(h)
        return h.reshape(*lead, h.shape[-1])


class StoreMLPPolicy(nn.Module):
    """Vanilla HDPO policy for S stores sharing a lead time: q = μ·softplus(f(x/μ)), x = all stores' states."""

    def __init__(self, generators: Sequence[torch.Generator], stores: int, lead_time: int,
                 hidden: Sequence[int], demand_scale: torch.Tensor):
        super().__init__()
        self.net = BatchedMLP(generators, [stores * lead_time, *hidden, stores])
        self.register_buffer("scale", demand_scale.reshape(len(generators), 1, stores, 1).float())

    def pre_activation(self, state: torch.Tensor) -> torch.Tensor:
        """f(x/μ): (M, B, S) real numbers (REINFORCE samples around these)."""
        features = (state / self.scale).flatten(start_dim=2)
        return self.net(features)

    def order(self, pre_activation: torch.Tensor) -> torch.Tensor:
        return self.scale[..., 0] * F.softplus(pre_activation)

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        return self.order(self.pre_activation(state))


class BaseStockPolicy(nn.Module):
    """q = (S − inventory position)⁺ with one level S per model and store: ``levels`` (M, S)."""

    def __init__(self, levels: torch.Tensor):
        super().__init__()
        self.levels = nn.Parameter(levels.float().clone())

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.levels[:, None, :] - state.sum(-1))


class CappedBaseStockPolicy(nn.Module):
    """q = min((S − inventory position)⁺, c) (Xin 2021): ``levels`` and ``caps`` of shape (M, S)."""

    def __init__(self, levels: torch.Tensor, caps: torch.Tensor):
        super().__init__()
        self.levels = nn.Parameter(levels.float().clone())
        self.caps = nn.Parameter(caps.float().clone())

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        return torch.minimum(torch.relu(self.levels[:, None, :] - state.sum(-1)), self.caps[:, None, :])


class TablePolicy(nn.Module):
    """q = table[x⁰, x¹, …, x^{L−1}] for one store with integer states (e.g. the DP-optimal lost-sales policy).

    ``tables`` (M, n₀, n₁, …, n_{L−1}): one table per model; a coordinate beyond its table is clamped to the last
    entry (the DP lumps on-hand overflow at its bound the same way)."""

    def __init__(self, tables: torch.Tensor):
        super().__init__()
        self.register_buffer("table", tables.float().reshape(tables.shape[0], -1))
        dims = torch.tensor(tables.shape[1:])
        self.register_buffer("upper", (dims - 1).float())
        strides = torch.ones_like(dims)
        strides[:-1] = torch.flip(torch.cumprod(torch.flip(dims[1:], [0]), 0), [0])
        self.register_buffer("strides", strides)

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        """state (M, B, 1, L) with integer values → orders (M, B, 1)."""
        index = torch.minimum(state.round().clamp_min(0.0), self.upper).long()
        flat = (index * self.strides).sum(-1)  # (M, B, 1)
        m = flat.shape[0]
        return torch.gather(self.table, 1, flat.reshape(m, -1)).reshape(flat.shape)


def proportional_allocation(requests: torch.Tensor, available: torch.Tensor) -> torch.Tensor:
    """Scale requests (M, B, S) by min(1, available / Σ requests) so that Σ allocations <= available (M, B)."""
    total = requests.sum(-1)
    factor = torch.where(total > available, available.clamp_min(0.0) / total.clamp_min(1e-9),
                         torch.ones_like(total))
    return requests * factor.unsqueeze(-1)


class WarehouseMLPPolicy(nn.Module):
    """Vanilla network for one warehouse and S stores: one MLP sees every state (scaled by mean demand) and
    outputs S store requests and the warehouse order; requests are cut back proportionally to stock."""

    def __init__(self, generators: Sequence[torch.Generator], stores: int, store_slots: int, warehouse_slots: int,
                 hidden: Sequence[int], demand_scale: torch.Tensor):
        super().__init__()
        self.net = BatchedMLP(generators, [stores * store_slots + warehouse_slots, *hidden, stores + 1])
        scale = demand_scale.reshape(len(generators), 1, stores).float()
        self.register_buffer("scale", scale)
        self.register_buffer("total_scale", scale.sum(-1))

    def forward(self, store_state: torch.Tensor, warehouse_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = torch.cat([(store_state / self.scale.unsqueeze(-1)).flatten(start_dim=2),
                              warehouse_state / self.total_scale.unsqueeze(-1)], dim=-1)
        out = F.softplus(self.net(features))
        requests = out[..., :-1] * self.scale
        return proportional_allocation(requests, warehouse_state[..., 0]), out[..., -1] * self.total_scale


class SerialMLPPolicy(nn.Module):
    """Vanilla network for a serial chain: shipment_k = σ(f_k(x/μ))·(on hand of k − 1); location 0 orders up
    to ``upper_bound`` from an unlimited supplier (the official code uses 4× mean demand)."""

    def __init__(self, generators: Sequence[torch.Generator], slots: Sequence[int], hidden: Sequence[int],
                 mean_demand: float, upper_bound_multiple: float = 4.0):
        super().__init__()
        self.net = BatchedMLP(generators, [sum(slots), *hidden, len(slots)])
        self.mean = float(mean_demand)
        self.upper = upper_bound_multiple * self.mean

    def forward(self, states: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        x = torch.cat(list(states), dim=-1) / self.mean
        fraction = torch.sigmoid(self.net(x))
        on_hand = [torch.full_like(states[0][..., 0], self.upper)] + [s[..., 0] for s in states[:-1]]
        return [fraction[..., k] * torch.relu(on_hand[k]) for k in range(len(states))]


class EchelonStockPolicy(nn.Module):
    """Echelon base-stock for a serial chain (Clark–Scarf form): with echelon inventory position
    E_k = Σ_{j>=k} Σ_l x_j^l, shipment_k = min((S_k − E_k)⁺, on hand of k − 1). ``levels`` (M, K)."""

    def __init__(self, levels: torch.Tensor):
        super().__init__()
        self.levels = nn.Parameter(levels.float().clone())

    def forward(self, states: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        positions = torch.stack([s.sum(-1) for s in states], dim=-1)  # (M, B, K)
        echelon = positions.flip(-1).cumsum(-1).flip(-1)
        wanted = torch.relu(self.levels[:, None, :] - echelon)
        shipments = [wanted[..., 0]]
        for k in range(1, len(states)):
            shipments.append(torch.minimum(wanted[..., k], torch.relu(states[k - 1][..., 0])))
        return shipments
