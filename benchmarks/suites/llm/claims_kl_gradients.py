"""Claim ``llm.kl_gradient_estimators`` (Tang & Munos 2025, arXiv 2506.09477): thresholds and paper values on top,
then the check (kept beside ``claims.py``, which is near the 400-line limit).

Part (a) is exact (every expectation enumerated in float64): the worst instance decides, no interval. Part (b) is
Monte Carlo on the LM: per-seed relative bias (paired against the Rao–Blackwellised ∇KL), Student-t 95% interval
over ≥ 5 seeds.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks.records import fmt, values
from benchmarks.registry import RunRecord, Verdict
from benchmarks.stats import MIN_SEEDS, Estimate, combine_parts, decide_claim, mean_interval

UNBIASED = ("sequence", "reward_to_go", "analytic_reward_to_go")
"""Estimators whose expected gradient is ∇KL(π‖μ) (the last one needs full next-token distributions)."""
BIASED = ("per_token", "k1_loss", "k3_loss")
"""Per-token KL without reward-to-go (TRL 0.24 Nash-MD), k1 and k3 differentiated as losses (GRPO style)."""
LM_UNBIASED = ("sequence", "reward_to_go")
LM_LOSS_DIFFERENTIATED = ("k1_loss", "k3_loss")


@dataclass(frozen=True)
class KLGradientThresholds:
    """Cut-offs. (a) float64 round-off, and a bias 10⁴ times larger than it; (b) a resolution we choose (the paper
    gives none): a relative bias of 10% of ∂KL is "material"."""

    round_off: float = 1e-10
    """(a) ‖E ĝ − ∇KL‖/‖∇KL‖ and KL(π̂‖π_T) of the unbiased estimators at most this (float64, ε ≈ 2e-16)."""
    material: float = 1e-6
    """(a) the same for the biased estimators at least this (10⁴ × round_off: not round-off)."""
    not_converged: float = 1e-8
    """(a) an unbiased run whose own gradient norm is still above this has not converged (inconclusive)."""
    relative_bias: float = 0.1
    """(b) resolution δ: the unbiased estimators' mean relative bias within ±δ (equivalence); k1/k3 as losses
    differ from ∇KL when their interval excludes 0, and "fail" to differ when it lies within ±δ."""


KL_THRESHOLDS = KLGradientThresholds()
KL_PAPER = ("Tang & Munos 2025: sequence-level / reward-to-go score functions unbiased; k1 as a loss has zero "
            "expected gradient, k3 as a loss gives the reverse KL's; per-token without reward-to-go is partial; "
            "issue #22: TRL-style first-token gradient 0.4926 vs ∇KL 0.4395 on one instance")
Results = Mapping[str, list[RunRecord]]


def _point(x: float) -> Estimate:
    return Estimate(x, x, x, 1)


def _exact_part(results: Results) -> tuple[dict[str, tuple[str, str]], dict]:
    runs = results["llm/kl_gradients_tabular"]
    t = KL_THRESHOLDS
    worst_unbiased = max(max(values(runs, f"grad_rel_err/{e}")) for e in UNBIASED)
    least_biased = min(min(values(runs, f"grad_rel_err/{e}")) for e in BIASED)
    fp_unbiased = max(max(values(runs, f"fixed_point_kl/{e}")) for e in UNBIASED)
    fp_biased = min(min(values(runs, f"fixed_point_kl/{e}")) for e in BIASED)
    parts = {"gradient_unbiased": decide_claim(_point(worst_unbiased), t.round_off, "below", exact=True),
             "gradient_biased": decide_claim(_point(least_biased), t.material, "above", exact=True),
             "fixed_point_unbiased": decide_claim(_point(fp_unbiased), t.round_off, "below", exact=True),
             "fixed_point_biased": decide_claim(_point(fp_biased), t.material, "above", exact=True)}
    stalled = max(max(values(runs, f"final_grad_norm/{e}")) for e in UNBIASED)
    if parts["fixed_point_unbiased"][0] == "fails" and stalled > t.not_converged:
        parts["fixed_point_unbiased"] = ("inconclusive", f"not converged (gradient norm {stalled:.1e})")
    details = {
        "grad_rel_err": {e: values(runs, f"grad_rel_err/{e}") for e in (*UNBIASED, *BIASED)},
        "fixed_point_kl": {e: values(runs, f"fixed_point_kl/{e}") for e in (*UNBIASED, *BIASED)},
        "final_grad_norm": {e: values(runs, f"final_grad_norm/{e}") for e in (*UNBIASED, *BIASED)},
        "first_token_grad_norm": {e: runs[0].metrics[f"first_token_grad_norm/{e}"]
                                  for e in ("exact", *UNBIASED, *BIASED)},
        "instances": len(runs), "vocab": runs[0].config.get("vocab"), "length": runs[0].config.get("length"),
        "tau": runs[0].config.get("tau"), "beta": runs[0].config.get("beta")}
    return parts, details


def _band(estimate: Estimate, delta: float, equal: bool) -> tuple[str, str]:
    """From the two-sided 95% interval of the mean relative bias (n < 5 → inconclusive):
    - ``equal`` (an unbiased estimator): holds inside ±δ (equivalence), fails entirely outside ±δ;
    - not ``equal`` (a biased one): holds when the interval excludes 0 (a difference), fails inside ±δ (equal
      within the resolution); otherwise inconclusive."""
    if estimate.n < MIN_SEEDS:
        return "inconclusive", f"too few seeds (n={estimate.n} < {MIN_SEEDS})"
    interval = f"[{estimate.low:.3g}, {estimate.high:.3g}]"
    within = -delta <= estimate.low and estimate.high <= delta
    if within:
        return ("holds" if equal else "fails"), f"interval {interval} inside ±{delta:g}"
    if equal and (estimate.low > delta or estimate.high < -delta):
        return "fails", f"interval {interval} outside ±{delta:g}"
    if not equal and (estimate.low > 0 or estimate.high < 0):
        return "holds", f"interval {interval} excludes 0"
    return "inconclusive", f"interval {interval} straddles {'±' + format(delta, 'g') if equal else '0 and ±δ'}"


def _monte_carlo_part(results: Results) -> tuple[dict[str, tuple[str, str]], dict[str, Estimate]]:
    runs = results["llm/kl_gradients_lm"]
    names = (*LM_UNBIASED, "per_token", *LM_LOSS_DIFFERENTIATED)
    est = {e: mean_interval(values(runs, f"rel_bias/{e}")) for e in names}
    delta = KL_THRESHOLDS.relative_bias
    parts = {f"lm_{e}": _band(est[e], delta, equal=True) for e in LM_UNBIASED}
    parts.update({f"lm_{e}": _band(est[e], delta, equal=False) for e in LM_LOSS_DIFFERENTIATED})
    return parts, est


def check_kl_gradients(results: Results) -> Verdict:
    """(a) exact: unbiased estimators' expected gradients equal ∇KL to round-off and their Nash-MD-PG reaches
    softmax(log μ + P π^β/τ); the biased ones' do not (by ≥ 1e-6). (b) Monte Carlo on the LM: the unbiased
    estimators' mean relative bias within ±0.1, k1/k3 as losses different from 0 (t-intervals, ≥ 5 seeds); the
    per-token estimator's bias reported."""
    exact_parts, details = _exact_part(results)
    mc_parts, est = _monte_carlo_part(results)
    parts = {**exact_parts, **mc_parts}
    status = combine_parts([p[0] for p in parts.values()])
    lm_runs = results["llm/kl_gradients_lm"]
    worst = max(max(v) for e, v in details["grad_rel_err"].items() if e in UNBIASED)
    first = details["first_token_grad_norm"]
    details.update({"parts": {k: p[0] for k, p in parts.items()}, "reasons": {k: p[1] for k, p in parts.items()},
                    "lm_relative_bias": {e: [x.value, x.low, x.high] for e, x in est.items()},
                    "lm_kl": values(lm_runs, "kl"), "lm_seeds": len(lm_runs),
                    "lm_model": lm_runs[0].config.get("model"), "lm_length": lm_runs[0].config.get("length"),
                    "lm_samples": lm_runs[0].config.get("num_samples")})
    return Verdict(
        claim="llm.kl_gradient_estimators", status=status,
        statistic="largest relative error of an unbiased estimator's exact expected gradient vs ∇KL (tabular)",
        value=worst, ci=None, threshold=KL_THRESHOLDS.round_off, paper_value=KL_PAPER, details=details,
        explanation=(
            f"(a) exact, V={details['vocab']}, T={details['length']}, {details['instances']} instances: unbiased "
            f"rel. error ≤ {worst:.1e} ({parts['gradient_unbiased'][0]}); biased ≥ "
            f"{min(min(details['grad_rel_err'][e]) for e in BIASED):.3g} ({parts['gradient_biased'][0]}); first-token "
            f"logits gradient norm ∇KL {first['exact']:.4f}, per-token (TRL) {first['per_token']:.4f}, k3 "
            f"{first['k3_loss']:.4f}, k1 {first['k1_loss']:.1e}; Nash-MD-PG KL to softmax(log μ + Pπ^β/τ): unbiased "
            f"≤ {max(max(details['fixed_point_kl'][e]) for e in UNBIASED):.1e} ({parts['fixed_point_unbiased'][0]}), "
            + ", ".join(f"{e} {min(details['fixed_point_kl'][e]):.2g}" for e in BIASED)
            + f" ({parts['fixed_point_biased'][0]}). (b) {lm_runs[0].config.get('model')}, "
            f"{lm_runs[0].config.get('length')}-token completions, {len(lm_runs)} seeds, relative bias vs the "
            "Rao–Blackwellised ∇KL: " + ", ".join(f"{e} {fmt(x, 3)} ({parts[f'lm_{e}'][0]})" if f"lm_{e}" in parts
                                                else f"{e} {fmt(x, 3)} (reported)" for e, x in est.items())),
    )
