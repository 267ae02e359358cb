"""The polychromic set objective: the estimator against the Minigrid suite's set advantages, its gradient,
and the LM trainer that uses it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits import objectives
from llm_bridge.logprobs import collate
from llm_bridge.models import tiny_model
from llm_bridge.train import PoolPolicy, train_k_choice_on_policy
from mdps.minigrid.polychromic import make_sets, set_advantages


@pytest.mark.parametrize("seed", range(5))
def test_set_advantages_match_the_polychromic_suite(seed):
    rng = np.random.default_rng(seed)
    rewards, labels = rng.random(8), rng.integers(0, 3, size=8)
    sets = make_sets(8, 4, 6, rng)
    expected, expected_scores = set_advantages(rewards, labels.tolist(), sets, equivalence=lambda s: s)
    members = torch.as_tensor(sets)
    scores = objectives.polychromic_set_score(torch.as_tensor(rewards)[members], torch.as_tensor(labels)[members])
    assert np.allclose(scores.numpy(), expected_scores, atol=1e-12)
    ours = objectives.set_level_advantages(scores, members, 8).numpy()
    in_a_set = ~np.isnan(expected)
    assert np.allclose(ours[in_a_set], expected[in_a_set], atol=1e-12) and np.all(ours[~in_a_set] == 0)


def test_set_objective_gradient_is_advantage_weighted_score_function():
    logits = torch.randn(2, 6, dtype=torch.float64, requires_grad=True)
    samples = torch.tensor([[0, 1, 1, 2, 3, 3], [5, 4, 4, 4, 0, 1]])
    logp = torch.log_softmax(logits, -1).gather(1, samples)
    members = torch.arange(6).reshape(3, 2)
    rewards = torch.rand(2, 6, dtype=torch.float64)
    scores = objectives.polychromic_set_score(rewards[:, members], samples[:, members])
    objectives.set_objective_loss(logp, scores, members).sum().backward()
    advantages = objectives.set_level_advantages(scores, members, 6)
    expected = torch.autograd.grad(-(advantages * torch.log_softmax(logits, -1).gather(1, samples)).sum(), logits)[0]
    assert torch.allclose(logits.grad, expected, atol=1e-12)
    assert torch.allclose(advantages.sum(-1), torch.zeros(2, dtype=torch.float64), atol=1e-12)  # disjoint sets


def test_diversity_counts_distinct_labels():
    score = objectives.polychromic_set_score(torch.ones(3, 4), torch.tensor([[0, 0, 0, 0], [0, 1, 0, 1], [3, 2, 1, 0]]))
    assert score.tolist() == [0.25, 0.5, 1.0]


def test_set_trainer_on_a_tiny_model_moves_towards_the_rewarded_candidates():
    lm = tiny_model("tiny", layers=3)
    letters = collate([lm.codec.prompt_ids("pick")] * 3, [lm.codec.completion_ids(c) for c in "abc"], lm.codec.pad_id)
    policy = PoolPolicy(lm, letters, "last_k", 1)
    evaluate = lambda lp: {"p_c": float(torch.softmax(lp, 0)[2])}  # noqa: E731
    curves = train_k_choice_on_policy(policy, "set", 3, 10, 8, 0.05, torch.Generator().manual_seed(0), 1e-2, 1.0,
                                      evaluate, 10, rewards=torch.tensor([[0.0, 0.2, 1.0]]), set_size=4)
    assert curves["p_c"][-1] > curves["p_c"][0] + 0.05
    with pytest.raises(ValueError, match="M >= 2"):
        train_k_choice_on_policy(policy, "set", 3, 1, 4, 0.05, torch.Generator().manual_seed(0), 1e-2, 1.0,
                                 evaluate, 1, rewards=torch.tensor([[0.0, 0.2, 1.0]]), set_size=4)


def test_missing_model_file_on_the_command_line_exits_2_before_touching_the_store(tmp_path, monkeypatch, capsys):
    from benchmarks.cli import main

    monkeypatch.setenv("CLAIMBENCH_SUITES", "llm")
    store = tmp_path / "s.sqlite"
    code = main(["run", "llm/k_choice", "--budget", "smoke", "--set", f"model={tmp_path / 'absent.gguf'}",
                 "--store", str(store)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "model file not found" in err[0]
    assert not store.exists()
