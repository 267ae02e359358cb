"""Tabular MDPs for Contrastive Preference Learning (Hejna et al., ICLR 2024, arXiv 2310.13639).

- ``mdp``: finite MDPs, the maximum-entropy optimum by soft value iteration (CPL Eq. 2–4), soft policy evaluation.
- ``segments``: segments from a behaviour policy, their discounted count features, preference labels (Eq. 1, 5).
- ``cpl``: the CPL / conservative CPL / Bradley–Terry losses (Eq. 1, 7, 8) and exact tabular fits.
- ``cpl_asymptotics``: the first-order prediction E[KL(π*‖π̂_N)] ≈ tr(F_u⁻¹H_u)/(2N) from CPL's Fisher information
  (shares no code with the fits).
- ``pipelines``: the data-generation and fitting sweeps of the cpl suite's tabular experiments.
"""
