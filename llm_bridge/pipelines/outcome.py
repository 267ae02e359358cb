"""What a pipeline returns for one seed."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    """Scalar metrics and named series (learning curves) of one seed."""

    metrics: dict[str, float]
    series: dict[str, list[float]] = field(default_factory=dict)
