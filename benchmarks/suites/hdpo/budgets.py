"""Budgets of the HDPO experiments as data: seeds and config overrides per budget (smoke / quick / decide / full).

smoke: about a minute, checks that everything runs (2 seeds: too few to decide anything). quick: the committed
report, 5 seeds, L ∈ {1, 4} only (≈ 6 min on 2 idle cores with 2 workers); it may stay inconclusive where it
cannot decide, and says so. decide: every instance of the spec, 5 seeds, larger scenario sets and epoch caps, every
run trained to its plateau test; sized for ≤ 60 min on 2 idle cores with 2 workers. full: the official code's
scale (32,768 training scenarios, batch 8,192, up to 300 epochs; CPU-hours).
"""
from __future__ import annotations

from benchmarks.registry import Budget

QUICK_SEEDS = 5
"""The fewest seeds a stochastic verdict accepts (REVISION-2 §1): every learner, and the capped base-stock
search that HDPO is compared with, runs 5 seeds at quick and at decide."""

_SMOKE_TRAINING = {"train_scenarios": 256, "batch_size": 128, "epochs": 3, "dev_scenarios": 64,
                   "test_scenarios": 64, "test_periods": 120, "test_warmup": 40, "eval_every": 1}
_DECIDE_TRAINING = {"train_scenarios": 2048, "batch_size": 256, "epochs": 150, "dev_scenarios": 1024,
                    "test_scenarios": 1024, "test_periods": 600, "test_warmup": 150, "eval_every": 5}
_FULL_TRAINING = {"train_scenarios": 32768, "batch_size": 8192, "epochs": 300, "dev_scenarios": 8192,
                  "test_scenarios": 8192, "test_periods": 2000, "test_warmup": 500, "eval_every": 10}
_LOST_SALES = {"lost_sales": True}
_QUICK_LEADS = {"lead_times": (1, 4)}
"""Quick covers the shortest and the longest lead time of each grid (decide covers every one)."""
_QUICK_STORES = {**_QUICK_LEADS, "epochs": 60}
"""Quick single-store training: L ∈ {1, 4}, at most 60 epochs (1,024 scenarios, batch 128)."""
_ALL_LOST_SALES_LEADS = {"lead_times": (1, 2, 3, 4)}

BUDGETS: dict[str, dict[str, Budget]] = {
    "hdpo/backlog": {
        "smoke": Budget(seeds=2, overrides={"underage_costs": (9.0,), "lead_times": (2,), **_SMOKE_TRAINING}),
        "quick": Budget(seeds=QUICK_SEEDS, overrides=_QUICK_STORES),
        "decide": Budget(seeds=QUICK_SEEDS, overrides=_DECIDE_TRAINING),
        "full": Budget(seeds=5, overrides=_FULL_TRAINING),
    },
    "hdpo/lost_sales": {
        "smoke": Budget(seeds=2, overrides={**_LOST_SALES, "underage_costs": (9.0,), "lead_times": (1,),
                                            **_SMOKE_TRAINING}),
        "quick": Budget(seeds=QUICK_SEEDS, overrides={**_LOST_SALES, **_QUICK_STORES}),
        "decide": Budget(seeds=QUICK_SEEDS, overrides={**_LOST_SALES, **_ALL_LOST_SALES_LEADS, **_DECIDE_TRAINING}),
        "full": Budget(seeds=5, overrides={**_LOST_SALES, **_ALL_LOST_SALES_LEADS, **_FULL_TRAINING}),
    },
    "hdpo/lost_sales_reference": {
        "smoke": Budget(seeds=1, overrides={"underage_costs": (9.0,), "lead_times": (1,)}),
        "quick": Budget(seeds=QUICK_SEEDS, overrides=_QUICK_LEADS),
        "decide": Budget(seeds=QUICK_SEEDS, overrides={"search_scenarios": 256}),
        "full": Budget(seeds=QUICK_SEEDS, overrides={"search_scenarios": 512}),
    },
    "hdpo/reinforce": {
        "smoke": Budget(seeds=2, overrides=_SMOKE_TRAINING),
        "quick": Budget(seeds=QUICK_SEEDS),
        "decide": Budget(seeds=8, overrides=_DECIDE_TRAINING),
        "full": Budget(seeds=8, overrides={"train_scenarios": 32768, "batch_size": 8192, "epochs": 300,
                                           "eval_every": 10}),
    },
    "hdpo/gnn": {
        "smoke": Budget(seeds=2, overrides={"small_sizes": (16,), "reference_size": 64, "steps": 4,
                                            "dev_scenarios": 32, "test_scenarios": 32, "test_periods": 120,
                                            "test_warmup": 40, "eval_every": 2}),
        "quick": Budget(seeds=QUICK_SEEDS, overrides={"steps": 300}),
        "decide": Budget(seeds=QUICK_SEEDS, overrides={"small_sizes": (16, 64, 256), "reference_size": 4096,
                                                       "steps": 1500, "dev_scenarios": 1024,
                                                       "test_scenarios": 1024, "test_periods": 600,
                                                       "test_warmup": 150}),
        "full": Budget(seeds=5, overrides={"small_sizes": (16, 64, 256), "reference_size": 8192, "steps": 3000,
                                           "batch_size": 1024, "dev_scenarios": 4096, "test_scenarios": 4096,
                                           "test_periods": 2000, "test_warmup": 500}),
    },
    "hdpo/serial": {
        "smoke": Budget(seeds=2, overrides={**_SMOKE_TRAINING, "test_periods": 200, "test_warmup": 60,
                                            "search_scenarios": 32}),
        "quick": Budget(seeds=QUICK_SEEDS),
        "decide": Budget(seeds=QUICK_SEEDS, overrides={**_DECIDE_TRAINING, "epochs": 200,
                                                       "search_scenarios": 512}),
        "full": Budget(seeds=5, overrides={**_FULL_TRAINING, "search_scenarios": 1024}),
    },
}
"""Budgets per experiment name."""
