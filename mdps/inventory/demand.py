"""Demand distributions and scenario sampling (every draw through an explicit torch.Generator).

- ``normal``: d ~ Normal(μ, σ) clipped at 0 (per store; optionally correlated across stores with one
  correlation ρ: d = μ + σ·(C z) with C the Cholesky factor of (1−ρ)I + ρ11ᵀ, then clipped).
- ``poisson``: d ~ Poisson(μ), independent across stores and periods.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

DemandKind = Literal["normal", "poisson"]


@dataclass(frozen=True)
class DemandSpec:
    """One demand distribution per store (a single μ/σ is shared by every store)."""

    kind: DemandKind = "normal"
    """"normal" (clipped at 0) or "poisson"."""
    mean: tuple[float, ...] = (5.0,)
    """μ per store (> 0); length 1 broadcasts."""
    std: tuple[float, ...] = (1.6,)
    """σ per store (>= 0; ignored for Poisson); length 1 broadcasts."""
    correlation: float = 0.0
    """ρ between any two stores' normal demands (must keep the correlation matrix positive semi-definite)."""

    def __post_init__(self) -> None:
        if self.kind not in ("normal", "poisson"):
            raise ValueError(f"demand kind must be 'normal' or 'poisson', got {self.kind!r}")
        if not self.mean or any(not math.isfinite(m) or m <= 0 for m in self.mean):
            raise ValueError(f"demand mean must be finite and > 0, got {self.mean}")
        if self.kind == "normal" and (not self.std or any(not math.isfinite(s) or s < 0 for s in self.std)):
            raise ValueError(f"demand std must be finite and >= 0, got {self.std}")
        if not math.isfinite(self.correlation) or not -1.0 < self.correlation <= 1.0:
            raise ValueError(f"demand correlation must be in (-1, 1], got {self.correlation}")
        if self.kind == "poisson" and self.correlation != 0.0:
            raise ValueError(f"correlated demand is only supported for 'normal', got correlation {self.correlation}")

    def means(self, stores: int) -> torch.Tensor:
        return _broadcast("mean", self.mean, stores)

    def stds(self, stores: int) -> torch.Tensor:
        return _broadcast("std", self.std, stores)


def _broadcast(name: str, values: tuple[float, ...], stores: int) -> torch.Tensor:
    if len(values) not in (1, stores):
        raise ValueError(f"demand {name} has {len(values)} entries for {stores} stores")
    return torch.tensor(values, dtype=torch.float32).expand(stores).clone()


def sample_demand(spec: DemandSpec, scenarios: int, stores: int, periods: int,
                  generator: torch.Generator) -> torch.Tensor:
    """Demand paths of shape (scenarios, stores, periods)."""
    mean = spec.means(stores)[None, :, None]
    if spec.kind == "poisson":
        return torch.poisson(mean.expand(scenarios, stores, periods).contiguous(), generator=generator)
    z = torch.randn(scenarios, periods, stores, generator=generator)
    if spec.correlation != 0.0 and stores > 1:
        corr = torch.full((stores, stores), spec.correlation).fill_diagonal_(1.0)
        eig = torch.linalg.eigvalsh(corr.double()).min()
        if eig < -1e-9:
            raise ValueError(f"demand correlation {spec.correlation} is not valid for {stores} stores "
                             f"(the correlation matrix is not positive semi-definite)")
        chol = torch.linalg.cholesky(corr.double() + 1e-9 * torch.eye(stores, dtype=torch.float64)).float()
        z = z @ chol.T
    return (mean + spec.stds(stores)[None, :, None] * z.transpose(1, 2)).clamp_min(0.0)
