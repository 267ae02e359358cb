"""Nash-MD suite — Nash Learning from Human Feedback (Munos et al., 2023, arXiv 2312.00886).

Layout: ``experiments.py`` (configs and run functions; the pipelines are in :mod:`bandits.nash_md`),
``budgets.py`` (smoke / quick / full), ``claims.py`` (thresholds, paper and pilot values, checks), ``figures.py``.

Claims: ``nash_md.last_iterate_rate`` (Thm 1), ``nash_md.constant_step_floor``, ``nash_md.unregularised_cycling``,
``nash_md.rlhf_not_nash`` (§3.2, App. A), ``nash_md.pg_mixture_bias`` (Nash-MD-PG).
"""
from __future__ import annotations

from benchmarks.registry import Suite, claim_factory
from benchmarks.suites.nash_md import claims, figures
from benchmarks.suites.nash_md.experiments import EXPERIMENTS

CITATION = "Nash-MD (Munos et al., 2023)"
claim = claim_factory(CITATION, {
    "nash_md.last_iterate_rate": (
        "negative control: constant-η Nash-MD (η = 0.5/τ) on the same games and starts does not converge; its "
        "fitted exponent is above −0.5 at every τ",
        "negative control: τ = 0 self-play (multiplicative weights) on the same games does not converge; its "
        "fitted exponent is above −0.5",
        "the bound can fail: at the horizon the constant-η control's KL is above 8/(τ²(T+1)) at every τ, every seed"),
    "nash_md.constant_step_floor": ("every KL curve has plateaued (flat over its last 10%): the floor is measured, "
                                    "not a run cut short",),
    "nash_md.rlhf_not_nash": ("the LP solver reproduces the closed-form Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) to 1e-9",),
})

SUITE = Suite(
    name="nash_md", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        claim("nash_md.last_iterate_rate", "Thm 1", "With η_t = 2/(τ(t+2)), Nash-MD's last iterate satisfies "
              "KL(π*_τ‖π_T) ≤ 8/(τ²(T+1)) for all T, on every shipped game and ≥ 100 random antisymmetric games; "
              "the worst game's KL decays at least like 1/T (fitted exponent ≤ −1) at τ ∈ {0.2, 0.05, 0.01}.",
              ("nash_md/last_iterate",), claims.check_last_iterate, figures.plot_last_iterate, claims.PAPER.bound),
        claim("nash_md.constant_step_floor", "constant-η Nash-MD (spec claim 2)", "With a constant step η, "
              "Nash-MD's KL(π*_τ‖π_t) plateaus at a floor that grows with η (bounded by ~2η/τ).",
              ("nash_md/constant_step",), claims.check_constant_step, figures.plot_constant_step,
              "floor ↑ with η, ≤ ~2η/τ"),
        claim("nash_md.unregularised_cycling", "Nash-MD vs OMD / self-play (spec claim 3)", "On rock-paper-scissors, "
              "τ = 0 self-play's last iterate does not converge (it drifts to the boundary) while its average "
              "converges to the Nash; Nash-MD's last iterate converges.", ("nash_md/cycling",), claims.check_cycling,
              figures.plot_cycling, "last iterate diverges, average converges"),
        claim("nash_md.rlhf_not_nash", "§3.2, App. A", "Bradley–Terry RLHF picks y1 on the rater population (ε > 0) "
              "and is exploitable, while the Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) is not; on BT-consistent games they "
              "agree; in the Elo example P(π*_P ≻ π*_R) = 50/99.", ("nash_md/rlhf_vs_nash",),
              claims.check_rlhf_vs_nash, figures.plot_rlhf_vs_nash, "Nash (0.383, 0.383, 0.233) at ε = 0.1; 50/99"),
        claim("nash_md.pg_mixture_bias", "Nash-MD-PG (deep-learning version)", "Sampled Nash-MD-PG with fixed β > 0 "
              "converges to softmax(log μ + Pπ^β/τ), not to π*_τ; the bias grows with β, and β = 0 converges to "
              "π*_τ.", ("nash_md/pg_bias",), claims.check_pg_bias, figures.plot_pg_bias,
              "3.4e-3 / 0.107 / 1.15 at β = 0.125 / 0.5 / 1"),
    ),
)
