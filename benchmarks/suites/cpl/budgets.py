"""Budgets of the cpl suite as data: seeds and config overrides for smoke / quick / full, per experiment.

A stochastic verdict needs at least 5 seeds, so every quick budget has 5 or more (conservative 10: its smallest
paired step is about one seed standard deviation); smoke (3 seeds) only checks that the pipeline runs end to end
(its verdicts say "too few seeds")."""
from __future__ import annotations

from benchmarks.registry import Budget

QUICK_PAIRS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000)
FULL_PAIRS = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
FH_QUICK_PAIRS = (10_000, 30_000, 100_000, 300_000, 1_000_000)
FH_FULL_PAIRS = (10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000)
SMOKE_PAIRS = (300, 1_000, 3_000)

DISCOUNTED = {"smoke": Budget(seeds=3, overrides={"pair_counts": SMOKE_PAIRS, "fisher_pairs": 20_000}),
              "quick": Budget(seeds=8),
              "full": Budget(seeds=10, overrides={"pair_counts": FULL_PAIRS})}
FINITE_HORIZON = {"smoke": Budget(seeds=3, overrides={"pair_counts": SMOKE_PAIRS}),
                  "quick": Budget(seeds=5),
                  "full": Budget(seeds=10, overrides={"pair_counts": FH_FULL_PAIRS})}
FINITE_HORIZON_DENSE = {"smoke": Budget(seeds=3, overrides={"concentration": 1.0, "pair_counts": SMOKE_PAIRS}),
                        "quick": Budget(seeds=5, overrides={"concentration": 1.0, "pair_counts": (10_000, 100_000)}),
                        "full": Budget(seeds=10, overrides={"concentration": 1.0, "pair_counts": FH_FULL_PAIRS})}
CONSERVATIVE = {"smoke": Budget(seeds=3, overrides={"num_pairs": 3_000}),
                "quick": Budget(seeds=10),  # the λ = 1 → 0.99 KL step is ≈ 0.9 seed-sd: 10 seeds for ~80% power
                "full": Budget(seeds=10, overrides={"num_pairs": 1_000_000})}
MINIGRID = {"smoke": Budget(seeds=3, overrides={"num_pairs": 200, "steps": 30, "hidden": 32}),
            "quick": Budget(seeds=10),  # the RLHF baseline's success varies across layouts (sd ≈ 0.5): 10 layouts
            "full": Budget(seeds=12, overrides={"num_pairs": 5000, "segment_length": 32, "steps": 6000})}
