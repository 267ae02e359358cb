"""Reading a base-stock level off a learned store policy.

A base-stock policy orders q = (S − IP)⁺ with IP the inventory position (on hand plus pipeline), so whenever it
orders, IP + q = S. ``OrderRecorder`` wraps a policy and records (IP, q) of the first scenarios in every period;
``order_up_to_levels`` returns, per model, the median of IP + q over the scored periods in which q > 0.01.
"""
from __future__ import annotations

import torch
from torch import nn


class OrderRecorder(nn.Module):
    """Passes orders through unchanged and records inventory position and order of the first ``keep``
    scenarios of every call (one call per simulated period)."""

    def __init__(self, policy: nn.Module, keep: int = 256):
        super().__init__()
        self.policy, self.keep = policy, keep
        self.rows: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        order = self.policy(state)
        self.rows.append((state[:, :self.keep].sum(-1), order[:, :self.keep]))
        return order


def order_up_to_levels(recorder: OrderRecorder, warmup: int, min_order: float = 0.01) -> torch.Tensor:
    """(M,) median of IP + q over recorded periods >= ``warmup`` with q > ``min_order`` (NaN if none)."""
    position = torch.stack([r[0] for r in recorder.rows[warmup:]], -1).flatten(1)
    order = torch.stack([r[1] for r in recorder.rows[warmup:]], -1).flatten(1)
    level = position + order
    out = []
    for i in range(level.shape[0]):
        active = level[i][order[i] > min_order]
        out.append(active.median() if active.numel() else torch.tensor(float("nan")))
    return torch.stack(out)
