"""Budgets of the copg experiments as data: seeds and config overrides per budget (smoke / quick / full).

quick runs each config's defaults (the paper's Fig. 1 setup, 50 random instances) on 5 seeds; smoke shrinks
everything to seconds for the tests; full adds seeds, instances and epochs. ``exact_fixed_point`` is
deterministic, so one seed decides it at every budget.
"""
from __future__ import annotations

from benchmarks.registry import Budget

TOY_BANDIT = {
    "smoke": Budget(seeds=2, overrides={"num_pairs": 1000, "epochs": 20}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=20, overrides={"epochs": 500}),
}
EXACT_FIXED_POINT = {"smoke": Budget(seeds=1), "quick": Budget(seeds=1), "full": Budget(seeds=1)}
RANDOM_INSTANCES = {
    "smoke": Budget(seeds=2, overrides={"num_instances": 6, "num_pairs": 256, "epochs": 5}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=10, overrides={"num_instances": 200, "num_pairs": 4096, "epochs": 200}),
}
BETA_SWEEP = {
    "smoke": Budget(seeds=2, overrides={"betas": (0.5, 1.0), "num_pairs": 500, "epochs": 3}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=20, overrides={"epochs": 500}),
}
GRADIENT_IDENTITIES = {
    "smoke": Budget(seeds=2, overrides={"num_instances": 3, "mc_samples": 2000, "num_pairs": 32}),
    "quick": Budget(seeds=5),
    "full": Budget(seeds=20, overrides={"mc_samples": 100_000}),
}
