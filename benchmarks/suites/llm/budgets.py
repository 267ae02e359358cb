"""Budgets of the llm experiments as data: seeds and config overrides per budget (smoke / quick / decide / full).

smoke: a tiny random model (no download), seconds, checks that everything runs. quick: SmolLM2-135M on the CPU,
the committed report (target ≤ 15 minutes with 2 workers on 2 idle cores). decide: quick, except
``llm/reward_ordering``, which runs its full frontier (β ∈ {0.05, 0.2}) on 10 seeds there (≈ 6–7 CPU-minutes a
seed; ``claimbench verify llm --budget decide`` after the quick run costs only those seeds); at quick it runs one β
on one seed (plumbing: "inconclusive (too few seeds)"). full: longer training and more data.

Seeds (REVISION-2 §1: a stochastic verdict needs n ≥ 5): ``llm/same_estimators`` runs 1 (exact float identities:
one seed decides); ``llm/k_choice`` and ``llm/nash_md_pg`` run 5 at quick, ``llm/kl_gradients_lm`` 10;
``llm/reward_ordering`` runs 1 at quick and 10 at decide; ``llm/gpu_scale`` runs 5 on CUDA (nothing without a GPU).
"""
from __future__ import annotations

from benchmarks.registry import Budget

TINY_MODEL = {"model": "tiny"}


def _budgets(smoke: dict, quick: dict, full: dict, quick_seeds: int = 5,
             decide: Budget | None = None) -> dict[str, Budget]:
    """smoke / quick / decide / full; ``decide`` is the quick budget unless given (same config → the quick rows
    are reused from the store, so ``--budget decide`` runs only what quick cannot decide)."""
    quick_budget = Budget(seeds=quick_seeds, overrides=quick)
    return {"smoke": Budget(seeds=1, overrides={**TINY_MODEL, **smoke}), "quick": quick_budget,
            "decide": decide or quick_budget, "full": Budget(seeds=5, overrides=full)}


BUDGETS: dict[str, dict[str, Budget]] = {
    "llm/same_estimators": _budgets({"num_prompts": 2, "num_pairs": 3}, {}, {"num_pairs": 16}, quick_seeds=1),
    "llm/k_choice": _budgets(
        {"num_prompts": 3, "steps": 4, "shift_check_steps": 2, "batch_pairs": 4, "eval_every": 2},
        {"num_prompts": 4, "last_k": 1}, {"num_prompts": 12, "last_k": 2, "steps": 300, "shift_check_steps": 20}),
    "llm/reward_ordering": _budgets(
        {"num_train_prompts": 2, "num_heldout_prompts": 2, "samples_per_prompt": 2, "eval_samples": 2,
         "max_new_tokens": 3, "steps": 3, "batch_pairs": 2, "betas": (0.1,)},
        {"betas": (0.2,)}, {"num_train_prompts": 48, "num_heldout_prompts": 32, "samples_per_prompt": 16,
                            "eval_samples": 16, "betas": (0.02, 0.05, 0.1, 0.2, 0.5), "steps": 100},
        quick_seeds=1, decide=Budget(seeds=10, overrides={})),
    "llm/nash_md_pg": _budgets({"num_prompts": 2, "steps": 3, "samples_per_prompt": 2, "eval_every": 3},
                               {"num_prompts": 4, "steps": 30}, {"num_prompts": 8, "steps": 300}),
    "llm/gpu_scale": {
        "smoke": Budget(seeds=1, overrides={**TINY_MODEL, "steps": 2, "shift_check_steps": 2}),
        "quick": Budget(seeds=5, overrides={"steps": 120, "shift_check_steps": 120}),
        "decide": Budget(seeds=5, overrides={"steps": 120, "shift_check_steps": 120}),
        "full": Budget(seeds=5, overrides={"steps": 300, "shift_check_steps": 300}),
    },
    # KL-gradient estimators (Tang & Munos 2025): (a) exact, one instance per seed, 3 instances decide (worst one);
    # (b) Monte Carlo on the LM, seeds are the replicates (10 at quick: t-interval with 9 df), full: 3-token
    # completions (their distinct 2-token prefixes make a sample ≈ 8× dearer).
    "llm/kl_gradients_tabular": {
        "smoke": Budget(seeds=1, overrides={"vocab": 2, "length": 2, "steps": 20, "record_points": 3}),
        "quick": Budget(seeds=3, overrides={}), "decide": Budget(seeds=3, overrides={}),
        "full": Budget(seeds=5, overrides={"length": 4, "steps": 3000}),
    },
    "llm/kl_gradients_lm": {
        "smoke": Budget(seeds=1, overrides={**TINY_MODEL, "num_samples": 16}),
        "quick": Budget(seeds=10, overrides={}), "decide": Budget(seeds=10, overrides={}),
        "full": Budget(seeds=10, overrides={"length": 3, "num_samples": 4096}),
    },
}
"""Budgets per experiment name."""
