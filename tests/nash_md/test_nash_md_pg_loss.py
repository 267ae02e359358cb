"""The Nash-MD-PG loss (bandits.objectives): expected gradient, mixture opponent, LM-shaped inputs, bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits.games import PAPER_REFERENCE, rock_paper_scissors
from bandits.nash_md.policy_gradient import train_nash_md_pg
from bandits.objectives import geometric_mixture_log_probs, nash_md_pg_loss
from bandits.solvers import kl, nash_md_pg_fixed_point

MU = torch.tensor(PAPER_REFERENCE, dtype=torch.float64)
P = torch.tensor(rock_paper_scissors())


@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0])
def test_expected_gradient_is_the_nash_md_pg_direction(beta):
    tau = 0.1
    theta = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64, requires_grad=True)
    logp = torch.log_softmax(theta, -1)
    opponent = geometric_mixture_log_probs(logp, MU.log(), beta).exp()
    y, y_prime = torch.meshgrid(torch.arange(3), torch.arange(3), indexing="ij")
    weights = (logp.exp()[:, None] * opponent[None, :]).detach()
    loss = (weights * nash_md_pg_loss(logp[y], MU.log()[y], P[y, y_prime], tau)).sum()
    (grad,) = torch.autograd.grad(loss, theta)
    pi = logp.exp().detach()
    advantage = P @ opponent - tau * (pi.log() - MU.log())
    expected = -pi * (advantage - (pi * advantage).sum())  # −∇θ E_π[advantage] at fixed advantage
    torch.testing.assert_close(grad, expected, atol=1e-14, rtol=0)


def test_geometric_mixture_endpoints_and_no_gradient():
    theta = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    logp = torch.log_softmax(theta, -1)
    torch.testing.assert_close(geometric_mixture_log_probs(logp, MU.log(), 0.0), logp.detach())
    torch.testing.assert_close(geometric_mixture_log_probs(logp, MU.log(), 1.0), MU.log().expand(4, 3))
    mixed = geometric_mixture_log_probs(logp, MU.log(), 0.4)
    assert not mixed.requires_grad
    torch.testing.assert_close(mixed.exp().sum(-1), torch.ones(4, dtype=torch.float64))


def test_lm_shaped_inputs_per_token_mixture_and_sequence_loss():
    vocab, batch, length = 11, 2, 5
    logits = torch.randn(batch, length, vocab, requires_grad=True)
    ref = torch.log_softmax(torch.randn(batch, length, vocab), -1)
    mixed = geometric_mixture_log_probs(torch.log_softmax(logits, -1), ref, 0.125)
    assert mixed.shape == (batch, length, vocab)
    seq_logp = torch.log_softmax(logits, -1)[..., 0].sum(-1)
    loss = nash_md_pg_loss(seq_logp, ref[..., 0].sum(-1), torch.tensor([0.7, 0.2]), 0.05)
    assert loss.shape == (batch,)
    loss.mean().backward()
    assert logits.grad is not None


@pytest.mark.parametrize("call, fragment", [
    (lambda: nash_md_pg_loss(torch.zeros(3), torch.zeros(3), torch.full((3,), 1.5), 0.1), "preference"),
    (lambda: nash_md_pg_loss(torch.zeros(3), torch.zeros(3), torch.full((3,), 0.5), -0.1), "tau"),
    (lambda: nash_md_pg_loss(torch.zeros(3), torch.zeros(4), torch.full((3,), 0.5), 0.1), "mismatched"),
    (lambda: geometric_mixture_log_probs(torch.zeros(3), torch.zeros(3), 1.5), "beta"),
])
def test_bad_loss_inputs(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_sampled_training_reaches_the_mixture_fixed_point_and_is_seeded():
    game, mu, tau, betas = rock_paper_scissors(), np.array(PAPER_REFERENCE), 0.1, (0.0, 0.5)
    def train(seeds):
        return train_nash_md_pg(game, mu, tau, betas, [torch.Generator().manual_seed(s) for s in seeds], 600, 256,
                                2.0, 100.0, [0, 600])
    run = train([0, 1])
    for b, beta in enumerate(betas):
        target = nash_md_pg_fixed_point(game, mu, tau, beta)
        assert np.all(kl(target, np.exp(run.log_probs[-1, :, b])) < 5e-3)
    # a seed's run does not depend on the other seeds in the batch
    np.testing.assert_array_equal(train([1]).log_probs[:, 0], run.log_probs[:, 1])
