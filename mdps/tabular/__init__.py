"""Tabular MDPs for Contrastive Preference Learning (Hejna et al., ICLR 2024, arXiv 2310.13639).

- ``mdp``: finite MDPs, the maximum-entropy optimum by soft value iteration (CPL Eq. 2–4), soft policy evaluation.
- ``segments``: segments from a behaviour policy, their discounted count features, preference labels (Eq. 1, 5).
- ``cpl``: the CPL / conservative CPL / Bradley–Terry losses (Eq. 1, 7, 8) and exact tabular fits.
- ``pipelines``: the data-generation and fitting sweeps of the cpl suite's tabular experiments.
"""
