"""Random instances, the batched trainer, the exact solver, configs and bad inputs of the CoPG suite."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from bandits.copg.offline_training import (
    exact_copg_optimum_batched,
    optimal_policies,
    train_offline,
    train_offline_batched,
)
from bandits.problems import (
    PAPER_MU1,
    PAPER_MU2,
    PAPER_TOY_BANDIT,
    BanditBatch,
    PairDataset,
    RewardBandit,
    random_instances,
    sample_pairs,
    sample_pairs_batched,
)
from bandits.solvers import kl_regularized_optimum, kl_torch
from benchmarks.registry import ConfigError
from benchmarks.suites import copg


def test_random_instances_have_full_support_and_are_reproducible():
    a, b = random_instances(60, np.random.default_rng(3)), random_instances(60, np.random.default_rng(3))
    for x, y in ((a.mu1, b.mu1), (a.bandits.rewards, b.bandits.rewards), (a.bandits.beta, b.bandits.beta)):
        assert torch.equal(x, y)
    sizes = a.bandits.mask.sum(-1)
    assert sizes.min() >= 3 and sizes.max() <= 20 and len(set(sizes.tolist())) > 5
    for probs in (a.bandits.ref_probs, a.mu1, a.mu2):
        assert (probs[a.bandits.mask] >= 0.2 / 20 - 1e-15).all() and (probs[~a.bandits.mask] == 0).all()
        torch.testing.assert_close(probs.sum(-1), torch.ones(60, dtype=torch.float64))
    assert (a.bandits.beta >= 0.25).all() and (a.bandits.beta <= 2.0).all()
    assert not torch.equal(random_instances(60, np.random.default_rng(4)).mu1, a.mu1)


def test_batched_training_equals_one_instance_at_a_time():
    inst = random_instances(3, np.random.default_rng(11), max_actions=8)
    gens = lambda: [torch.Generator().manual_seed(s) for s in (5, 6)]  # noqa: E731
    data = sample_pairs_batched(inst.bandits, inst.mu1, inst.mu2, 300, gens())
    batched = train_offline_batched(inst.bandits, data, gens(), epochs=4, batch_size=64, lr=1e-2)
    for i in range(3):
        one = BanditBatch(*(t[i:i + 1] for t in (inst.bandits.rewards, inst.bandits.ref_probs, inst.bandits.beta,
                                                 inst.bandits.mask)))
        single = train_offline_batched(one, PairDataset(data.first[:, i:i + 1], data.second[:, i:i + 1],
                                                        data.first_wins[:, i:i + 1]), gens(), epochs=4,
                                       batch_size=64, lr=1e-2)
        for method, regret in single.regret.items():
            torch.testing.assert_close(regret[:, 0], batched.regret[method][:, i], rtol=0, atol=1e-12)


def test_copg_reaches_the_optimum_on_random_instances_with_sampled_data():
    inst = random_instances(4, np.random.default_rng(2), max_actions=6)
    gens = [torch.Generator().manual_seed(0)]
    data = sample_pairs_batched(inst.bandits, inst.mu1, inst.mu2, 512, gens)
    run = train_offline_batched(inst.bandits, data, gens, ("copg", "pg_zero_baseline"), epochs=40,
                                batch_size=128, lr=5e-2)
    assert run.regret["copg"][..., -1].max() < 1e-6
    assert run.regret["pg_zero_baseline"][..., -1].min() > 1e-3


def test_exact_batched_optimum_matches_the_closed_form():
    inst = random_instances(12, np.random.default_rng(5))
    optimum, _ = optimal_policies(inst.bandits)
    probs = exact_copg_optimum_batched(inst.bandits, inst.mu1, inst.mu2)
    assert kl_torch(optimum, probs).max() < 1e-10
    assert (probs[~inst.bandits.mask] == 0).all()


def test_single_bandit_wrapper_is_deterministic_and_matches_paper_scale():
    gens = lambda: [torch.Generator().manual_seed(s) for s in (0, 1)]  # noqa: E731
    data = sample_pairs(PAPER_TOY_BANDIT, PAPER_MU1, PAPER_MU2, 400, gens())
    a = train_offline(PAPER_TOY_BANDIT, data, gens(), epochs=3, batch_size=100)
    b = train_offline(PAPER_TOY_BANDIT, data, gens(), epochs=3, batch_size=100)
    for m in a.regret:
        assert torch.equal(a.regret[m], b.regret[m])
    assert a.regret["copg"].shape == (2, 4)
    torch.testing.assert_close(a.regret["copg"][:, 0], torch.full((2,), 0.29186663, dtype=torch.float64),
                               atol=1e-6, rtol=0)
    optimum = kl_regularized_optimum(PAPER_TOY_BANDIT.ref_probs, PAPER_TOY_BANDIT.rewards, PAPER_TOY_BANDIT.beta)
    np.testing.assert_allclose(optimum, [0.7054, 0.2595, 0.0351], atol=1e-4)


def test_zero_probability_support_is_rejected():
    with pytest.raises(ValueError, match="mu1 must give every action positive probability"):
        sample_pairs(PAPER_TOY_BANDIT, (0.5, 0.5, 0.0), PAPER_MU2, 10, [torch.Generator()])
    with pytest.raises(ValueError, match="ref_probs must give every action positive probability"):
        RewardBandit((1.0, 2.0), (1.0, 0.0), 0.5)
    inst = random_instances(2, np.random.default_rng(0), max_actions=5)
    bad = inst.mu2.clone()
    bad[0, 0], bad[0, 1] = 0.0, bad[0, 1] + bad[0, 0]
    with pytest.raises(ValueError, match="mu2 must give every action positive probability"):
        sample_pairs_batched(inst.bandits, inst.mu1, bad, 10, [torch.Generator()])
    with pytest.raises(ValueError, match="mu1 must give every action positive probability"):
        exact_copg_optimum_batched(inst.bandits, bad, inst.mu2)


def test_bad_batches_and_generator_arguments_are_rejected():
    inst = random_instances(2, np.random.default_rng(0), max_actions=5)
    b = inst.bandits
    with pytest.raises(ValueError, match="beta must be > 0"):
        BanditBatch(b.rewards, b.ref_probs, torch.tensor([0.5, 0.0], dtype=torch.float64), b.mask)
    with pytest.raises(ValueError, match="mismatched shapes"):
        BanditBatch(b.rewards, b.ref_probs[:, :-1], b.beta, b.mask)
    with pytest.raises(ValueError, match="mismatched shapes: beta"):
        BanditBatch(b.rewards, b.ref_probs, b.beta[:1], b.mask)
    with pytest.raises(ValueError, match="mismatched shapes"):
        sample_pairs_batched(b, inst.mu1[:, :-1], inst.mu2, 10, [torch.Generator()])
    with pytest.raises(ValueError, match="mu1 has 2 entries, expected 3"):
        sample_pairs(PAPER_TOY_BANDIT, (0.5, 0.5), PAPER_MU2, 10, [torch.Generator()])
    with pytest.raises(ValueError, match="beta_range"):
        random_instances(3, np.random.default_rng(0), beta_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="support_floor"):
        random_instances(3, np.random.default_rng(0), support_floor=0.0)
    data = sample_pairs_batched(b, inst.mu1, inst.mu2, 10, [torch.Generator()])
    with pytest.raises(ValueError, match="unknown offline methods"):
        train_offline_batched(b, data, [torch.Generator()], ("copg", "ppo"))
    with pytest.raises(ValueError, match=r"data must have shape \(S, I=2, N\)"):
        train_offline_batched(b, PairDataset(data.first[:, :1], data.second[:, :1], data.first_wins[:, :1]),
                              [torch.Generator()])


@pytest.mark.parametrize("experiment, key, value, message", [
    ("copg/beta_sweep", "betas", "0.5,0", "beta must be > 0"),
    ("copg/beta_sweep", "mu2", "0.5,0.5,0", "mu2 must give every action positive probability"),
    ("copg/random_instances", "beta_low", "-1", "beta_low must be > 0"),
    ("copg/random_instances", "support_floor", "0", "support_floor must be in"),
    ("copg/random_instances", "num_instances", "0", "num_instances must be >= 1"),
    ("copg/gradient_identities", "mc_samples", "1", "mc_samples must be >= 2"),
    ("copg/exact_fixed_point", "beta", "0", "beta must be > 0"),
    ("copg/toy_bandit", "mu1", "0.1,0.2", "mu1 has 2 entries, expected 3"),
])
def test_bad_configs_raise_config_errors(experiment, key, value, message):
    exp = next(e for e in copg.SUITE.experiments if e.name == experiment)
    with pytest.raises(ConfigError, match=message):
        exp.config("smoke", {key: value})


def test_every_config_field_has_a_docstring_default_and_validates():
    for experiment in copg.SUITE.experiments:
        config = experiment.config("quick")
        assert dataclasses.is_dataclass(config)
        for budget in experiment.budgets:
            experiment.config(budget)
