"""Input checks for the inventory package: one-line ValueErrors naming the bad value."""
from __future__ import annotations

import math


def check_lead_time(name: str, lead_time: int) -> int:
    """A lead time is an integer >= 1: an order placed in period t is on hand at the start of period t + L."""
    if isinstance(lead_time, bool) or int(lead_time) != lead_time:
        raise ValueError(f"{name} must be an integer, got {lead_time!r}")
    if lead_time < 1:
        raise ValueError(f"{name} must be >= 1 (an order arrives L periods later), got {lead_time}")
    return int(lead_time)


def check_costs(holding: float, underage: float, prefix: str = "") -> None:
    """Holding cost h >= 0 and underage (backlog / lost-sales) cost p > 0, both finite."""
    if not math.isfinite(holding) or holding < 0:
        raise ValueError(f"{prefix}holding cost h must be finite and >= 0, got {holding}")
    if not math.isfinite(underage) or underage <= 0:
        raise ValueError(f"{prefix}underage cost p must be finite and > 0, got {underage}")


def check_positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)
