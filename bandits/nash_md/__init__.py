"""Nash-MD (Munos et al., 2023, "Nash Learning from Human Feedback", arXiv 2312.00886): the learners and the
experiment pipelines on preference games.

- :mod:`bandits.nash_md.dynamics` — exact tabular dynamics: Nash-MD (Thm 1), OMD (Eq. 7–8), multiplicative-weights
  self-play (τ = 0), and the Bradley–Terry RLHF baseline.
- :mod:`bandits.nash_md.policy_gradient` — sampled Nash-MD-PG with a tabular softmax policy.
- :mod:`bandits.nash_md.pipelines` — the suite's experiments (last-iterate rate, constant-η floor, cycling, PG bias).
- :mod:`bandits.nash_md.rlhf` — RLHF vs Nash (§3.2 rater population, App. A Elo example, BT-consistent games).

The games are in :mod:`bandits.games`; the reference solvers (regularised Nash, LP Nash, BT fit, exploitability)
in :mod:`bandits.solvers`.
"""
