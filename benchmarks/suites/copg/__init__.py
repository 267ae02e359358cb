"""CoPG suite — Contrastive Policy Gradient (Flet-Berliac et al., 2024, arXiv 2406.19185).

Layout: ``experiments.py`` (configs and run functions; the learners and pipelines are in :mod:`bandits.copg`),
``budgets.py`` (smoke / quick / full), ``claims.py`` (thresholds, paper and pilot values, checks), ``figures.py``.

Claims: ``copg.fixed_point`` (Thm 1), ``copg.baselines_biased`` (Fig. 1), ``copg.unbiased_on_policy`` (Prop. 1),
``copg.rloo_equivalence`` (Prop. 2), ``copg.ipo_equivalence`` (Prop. 3), ``copg.baseline_identity`` (Eq. 16).
"""
from __future__ import annotations

from benchmarks.registry import Claim, Suite
from benchmarks.suites.copg import claims, figures
from benchmarks.suites.copg.experiments import EXPERIMENTS

CITATION = "CoPG (Flet-Berliac et al., 2024)"

SUITE = Suite(
    name="copg", paper=CITATION, experiments=EXPERIMENTS,
    claims=(
        Claim(id="copg.fixed_point", paper=CITATION, source="Thm 1",
              statement="For any μ1, μ2, π_ref with equal full support, the optimum of the CoPG objective is π* "
                        "∝ π_ref·exp(R/β) (paper bandit and ≥ 50 random instances; exact and sampled data).",
              experiments=("copg/exact_fixed_point", "copg/toy_bandit", "copg/random_instances"),
              check=claims.check_fixed_point, paper_value="regret 0", plot=figures.plot_fixed_point,
              controls=claims.CONTROLS["copg.fixed_point"]),
        Claim(id="copg.baselines_biased", paper=CITATION, source="Fig. 1",
              statement="On the same off-policy data, PG (b=0) ends worse than π_ref and PG with a value "
                        "baseline and IPO converge to strictly positive regret, while CoPG reaches 0.",
              experiments=("copg/toy_bandit", "copg/beta_sweep"), check=claims.check_baselines_biased,
              paper_value="0.638 / 0.0148 / 0.1525 / 0", plot=figures.plot_baselines_and_beta_sweep),
        Claim(id="copg.unbiased_on_policy", paper=CITATION, source="Prop. 1",
              statement="With y, y′ ∼ π, the CoPG gradient is unbiased for 2∇J(π) (Monte Carlo vs autograd, "
                        "random instances and policies).",
              experiments=("copg/gradient_identities",), check=claims.check_unbiased_on_policy,
              paper_value="E[∇ℓ] = 2∇J", plot=figures.plot_unbiased,
              controls=claims.CONTROLS["copg.unbiased_on_policy"]),
        Claim(id="copg.rloo_equivalence", paper=CITATION, source="Prop. 2",
              statement="On-policy, the CoPG gradient equals the RLOO (k=2) gradient on R^π_β sample by sample.",
              experiments=("copg/gradient_identities",), check=claims.check_rloo_equivalence,
              paper_value="equal", plot=figures.plot_rloo,
              controls=claims.CONTROLS["copg.rloo_equivalence"]),
        Claim(id="copg.ipo_equivalence", paper=CITATION, source="Prop. 3",
              statement="With R(y_w) = 1/4, R(y_l) = −1/4 the CoPG ascent direction is β/2 times IPO's (τ=β) "
                        "descent direction.",
              experiments=("copg/gradient_identities",), check=claims.check_ipo_equivalence,
              paper_value="ratio β/2, cosine 1", plot=figures.plot_ipo,
              controls=claims.CONTROLS["copg.ipo_equivalence"]),
        Claim(id="copg.baseline_identity", paper=CITATION, source="Eq. 16",
              statement="With μ1 = μ2 = μ, the CoPG gradient is 2·E_μ[(R^π_β − E_μR^π_β)∇ln π]; any other "
                        "constant baseline biases it.",
              experiments=("copg/gradient_identities",), check=claims.check_baseline_identity,
              paper_value="equal; other baselines biased", plot=figures.plot_baseline_identity,
              controls=claims.CONTROLS["copg.baseline_identity"]),
    ),
)
