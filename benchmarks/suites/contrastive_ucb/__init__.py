"""Contrastive UCB suite — Qiu, Zhao, Wang, Yang, Wang (ICML 2022, arXiv 2207.14800), "Contrastive UCB: provably
efficient contrastive self-supervised learning in online reinforcement learning".

The paper's own experiments are on Atari-100k with SPR-UCB (Rainbow + an SPR/BYOL self-predictive loss + a bonus
from the return distribution's features). This suite does NOT reproduce those: it tests the theory (NCE
representation learning, UCB planning with the learned features, the Markov-game variant) on small low-rank
MDPs where the true representation φ* is known, so recovery and sample efficiency can be measured exactly.
Library code: :mod:`mdps.lowrank`. Layout: ``experiments`` (configs, run functions), ``budgets``, ``claims``
(thresholds, checks), ``figures``.
"""
from __future__ import annotations

from benchmarks.registry import Suite, claim_factory
from benchmarks.suites.contrastive_ucb import claims, figures
from benchmarks.suites.contrastive_ucb.experiments import EXPERIMENTS

CITATION = "Contrastive UCB (Qiu et al., ICML 2022)"
claim = claim_factory(CITATION, claims.CONTROLS)

CLAIMS = (
    claim("contrastive_ucb.representation_recovery", "Lemma 3.1, Thm 4.3 (NCE step)", "The NCE minimiser recovers "
          "P/P⁻ and span φ*; on sampled data sin θ_max and TV fall like N^{-1/2} (low-rank MDP S=30, A=4, d=5; theory "
          "tested where φ* is known, not Atari).", ("contrastive_ucb/representation",), claims.check_representation,
          figures.plot_representation, "N^{-1/2}; pilot slopes −0.50/−0.51"),
    claim("contrastive_ucb.sample_efficiency", "Thm 4.3", "Contrastive UCB with learned features finds a 0.1-optimal "
          "policy on an anti-shaped combination lock (H=10; a wrong action pays a small distractor reward and leads "
          "to the dead state) that its learned model without the bonus (β = 0: greedy, ε-greedy, one-step-random) "
          "never solves, and beats tuned tabular UCBVI as the number of observed states per latent grows.",
          ("contrastive_ucb/lock", "contrastive_ucb/lock_width"), claims.check_sample_efficiency, figures.plot_lock,
          "probe t₀.₁ 750, 450 (oracle 179; controls never)"),
    claim("contrastive_ucb.markov_game", "Thm 5.3", "In a low-rank zero-sum Markov game the episode-averaged duality "
          "gap (1/K)·Σ_k gap_k of Contrastive UCB's output policies falls like K^{-1/2} (slope ≤ −0.4).",
          ("contrastive_ucb/game",), claims.check_markov_game, figures.plot_game, "K^{-1/2}; not piloted"),
)

SUITE = Suite(name="contrastive_ucb", paper=CITATION, experiments=EXPERIMENTS, claims=CLAIMS)
