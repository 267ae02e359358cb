"""Nash-MD suite — Nash Learning from Human Feedback (Munos et al., 2023, arXiv 2312.00886).

Layout: ``experiments.py`` (configs and run functions; the pipelines are in :mod:`bandits.nash_md`),
``budgets.py`` (smoke / quick / full), ``claims.py`` (thresholds, paper and pilot values, checks), ``figures.py``.

Claims: ``nash_md.last_iterate_rate`` (Thm 1), ``nash_md.constant_step_floor``, ``nash_md.unregularised_cycling``,
``nash_md.rlhf_not_nash`` (§3.2, App. A), ``nash_md.pg_mixture_bias`` (Nash-MD-PG).
"""
from __future__ import annotations

from benchmarks.registry import Claim, Suite
from benchmarks.suites.nash_md import claims, figures
from benchmarks.suites.nash_md.experiments import EXPERIMENTS

CITATION = "Nash-MD (Munos et al., 2023)"

SUITE = Suite(
    name="nash_md", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        Claim(id="nash_md.last_iterate_rate", paper=CITATION, source="Thm 1",
              statement="With η_t = 2/(τ(t+2)), Nash-MD's last iterate satisfies KL(π*_τ‖π_T) ≤ 8/(τ²(T+1)) for "
                        "all T, on every shipped game and ≥ 100 random antisymmetric games.",
              experiments=("nash_md/last_iterate",), check=claims.check_last_iterate,
              paper_value=claims.PAPER.bound, plot=figures.plot_last_iterate),
        Claim(id="nash_md.constant_step_floor", paper=CITATION, source="constant-η Nash-MD (spec claim 2)",
              statement="With a constant step η, Nash-MD's KL(π*_τ‖π_t) plateaus at a floor that grows with η "
                        "(bounded by ~2η/τ).",
              experiments=("nash_md/constant_step",), check=claims.check_constant_step,
              paper_value="floor ↑ with η, ≤ ~2η/τ", plot=figures.plot_constant_step,
              controls=("every KL curve has plateaued (flat over its last 10%): the floor is measured, not a run "
                        "cut short",)),
        Claim(id="nash_md.unregularised_cycling", paper=CITATION, source="Nash-MD vs OMD / self-play (spec claim 3)",
              statement="On rock-paper-scissors, τ = 0 self-play's last iterate does not converge (it drifts to the "
                        "boundary) while its average converges to the Nash; Nash-MD's last iterate converges.",
              experiments=("nash_md/cycling",), check=claims.check_cycling,
              paper_value="last iterate diverges, average converges", plot=figures.plot_cycling),
        Claim(id="nash_md.rlhf_not_nash", paper=CITATION, source="§3.2, App. A",
              statement="Bradley–Terry RLHF picks y1 on the rater population (ε > 0) and is exploitable, while the "
                        "Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) is not; on BT-consistent games they agree; in the Elo "
                        "example P(π*_P ≻ π*_R) = 50/99.",
              experiments=("nash_md/rlhf_vs_nash",), check=claims.check_rlhf_vs_nash,
              paper_value="Nash (0.383, 0.383, 0.233) at ε = 0.1; 50/99", plot=figures.plot_rlhf_vs_nash,
              controls=("the LP solver reproduces the closed-form Nash (1/3+ε/2, 1/3+ε/2, 1/3−ε) to 1e-9",)),
        Claim(id="nash_md.pg_mixture_bias", paper=CITATION, source="Nash-MD-PG (deep-learning version)",
              statement="Sampled Nash-MD-PG with fixed β > 0 converges to softmax(log μ + Pπ^β/τ), not to π*_τ; the "
                        "bias grows with β, and β = 0 converges to π*_τ.",
              experiments=("nash_md/pg_bias",), check=claims.check_pg_bias,
              paper_value="3.4e-3 / 0.107 / 1.15 at β = 0.125 / 0.5 / 1", plot=figures.plot_pg_bias),
    ),
)
