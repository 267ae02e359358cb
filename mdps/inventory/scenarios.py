"""Scenario sets (demand paths and initial states) for M models trained together, one generator per model.

A scenario set is a dict of tensors whose first two axes are (model, scenario); model i's tensors come only from
``generators[i]``, so a model's data never depends on which other models share its batch.

- single stores: demand (M, N, 1, T) and initial pipeline (M, N, 1, L) ~ U[0, μ] per slot;
- one warehouse and S stores: per-model store parameters (``sample_warehouse_instance``) and scenarios with
  store pipelines of 3 slots (slots beyond a store's lead time are zero) and a warehouse pipeline ~ U[0, Σμ];
- serial chains: demand (M, N, T) and one initial pipeline (M, N, L_k) ~ U[0, μ] per location.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from mdps.inventory.demand import DemandSpec, sample_demand

Scenarios = dict[str, torch.Tensor]
STORE_SLOTS = 3
"""Pipeline slots of a store in the warehouse network (the longest store lead time)."""


def store_scenarios(spec: DemandSpec, generators: Sequence[torch.Generator], scenarios: int, periods: int,
                    lead_time: int, integer: bool) -> Scenarios:
    """Per model: demand (N, 1, T) and initial state (N, 1, L) ~ U[0, μ] per slot (rounded if ``integer``)."""
    mean = spec.means(1).item()
    demand = torch.stack([sample_demand(spec, scenarios, 1, periods, g) for g in generators])
    state = torch.stack([torch.rand(scenarios, 1, lead_time, generator=g) * mean for g in generators])
    return {"demand": demand, "state": state.round() if integer else state}


@dataclass(frozen=True)
class WarehouseInstance:
    """Store parameters of one warehouse network: tensors of shape (S,)."""

    mean: torch.Tensor
    std: torch.Tensor
    holding: torch.Tensor
    underage: torch.Tensor
    lead: torch.Tensor

    def features(self) -> torch.Tensor:
        """(S, 5) store features seen by the GNN: μ/5, cv, h, p/10, L/3."""
        return torch.stack([self.mean / 5.0, self.std / self.mean, self.holding, self.underage / 10.0,
                            self.lead / 3.0], -1)


def sample_warehouse_instance(stores: int, generator: torch.Generator) -> WarehouseInstance:
    """Store parameters from the official ranges: μ ~ U[2.5, 7.5], cv ~ U[0.25, 0.5], h ~ U[0.7, 1.3],
    p ~ U[6.3, 11.7], L ∈ {2, 3}."""
    mean = 2.5 + 5.0 * torch.rand(stores, generator=generator)
    cv = 0.25 + 0.25 * torch.rand(stores, generator=generator)
    holding = 0.7 + 0.6 * torch.rand(stores, generator=generator)
    underage = 6.3 + 5.4 * torch.rand(stores, generator=generator)
    lead = torch.randint(2, 4, (stores,), generator=generator)
    return WarehouseInstance(mean, mean * cv, holding, underage, lead)


def warehouse_scenarios(instances: Sequence[WarehouseInstance], generators: Sequence[torch.Generator],
                        scenarios: int, periods: int, correlation: float, warehouse_lead_time: int) -> Scenarios:
    """Per model: correlated Normal demand (N, S, T), store pipelines (N, S, 3) ~ U[0, μ] on the first L slots
    and the warehouse pipeline (N, L_w) ~ U[0, Σμ]."""
    demand, stores, warehouse = [], [], []
    for inst, g in zip(instances, generators):
        count = inst.mean.shape[0]
        spec = DemandSpec("normal", tuple(inst.mean.tolist()), tuple(inst.std.tolist()), correlation)
        demand.append(sample_demand(spec, scenarios, count, periods, g))
        slots = torch.rand(scenarios, count, STORE_SLOTS, generator=g) * inst.mean[None, :, None]
        stores.append(slots * (torch.arange(STORE_SLOTS)[None, None, :] < inst.lead[None, :, None]))
        warehouse.append(torch.rand(scenarios, warehouse_lead_time, generator=g) * inst.mean.sum())
    return {"demand": torch.stack(demand), "store_state": torch.stack(stores),
            "warehouse_state": torch.stack(warehouse)}


def serial_scenarios(mean: float, std: float, lead_times: Sequence[int], generators: Sequence[torch.Generator],
                     scenarios: int, periods: int) -> Scenarios:
    """Per model: Normal(μ, σ) demand (N, T) and one initial pipeline per location (N, L_k) ~ U[0, μ]."""
    spec = DemandSpec("normal", (mean,), (std,))
    out = {"demand": torch.stack([sample_demand(spec, scenarios, 1, periods, g)[:, 0] for g in generators])}
    for k, lt in enumerate(lead_times):
        out[f"state{k}"] = torch.stack([torch.rand(scenarios, lt, generator=g) * mean for g in generators])
    return out
