"""A graph neural network policy for one warehouse and S stores (HDPO paper §7, "symmetry-aware" GNN).

The message passing follows the network topology (warehouse ↔ stores), with one set of store weights shared by
every store, so the same parameters serve any number of stores:

    e_i  = φ_s([x_i/μ_i, μ_i/μ̄, σ_i/μ_i, h_i, p_i/10, L_i/L_max])   store embeddings (shared φ_s)
    e_w  = φ_w([x_w/Σμ, mean_i e_i])                              warehouse: its state + aggregated messages
    r_i  = μ_i·softplus(ψ_s([e_i, e_w]))                          store requests (shared ψ_s)
    q_w  = Σμ·softplus(ψ_w(e_w))                                   warehouse order

Requests are cut back in proportion to the warehouse's on hand (``proportional_allocation``).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mdps.inventory.policies import BatchedMLP, proportional_allocation


class WarehouseGNNPolicy(nn.Module):
    """GNN policy. ``store_features`` (M, S, F) are each store's static features (see the module docstring)."""

    def __init__(self, generators: Sequence[torch.Generator], store_slots: int, warehouse_slots: int,
                 store_features: torch.Tensor, demand_scale: torch.Tensor, hidden: int = 32, embedding: int = 16):
        super().__init__()
        features = store_features.shape[-1]
        self.store_encoder = BatchedMLP(generators, [store_slots + features, hidden, embedding])
        self.warehouse_encoder = BatchedMLP(generators, [warehouse_slots + embedding, hidden, embedding])
        self.store_head = BatchedMLP(generators, [2 * embedding, hidden, 1])
        self.warehouse_head = BatchedMLP(generators, [embedding, hidden, 1])
        models, stores = demand_scale.shape
        self.register_buffer("static", store_features.float()[:, None])  # (M, 1, S, F)
        self.register_buffer("scale", demand_scale.float().reshape(models, 1, stores))
        self.register_buffer("total_scale", self.scale.sum(-1))

    def forward(self, store_state: torch.Tensor, warehouse_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m, b, s, _ = store_state.shape
        x = torch.cat([store_state / self.scale.unsqueeze(-1), self.static.expand(m, b, s, -1)], dim=-1)
        e_store = F.elu(self.store_encoder(x))  # (M, B, S, E)
        message = e_store.mean(dim=2)
        e_warehouse = F.elu(self.warehouse_encoder(
            torch.cat([warehouse_state / self.total_scale.unsqueeze(-1), message], dim=-1)))  # (M, B, E)
        pair = torch.cat([e_store, e_warehouse.unsqueeze(2).expand(m, b, s, -1)], dim=-1)
        requests = self.scale * F.softplus(self.store_head(pair)[..., 0])
        order = self.total_scale * F.softplus(self.warehouse_head(e_warehouse)[..., 0])
        return proportional_allocation(requests, warehouse_state[..., 0]), order
