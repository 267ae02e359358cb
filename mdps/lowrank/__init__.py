"""Low-rank MDPs and Markov games, contrastive (NCE) representation learning, UCB planners and the Contrastive UCB
learners (Qiu et al., ICML 2022, "Contrastive UCB"), tested where the true representation φ* is known.

Modules, one job each:
- ``mdp``: low-rank MDPs P_h = φ*ᵀμ* (Def. 2.1), the random and combination-lock generators, exact DP;
- ``nce``: the NCE loss with the negative term computed exactly (Eq. 3.2) and its fits (Adam batched, L-BFGS);
- ``recovery``: subspace distance, TV and the SVD baseline, and the representation-recovery study;
- ``planners``: optimistic Q for learned features (Eq. 4.1–4.2), LSVI-UCB and tabular UCBVI;
- ``learners``: the online learners (Contrastive UCB and baselines), batched over seeds;
- ``curves``: t_ε (episodes to an ε-optimal policy), regret slopes, log-log slopes;
- ``lock_study``: every learner on the combination lock (and at several lock widths);
- ``markov_games``: zero-sum low-rank Markov games, Nash and CCE by LP, duality gap;
- ``game_ucb``: Contrastive UCB for Markov games (Sec. 5, Alg. 2) and the duality-gap study.

Every random draw comes from a numpy or torch generator passed in by the caller.
"""
