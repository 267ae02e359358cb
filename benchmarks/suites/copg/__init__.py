"""CoPG suite — Contrastive Policy Gradient (Flet-Berliac et al., 2024, arXiv 2406.19185).

Layout: ``experiments.py`` (configs and run functions; the learners and pipelines are in :mod:`bandits.copg`),
``budgets.py`` (smoke / quick / full), ``claims.py`` (thresholds, paper and pilot values, checks), ``figures.py``.

Claims: ``copg.fixed_point`` (Thm 1), ``copg.baselines_biased`` (Fig. 1), ``copg.unbiased_on_policy`` (Prop. 1),
``copg.rloo_equivalence`` (Prop. 2), ``copg.ipo_equivalence`` (Prop. 3), ``copg.baseline_identity`` (Eq. 16).
"""
from __future__ import annotations

from benchmarks.registry import Suite, claim_factory
from benchmarks.suites.copg import claims, figures
from benchmarks.suites.copg.experiments import EXPERIMENTS

CITATION = "CoPG (Flet-Berliac et al., 2024)"
claim = claim_factory(CITATION, claims.CONTROLS)

SUITE = Suite(
    name="copg", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        claim("copg.fixed_point", "Thm 1", "For any μ1, μ2, π_ref with equal full support, the optimum of the CoPG "
              "objective is π* ∝ π_ref·exp(R/β) (paper bandit and ≥ 50 random instances; exact and sampled data).",
              ("copg/exact_fixed_point", "copg/toy_bandit", "copg/random_instances"), claims.check_fixed_point,
              figures.plot_fixed_point, "regret 0"),
        claim("copg.baselines_biased", "Fig. 1", "On the same off-policy data, PG (b=0) ends worse than π_ref and PG "
              "with a value baseline and IPO converge to strictly positive regret, while CoPG reaches 0.",
              ("copg/toy_bandit", "copg/beta_sweep"), claims.check_baselines_biased,
              figures.plot_baselines_and_beta_sweep, "0.638 / 0.0148 / 0.1525 / 0"),
        claim("copg.unbiased_on_policy", "Prop. 1", "With y, y′ ∼ π, the CoPG gradient is unbiased for 2∇J(π) "
              "(Monte Carlo vs autograd, random instances and policies).", ("copg/gradient_identities",),
              claims.check_unbiased_on_policy, figures.plot_unbiased, "E[∇ℓ] = 2∇J"),
        claim("copg.rloo_equivalence", "Prop. 2",
              "On-policy, the CoPG gradient equals the RLOO (k=2) gradient on R^π_β sample by sample.",
              ("copg/gradient_identities",), claims.check_rloo_equivalence, figures.plot_rloo, "equal"),
        claim("copg.ipo_equivalence", "Prop. 3", "With R(y_w) = 1/4, R(y_l) = −1/4 the CoPG ascent direction is β/2 "
              "times IPO's (τ=β) descent direction.", ("copg/gradient_identities",), claims.check_ipo_equivalence,
              figures.plot_ipo, "ratio β/2, cosine 1"),
        claim("copg.baseline_identity", "Eq. 16", "With μ1 = μ2 = μ, the CoPG gradient is 2·E_μ[(R^π_β − "
              "E_μR^π_β)∇ln π]; any other constant baseline biases it.", ("copg/gradient_identities",),
              claims.check_baseline_identity, figures.plot_baseline_identity, "equal; other baselines biased"),
    ),
)
