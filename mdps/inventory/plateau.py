"""When a training run has plateaued: the stopping rule every HDPO training run uses besides its epoch cap.

With b_k the best dev cost up to checkpoint k (dev costs measured every ``eval_every`` epochs on a fixed dev set,
so b_k is deterministic given the parameters and never increases), a model has plateaued at checkpoint k when

    k >= window   and   b_{k−window} − b_k <= tolerance · b_{k−window},

i.e. its best dev cost improved by at most ``tolerance`` (relative) over its last ``window`` checkpoints (the
"patience" rule of early stopping, on the selected cost). The rule looks at one model's own curve only, so a
model stops at the same checkpoint whichever models share its batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class PlateauRule:
    """Stop a model when its best dev cost improved by at most ``tolerance`` over ``window`` checkpoints."""

    window: int = 4
    """Checkpoints looked back over (>= 1)."""
    tolerance: float = 0.001
    """Relative improvement of the best dev cost at or below which training has plateaued (>= 0)."""

    def __post_init__(self) -> None:
        if isinstance(self.window, bool) or int(self.window) != self.window or self.window < 1:
            raise ValueError(f"plateau window must be an integer >= 1, got {self.window!r}")
        if not 0.0 <= self.tolerance < 1.0:
            raise ValueError(f"plateau tolerance must be in [0, 1), got {self.tolerance}")

    def reached(self, best_curve: torch.Tensor) -> torch.Tensor:
        """(M,) bools: which models have plateaued at the last row of ``best_curve`` (checkpoints, M), the
        best-so-far dev costs."""
        if best_curve.shape[0] <= self.window:
            return torch.zeros(best_curve.shape[1], dtype=torch.bool)
        before, now = best_curve[-1 - self.window], best_curve[-1]
        return before - now <= self.tolerance * before.abs()
