"""Speed: the batched random-game sweep (one tensor program over games × τ) vs a per-game Python loop.

Both compute the same Nash-MD trajectories (asserted); compare the two timings from one run, e.g.
`pytest benchmarks/perf/test_nash_md_sweep.py --benchmark-enable --benchmark-only`.
"""
from __future__ import annotations

import numpy as np

from bandits.games import random_antisymmetric_games, random_reference
from bandits.nash_md.dynamics import mirror_descent, nash_md_step_sizes

GAMES, SIZE, STEPS = 64, 10, 500
RECORD = [0, STEPS // 2, STEPS]


def _inputs():
    rng = np.random.default_rng(0)
    taus = np.tile([0.05, 0.2, 1.0, 2.0], GAMES // 4)
    return random_antisymmetric_games(GAMES, SIZE, rng), random_reference(GAMES, SIZE, rng), taus


def batched_sweep(games, mus, taus):
    return mirror_descent(games, mus, taus, nash_md_step_sizes(taus, STEPS), record_at=RECORD).log_probs


def looped_sweep(games, mus, taus):
    return np.stack([mirror_descent(games[i:i + 1], mus[i], taus[i], nash_md_step_sizes(taus[i], STEPS),
                                    record_at=RECORD).log_probs[:, 0] for i in range(len(games))], axis=1)


def test_batched_random_game_sweep(benchmark):
    games, mus, taus = _inputs()
    out = benchmark(batched_sweep, games, mus, taus)
    assert out.shape == (len(RECORD), GAMES, SIZE)


def test_per_game_loop_sweep(benchmark):
    games, mus, taus = _inputs()
    out = benchmark(looped_sweep, games, mus, taus)
    np.testing.assert_allclose(out, batched_sweep(games, mus, taus), atol=1e-12)
