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

from benchmarks.registry import Claim, Suite
from benchmarks.suites.contrastive_ucb.claims import (
    CONTROLS,
    check_markov_game,
    check_onpolicy_failure,
    check_representation,
    check_sample_efficiency,
)
from benchmarks.suites.contrastive_ucb.experiments import EXPERIMENTS
from benchmarks.suites.contrastive_ucb.figures import plot_game, plot_lock, plot_representation

CITATION = "Contrastive UCB (Qiu et al., ICML 2022)"

CLAIMS = (
    Claim(id="contrastive_ucb.representation_recovery", paper=CITATION, source="Lemma 3.1, Thm 4.3 (NCE step)",
          statement="The NCE minimiser recovers P/P⁻ and span φ*; on sampled data sin θ_max and TV fall like "
                    "N^{-1/2} (low-rank MDP S=30, A=4, d=5; theory tested where φ* is known, not Atari).",
          experiments=("contrastive_ucb/representation",), check=check_representation,
          paper_value="N^{-1/2}; pilot slopes −0.50/−0.51", plot=plot_representation,
          controls=CONTROLS["representation_recovery"]),
    Claim(id="contrastive_ucb.sample_efficiency", paper=CITATION, source="Thm 4.3",
          statement="Contrastive UCB with learned features finds a 0.1-optimal policy on a combination lock "
                    "(H=10) that a learner without the bonus (β = 0 + ε-greedy) never solves, and beats tuned tabular "
                    "UCBVI as the number of observed states per latent grows.",
          experiments=("contrastive_ucb/lock", "contrastive_ucb/lock_width"), check=check_sample_efficiency,
          paper_value="pilot t₀.₁ 609–1400 (oracle 112–118)", plot=plot_lock,
          controls=CONTROLS["sample_efficiency"]),
    Claim(id="contrastive_ucb.onpolicy_failure", paper=CITATION, source="pilot finding (not in the paper)",
          statement="Pilot finding: purely on-policy Contrastive UCB with learned features does not reach "
                    "the reward at H=10 within 3000 episodes, while oracle LSVI-UCB does.",
          experiments=("contrastive_ucb/lock",), check=check_onpolicy_failure,
          paper_value="pilot: never", plot=plot_lock),
    Claim(id="contrastive_ucb.markov_game", paper=CITATION, source="Thm 5.3",
          statement="In a low-rank zero-sum Markov game the duality gap of Contrastive UCB's output policies "
                    "falls like K^{-1/2}.",
          experiments=("contrastive_ucb/game",), check=check_markov_game,
          paper_value="K^{-1/2}; not piloted", plot=plot_game),
)

SUITE = Suite(name="contrastive_ucb", paper=CITATION, experiments=EXPERIMENTS, claims=CLAIMS)
