"""Budgets of the nash_md experiments as data: seeds and config overrides per budget (smoke / quick / full).

The exact dynamics are deterministic given a seed's random games, so seeds replicate over game draws; quick runs
the configs' defaults (T = 10⁴ for the last-iterate bound sweep, 10⁵ for its rate study), full longer horizons.
"""
from __future__ import annotations

from benchmarks.registry import Budget

LAST_ITERATE = {
    "smoke": Budget(seeds=2, overrides={"steps": 300, "sizes": (3, 8), "games_per_size": 2, "taus": (0.2, 1.0),
                                        "rate_steps": 600, "rate_size": 4, "rate_games": 2}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=10, overrides={"steps": 100_000, "games_per_size": 10, "rate_steps": 400_000,
                                        "rate_games": 8}),
}
CONSTANT_STEP = {
    "smoke": Budget(seeds=2, overrides={"steps": 400, "etas": (0.5, 1.5, 5.0), "sizes": (3,), "games_per_size": 2}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=10, overrides={"steps": 20_000, "etas": (0.02, 0.05, 0.15, 0.5, 1.5, 5.0),
                                        "sizes": (3, 10, 30), "games_per_size": 10}),
}
CYCLING = {
    "smoke": Budget(seeds=3, overrides={"steps": 3000}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=20, overrides={"steps": 100_000}),
}
RLHF_VS_NASH = {
    "smoke": Budget(seeds=3, overrides={"bt_games": 3}),
    "quick": Budget(seeds=10),
    "full": Budget(seeds=30, overrides={"bt_games": 50}),
}
PG_BIAS = {
    "smoke": Budget(seeds=2, overrides={"steps": 200, "batch_size": 128}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=20, overrides={"steps": 20_000, "lr_decay_steps": 1000.0}),
}
