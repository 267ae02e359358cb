"""Budgets of the Contrastive UCB experiments as data: seeds and config overrides per budget (smoke / quick / full).

smoke: seconds, checks that everything runs (tiny lock, H = 3); quick: the committed report (S = 30 recovery grid,
the anti-shaped H = 10 lock with K = 1500, the H = 6 lock at m = 20, the 6-state game with K = 3200 and 10
seeds; ≤ 5 min wall on 2 idle cores); full: 10 seeds (20 for the game), every learner, four lock widths,
K = 3000 for the locks.
"""
from __future__ import annotations

from benchmarks.registry import Budget
from mdps.lowrank.lock_study import LOCK_LEARNERS

_SMOKE_LOCK = {"horizon": 3, "episodes": 60, "refit_every": 20, "fit_steps": 30, "restarts": 2,
               "ucbvi_bonuses": (0.1,)}
_FULL_UCBVI = {"fit_steps": 400, "episodes": 3000, "ucbvi_bonuses": (0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)}

BUDGETS: dict[str, dict[str, Budget]] = {
    "contrastive_ucb/representation": {
        "smoke": Budget(seeds=2, overrides={"num_states": 12, "rank": 3, "sample_sizes": (1e3, 1e4, 1e5, 1e6),
                                            "slope_from": 1e3, "restarts": 1, "max_iter": 100,
                                            "exact_max_iter": 300}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=10, overrides={"restarts": 4, "max_iter": 1000}),
    },
    "contrastive_ucb/lock": {
        "smoke": Budget(seeds=2, overrides={**_SMOKE_LOCK, "obs_per_latent": 2}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=10, overrides={"learners": LOCK_LEARNERS, **_FULL_UCBVI}),
    },
    "contrastive_ucb/lock_width": {
        "smoke": Budget(seeds=2, overrides={**_SMOKE_LOCK, "widths": (2,)}),
        "quick": Budget(seeds=5),
        "full": Budget(seeds=10, overrides={"widths": (2, 5, 10, 20), **_FULL_UCBVI}),
    },
    "contrastive_ucb/game": {
        "smoke": Budget(seeds=2, overrides={"num_states": 4, "rank": 2, "horizon": 2, "episodes": 100,
                                            "first_checkpoint": 10, "refit_every": 25, "fit_steps": 50}),
        "quick": Budget(seeds=10),
        "full": Budget(seeds=20, overrides={"episodes": 12800}),
    },
}
