"""What one seed's pipeline returns to its caller (a suite wraps it in a Result)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeedOutcome:
    """One seed's measurements: scalar ``metrics`` and named ``series`` (lists of floats)."""

    metrics: dict[str, float]
    series: dict[str, list[float]] = field(default_factory=dict)
