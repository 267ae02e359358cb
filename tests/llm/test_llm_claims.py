"""Each llm claim's check on synthetic records: every status it can return (holds, fails, inconclusive with too
few seeds, invalid where it has a control), plus wrong estimators caught by ``llm.same_estimators``'s independent
reference."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bandits import objectives
from benchmarks.registry import RunRecord
from benchmarks.suites.llm.claims import (
    check_gpu_scale,
    check_k_choice,
    check_nash_md_pg,
    check_reward_ordering,
    check_same_estimators,
)
from benchmarks.suites.llm.experiments import SAME_ESTIMATORS, run_same_estimators
from llm_bridge.pipelines.k_choice import K_CHOICE_RUNS
from llm_bridge.pipelines.reward_ordering import frontier_gap
from llm_bridge.train import ESTIMATORS, OFFLINE_PREFERENCE_METHODS


def _spread(center: float, n: int, width: float) -> np.ndarray:
    """n values spread evenly over center ± width (a deterministic 'seed' sample)."""
    return center + np.linspace(-width, width, n)


def _records(experiment: str, n: int, metrics, series=None, config=None) -> dict[str, list[RunRecord]]:
    """``metrics(i)`` / ``series(i)`` give seed i's dicts."""
    return {experiment: [RunRecord(experiment, i, config or {}, metrics(i), series(i) if series else {})
                         for i in range(n)]}


# --- llm.same_estimators ----------------------------------------------------------------------------------------

def _same(n=3, grad_err=1e-8, ratio=0.25, cosine=1.0, dtype="float64"):
    def metrics(i):
        out = {"prop3_ratio": ratio, "prop3_expected_ratio": 0.25, "prop3_cosine": cosine,
               "logp_max_abs_diff": 1e-14, "trainable_params": 100.0}
        for m in ESTIMATORS:
            out.update({f"grad_rel_err/{m}": grad_err, f"loss_abs_diff/{m}": 1e-15, f"loss/{m}": 0.7})
        return out
    return _records("llm/same_estimators", n, metrics, config={"dtype": dtype, "model": "tiny"})


def test_same_estimators_holds_at_round_off():
    assert check_same_estimators(_same()).status == "holds"


def test_same_estimators_one_seed_decides_an_exact_identity():
    assert check_same_estimators(_same(n=1)).status == "holds"


@pytest.mark.parametrize("kwargs", [{"grad_err": 1e-2}, {"ratio": 0.3}, {"cosine": 0.9}])
def test_same_estimators_fails_on_a_broken_identity(kwargs):
    assert check_same_estimators(_same(**kwargs)).status == "fails"


def test_same_estimators_tolerance_follows_the_dtype():
    assert check_same_estimators(_same(grad_err=1e-4, dtype="float32")).status == "holds"
    assert check_same_estimators(_same(grad_err=1e-4, dtype="float64")).status == "fails"


def _run_smoke_same_estimators(monkeypatch, name: str, wrong) -> str:
    """Patch one bandits.objectives estimator everywhere (the function and its table entry), as a bug in that
    function would, and judge the smoke run."""
    monkeypatch.setattr(objectives, name, wrong)
    spec = objectives.LOSSES[name.removesuffix("_loss")]
    fn = objectives._ranked(wrong) if spec.kind == "ranked" else wrong
    monkeypatch.setitem(objectives.LOSSES, name.removesuffix("_loss"), dataclasses.replace(spec, fn=fn))
    config = SAME_ESTIMATORS.config("smoke")
    results = run_same_estimators(config, [0])
    records = [RunRecord("llm/same_estimators", 0, dataclasses.asdict(config), r.metrics, r.series) for r in results]
    return check_same_estimators({"llm/same_estimators": records}).status


def test_same_estimators_prop3_catches_a_wrong_ipo(monkeypatch):
    """Prop. 3 is an independent test: IPO's loss at twice its value breaks ∇CoPG = (β/2)·∇IPO."""
    original = objectives.ipo_loss
    assert _run_smoke_same_estimators(monkeypatch, "ipo_loss", lambda *a, **k: 2 * original(*a, **k)) == "fails"


@pytest.mark.parametrize("name", ["rloo_loss", "nash_md_pg_loss", "dpo_loss"])
def test_same_estimators_catches_a_wrong_estimator(monkeypatch, name):
    """The reference is the papers' formula written out (not the bandits.objectives function the bridge calls), so
    a wrong estimator outside Prop. 3 (here at twice its loss) makes the check fail."""
    original = getattr(objectives, name)
    assert _run_smoke_same_estimators(monkeypatch, name, lambda *a, **k: 2 * original(*a, **k)) == "fails"


# --- llm.k_choice_fixed_point ------------------------------------------------------------------------------------

K_CHOICE_GOOD = {"copg": 0.01, "copg_shifted": 0.12, "ipo": 0.2, "pg": 0.012, "pg_shifted": 0.45}


def _k_choice(n=5, shift_diff=1e-7, falling=False, **finals):
    final = {**K_CHOICE_GOOD, **finals}

    def metrics(i):
        out = {f"final_kl/{k}": float(_spread(v, n, 0.1 * v)[i]) for k, v in final.items()}
        out.update({f"plateaued/{k}": float(not falling) for k in final})
        return {**out, "start_kl": 0.25, "copg_shift_max_abs_diff": shift_diff,
                "timing/seconds_per_step/copg": 0.5}

    def series(i):
        curves = {}
        for run in K_CHOICE_RUNS:
            end = metrics(i)[f"final_kl/{run.name}"]
            tail = [end * 1.5, end * 1.2, end] if falling else [end, end, end]
            curves[f"kl/{run.name}"] = [0.25, 0.5 * (0.25 + end), *tail]
        return curves
    return _records("llm/k_choice", n, metrics, series, {"steps": 60, "shift_check_steps": 10, "train": "last_k"})


def test_k_choice_holds():
    verdict = check_k_choice(_k_choice())
    assert verdict.status == "holds", verdict.details["reasons"]


def test_k_choice_fails_when_copg_plateaus_above_the_cut_off():
    assert check_k_choice(_k_choice(copg=0.1)).status == "fails"


def test_k_choice_fails_when_the_shift_changes_copg():
    assert check_k_choice(_k_choice(shift_diff=0.05)).status == "fails"


def test_k_choice_fails_when_ipo_reaches_the_optimum():
    assert check_k_choice(_k_choice(ipo=0.01)).status == "fails"


def test_k_choice_fails_when_shifted_pg_is_not_ten_times_copg():
    verdict = check_k_choice(_k_choice(pg_shifted=0.05))
    assert verdict.status == "fails" and verdict.details["parts"]["pg_shifted"] == "fails"


def test_k_choice_is_inconclusive_with_too_few_seeds():
    verdict = check_k_choice(_k_choice(n=3))
    assert verdict.status == "inconclusive" and "too few seeds" in verdict.details["reasons"]["copg"]


def test_k_choice_is_inconclusive_while_copg_still_falls():
    verdict = check_k_choice(_k_choice(copg=0.1, falling=True))
    assert verdict.status == "inconclusive" and "no plateau" in verdict.details["reasons"]["copg"]


def test_k_choice_is_invalid_when_unshifted_pg_also_fails():
    verdict = check_k_choice(_k_choice(pg=0.8))
    assert verdict.status == "invalid" and verdict.details["parts"]["control_pg_unshifted"] == "invalid"


# --- llm.reward_ordering -----------------------------------------------------------------------------------------

ORDERING_BETAS = (0.05, 0.2)


def _ordering(n=5, moved=True, **rewards):
    """Frontier points: every method reaches KL 0.1 and 0.4; reward at the larger KL = ``rewards[m]``."""
    reward = {"copg": 0.5, "ipo": 0.3, "dpo": 0.2, **rewards}

    def metrics(i):
        out = {"ref_heldout_reward": 0.12}
        for m in OFFLINE_PREFERENCE_METHODS:
            top = float(_spread(reward[m], n, 0.02)[i] + 0.01 * (m == "copg"))
            for b, kl in zip(ORDERING_BETAS[::-1], (0.1, 0.4)):
                out[f"heldout_kl/{m}/{b:g}"] = kl if moved or m != "dpo" else 0.0
                out[f"heldout_reward/{m}/{b:g}"] = 0.12 + (top - 0.12) * kl / 0.4
        return out
    return _records("llm/reward_ordering", n, metrics, config={"betas": ORDERING_BETAS})


def test_reward_ordering_holds():
    verdict = check_reward_ordering(_ordering())
    assert verdict.status == "holds", verdict.details["reasons"]


def test_reward_ordering_fails_when_copg_is_worse():
    assert check_reward_ordering(_ordering(copg=0.1)).status == "fails"


def test_reward_ordering_is_inconclusive_with_too_few_seeds():
    assert check_reward_ordering(_ordering(n=3)).status == "inconclusive"


def test_reward_ordering_is_invalid_when_a_method_never_leaves_the_reference():
    verdict = check_reward_ordering(_ordering(moved=False))
    assert verdict.status == "invalid" and "DPO" in verdict.details["reasons"]["control_moved"]


def test_frontier_gap_compares_at_matched_kl():
    """A method that reaches a higher KL is not credited for it: on the shared KL range both lines coincide."""
    assert frontier_gap([0.2, 1.0], [0.3, 1.1], [0.1, 0.5], [0.2, 0.6], 0.1) == pytest.approx(0.0, abs=1e-12)
    assert frontier_gap([0.5], [0.6], [0.5], [0.4], 0.1) == pytest.approx(0.1)


# --- llm.nash_md_pg ----------------------------------------------------------------------------------------------

BETAS = (0.0, 0.125, 0.5)


def _nash(n=5, win=0.55, off_top=0.02, decrease=0.1):
    keys = [f"{b:g}" for b in BETAS]

    def metrics(i):
        out = {"ref_exploitability": 0.09}
        for b in keys:
            out.update({f"win_vs_ref/{b}": float(_spread(win, n, 0.01)[i]), f"kl_to_nash/{b}": 0.1,
                        f"kl_to_pg_fixed_point/{b}": 0.1, f"exploitability/{b}": 0.05,
                        f"fixed_point_win_vs_ref/{b}": 0.53, f"off_top_mass/{b}": off_top,
                        f"fixed_point_off_top_mass/{b}": 0.02})
        for j, b1 in enumerate(keys):
            for b2 in keys[j + 1:]:
                out[f"win/{b1}_vs_{b2}"] = 0.5
        return out

    def series(i):
        return {f"kl_to_fixed_point/{b}": [0.3, 0.3 - float(_spread(decrease, n, 0.01)[i])] for b in keys}
    return _records("llm/nash_md_pg", n, metrics, series, {"betas": BETAS, "tau": 0.1, "lr": 3e-5})


def test_nash_md_pg_holds():
    assert check_nash_md_pg(_nash()).status == "holds"


@pytest.mark.parametrize("kwargs", [{"win": 0.45}, {"decrease": -0.2}])
def test_nash_md_pg_fails(kwargs):
    assert check_nash_md_pg(_nash(**kwargs)).status == "fails"


def test_nash_md_pg_is_inconclusive_with_too_few_seeds():
    assert check_nash_md_pg(_nash(n=3)).status == "inconclusive"


def test_nash_md_pg_is_invalid_when_the_policy_collapses():
    verdict = check_nash_md_pg(_nash(off_top=1e-4, win=0.53, decrease=-0.7))
    assert verdict.status == "invalid" and "unstable optimiser" in verdict.details["reasons"]["control_stable"]


# --- llm.gpu_scale -----------------------------------------------------------------------------------------------

def _gpu(n=5, gpu=1.0, copg=0.01, ipo=0.2):
    def metrics(i):
        if not gpu:
            return {"gpu_available": 0.0}
        return {"gpu_available": gpu, "final_kl/copg": float(_spread(copg, n, 0.1 * copg)[i]),
                "final_kl/ipo": float(_spread(ipo, n, 0.1 * ipo)[i]), "final_kl/pg_shifted": 0.45, "start_kl": 0.25,
                "timing/logprob_tokens_per_s": 1e5, "timing/peak_memory_gb": 2.0}
    return _records("llm/gpu_scale", n, metrics, config={"dtype": "bfloat16", "batch_pairs": 64})


def test_gpu_scale_not_run_without_a_gpu():
    assert check_gpu_scale(_gpu(gpu=0.0)).status == "not run"


@pytest.mark.parametrize("kwargs, status", [({}, "holds"), ({"copg": 0.4}, "fails"), ({"n": 3}, "inconclusive")])
def test_gpu_scale_statuses(kwargs, status):
    assert check_gpu_scale(_gpu(**kwargs)).status == status
