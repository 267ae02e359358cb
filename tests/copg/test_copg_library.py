"""The CoPG library calls behind the suite (bandits.copg.identities, bandits.copg.pipelines) on small problems."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits.copg import pipelines
from bandits.copg.identities import identity_checks, identity_checks_per_seed
from bandits.problems import PAPER_MU1, PAPER_MU2, PAPER_TOY_BANDIT, random_instances
from benchmarks.seeding import numpy_rng, torch_generator, torch_generators
from benchmarks.stats import has_plateaued


def _identities(seed: int):
    instances = random_instances(3, numpy_rng(seed, "instances"), max_actions=8)
    return identity_checks(instances, torch_generator(seed, "policy"), torch_generator(seed, "samples"),
                           mc_samples=3000, num_pairs=16, chunk=1000)


def test_identity_checks_reach_round_off_on_nontrivial_gradients():
    metrics = _identities(4).metrics
    for key in ("rloo_error/squared", "rloo_error/stopgrad", "rloo_error/mean_times_2", "ipo_error/squared",
                "ipo_error/stopgrad", "identity_error", "bias_formula_error"):
        assert metrics[key] < 1e-12, key
    assert metrics["ipo_ratio_deviation"] < 1e-9 and 1 - metrics["ipo_min_cosine"] < 1e-12
    assert min(metrics[f"gradient_scale/{k}"] for k in ("rloo", "ipo", "eq16")) > 1e-3
    assert metrics["min_bias_norm"] > 1e-6
    assert metrics["max_abs_z_factor1/copg"] > metrics["max_abs_z/copg"]  # ∇J is the wrong target


def test_identity_checks_are_a_function_of_their_generators():
    a, b = _identities(2), _identities(2)
    assert a.metrics == b.metrics and a.series == b.series
    assert _identities(3).metrics != a.metrics


def test_identity_checks_per_seed_match_one_call_per_seed():
    seeds = (2, 5)
    draws = [random_instances(3, numpy_rng(s, "instances"), max_actions=8) for s in seeds]
    outcomes = identity_checks_per_seed(draws, torch_generators(seeds, "policy"), torch_generators(seeds, "samples"),
                                        mc_samples=3000, num_pairs=16, chunk=1000)
    assert [o.metrics for o in outcomes] == [_identities(s).metrics for s in seeds]
    with pytest.raises(ValueError, match="one instance draw and one generator"):
        identity_checks_per_seed(draws, torch_generators(seeds, "policy"), [])


def test_random_instances_need_a_generator_not_a_seed():
    with pytest.raises(TypeError, match="numpy Generator"):
        random_instances(3, 0)


def test_toy_bandit_returns_one_outcome_per_seed_with_curves():
    setup = pipelines.TrainingSetup(num_pairs=200, batch_size=50, lr=1e-2, epochs=3)
    outcomes = pipelines.toy_bandit(PAPER_TOY_BANDIT, PAPER_MU1, PAPER_MU2, setup,
                                    torch_generators((0, 1), "pairs"), torch_generators((0, 1), "shuffle"))
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert outcome.metrics["reference_regret"] == pytest.approx(0.29186663, abs=1e-6)
        assert len(outcome.series["regret/copg"]) == 4
        assert outcome.series["regret/copg"][0] == pytest.approx(outcome.metrics["reference_regret"])


def test_exact_fixed_point_is_the_closed_form_optimum():
    metrics = pipelines.exact_fixed_point(PAPER_TOY_BANDIT, PAPER_MU1, PAPER_MU2).metrics
    assert metrics["kl_optimum_to_copg"] < 1e-12 and metrics["max_abs_prob_error"] < 1e-6


def test_random_instance_sweep_reports_each_seed_and_uses_the_plateau_test():
    instances = random_instances(4, np.random.default_rng(0), max_actions=6)
    setup = pipelines.TrainingSetup(num_pairs=128, batch_size=64, lr=5e-2, epochs=4)
    calls = []

    def plateaued(curve: np.ndarray) -> bool:
        calls.append(len(curve))
        return has_plateaued(curve)

    outcomes = pipelines.random_instance_sweep(instances, setup, torch_generators((0, 1, 2), "pairs"),
                                               torch_generators((0, 1, 2), "shuffle"), plateaued)
    assert len(outcomes) == 3 and set(calls) == {5} and len(calls) == 3 * 4 * 4
    assert outcomes[0].metrics["exact_max_kl"] < 1e-10
    assert torch.tensor(outcomes[1].series["final_regret/copg"]).shape == (4,)
