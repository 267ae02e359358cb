"""Peer conformance: TRL 0.24's own loss functions (extra ``peers``) equal the ``bandits.objectives`` estimators we
label as theirs, value and gradient, on the same tensors.

- ``DPOTrainer.dpo_loss`` with ``loss_type="sigmoid"`` = :func:`bandits.objectives.dpo_loss`, ``"ipo"`` =
  :func:`bandits.objectives.ipo_loss` (τ = TRL's β; TRL's per-token averaging for IPO happens before dpo_loss,
  when it builds the log-probs, so the same summed/averaged inputs give the same loss).
- ``NashMDTrainer._compute_losses`` = :func:`bandits.objectives.nash_md_pg_token_loss` with the ``per_token`` KL
  estimator (TRL's β = our τ), which differs in gradient from the sequence-level estimator (Tang & Munos 2025).

The unbound methods are called with a stub ``self`` carrying only the attributes they read: for ``dpo_loss``
``accelerator.device``, ``reference_free``, ``f_divergence_type``, ``f_divergence_params``, ``beta`` and
``label_smoothing``; for ``_compute_losses`` ``beta``. No model, tokenizer or dataset is built.

Beside a newer transformers, ``transformers.utils.import_utils._is_package_available`` returns a (bool, version)
tuple, so TRL 0.24's ``is_*_available()`` return a truthy tuple and importing its trainers tries optional
packages (llm_blender). The fixture turns those module flags into their bool for the import (TRL is not changed).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from bandits import objectives as ob

TAU = 0.3


@pytest.fixture(scope="module")
def trl_trainers():
    pytest.importorskip("trl", minversion="0.24")
    import trl.import_utils as flags

    with pytest.MonkeyPatch.context() as patch:
        for name, value in vars(flags).copy().items():
            if name.startswith("_") and name.endswith("_available") and isinstance(value, tuple):
                patch.setattr(flags, name, bool(value[0]))
        from trl.trainer.dpo_config import FDivergenceType
        from trl.trainer.dpo_trainer import DPOTrainer
        from trl.trainer.nash_md_trainer import NashMDTrainer
    return SimpleNamespace(dpo=DPOTrainer, nash_md=NashMDTrainer, divergence=FDivergenceType)


def _logps(n: int, *shape: int, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [(-3 * torch.rand(*shape, generator=g, dtype=torch.float64)).requires_grad_(True) for _ in range(n)]


def _dpo_self(trl_trainers) -> SimpleNamespace:
    return SimpleNamespace(accelerator=SimpleNamespace(device=torch.device("cpu")), reference_free=False,
                           f_divergence_type=trl_trainers.divergence.REVERSE_KL, f_divergence_params=None, beta=TAU,
                           label_smoothing=0.0)


@pytest.mark.parametrize(("loss_type", "ours"), [("sigmoid", ob.dpo_loss), ("ipo", ob.ipo_loss)])
def test_trl_dpo_loss_is_ours(trl_trainers, loss_type, ours):
    w, l, rw, rl = _logps(4, 8)
    theirs, _, _ = trl_trainers.dpo.dpo_loss(_dpo_self(trl_trainers), w, l, rw, rl, loss_type=loss_type)
    mine = ours(w, l, rw, rl, tau=TAU)
    torch.testing.assert_close(theirs, mine, rtol=1e-12, atol=1e-14)
    for a, b in zip(torch.autograd.grad(theirs.sum(), (w, l)), torch.autograd.grad(mine.sum(), (w, l))):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_trl_nash_md_loss_is_our_per_token_estimator(trl_trainers):
    logp, ref = _logps(2, 6, 3, seed=1)
    ref = ref.detach()
    probability = torch.rand(6, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    theirs, _, _ = trl_trainers.nash_md._compute_losses(SimpleNamespace(beta=TAU), logp, ref, probability)
    mine = ob.nash_md_pg_token_loss(logp, ref, probability, TAU, "per_token").mean()
    torch.testing.assert_close(theirs, mine, rtol=1e-12, atol=1e-14)
    g_theirs = torch.autograd.grad(theirs, logp)[0]
    torch.testing.assert_close(g_theirs, torch.autograd.grad(mine, logp)[0], rtol=1e-12, atol=1e-14)
    sequence = ob.nash_md_pg_token_loss(logp, ref, probability, TAU, "sequence").mean()
    assert not torch.allclose(g_theirs, torch.autograd.grad(sequence, logp)[0])  # TRL's is not the sequence one
