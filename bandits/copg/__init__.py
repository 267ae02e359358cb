"""Contrastive Policy Gradient (Flet-Berliac et al., 2024, arXiv 2406.19185) on tabular bandits.

- :mod:`bandits.copg.offline_training` — batched offline training of softmax policies on fixed pair datasets
  (CoPG, naive PG, IPO, DPO from the loss table of :mod:`bandits.objectives`) and the exact population optimum;
- :mod:`bandits.copg.gradient_checks` — per-sample and expected gradients of the estimators, by autograd;
- :mod:`bandits.copg.identities` — Prop. 1–3 and Eq. 16 checked on random instances and random policies;
- :mod:`bandits.copg.pipelines` — the paper's experiments (Fig. 1, Thm 1 exactly and on random instances, a
  β sweep) as one call each, returning per-seed metrics and series.

The problems (reward bandits, pair datasets, random instances) are in :mod:`bandits.problems`; the estimators in
:mod:`bandits.objectives`; KL, π* and J(π) in :mod:`bandits.solvers`.
"""
