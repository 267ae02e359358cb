"""KL-gradient estimators (Tang & Munos 2025): the estimators of ``bandits.objectives`` against independent exact
computations on a tabular autoregressive policy, the Monte-Carlo LM pipeline's forward-mode derivatives against
reverse mode, and ``llm.kl_gradient_estimators``'s check on synthetic records (holds, fails, inconclusive)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bandits import kl_gradients as kg
from bandits import objectives as ob
from benchmarks.registry import RunRecord
from benchmarks.suites.llm.claims_kl_gradients import BIASED, UNBIASED, check_kl_gradients
from llm_bridge.pipelines import kl_gradients as lmkg

TREE = kg.sequence_tree(3, 2)


def _instance(seed: int = 0):
    return kg.random_instance(np.random.default_rng(seed), TREE, 1.0, 1.0, 1.0)


def test_sequence_tree_is_a_distribution():
    policy, _, _ = _instance()
    probs = kg.sequence_log_probs(policy, TREE).exp()
    assert probs.shape == (9,) and float(probs.sum()) == pytest.approx(1.0, abs=1e-14)
    assert kg.reach_probabilities(policy, TREE)[0] == 1.0  # the empty prefix


@pytest.mark.parametrize("seed", [0, 1])
def test_unbiased_estimators_equal_the_kl_gradient_and_biased_ones_do_not(seed):
    policy, ref, _ = _instance(seed)
    grads = kg.gradient_table(policy, ref, TREE)
    scale = float(grads["exact"].norm())
    for name in UNBIASED:
        assert float((grads[name] - grads["exact"]).norm()) < 1e-13 * scale, name
    for name in BIASED:
        assert float((grads[name] - grads["exact"]).norm()) > 1e-3 * scale, name


def _prefix_weighted_gradient(policy, ref, per_token_divergence):
    """∇_θ Σ_t E_{y_<t ∼ sg[π]}[D(π(·|y_<t), μ(·|y_<t))], the prefix distribution held fixed (independent of the
    estimators: computed from whole next-token distributions)."""
    theta = policy.clone().requires_grad_(True)
    logp = torch.log_softmax(theta, -1)
    ref_logp = torch.log_softmax(ref, -1)
    reach = kg.reach_probabilities(policy, TREE)
    total = (reach * per_token_divergence(logp, ref_logp)).sum()
    return torch.autograd.grad(total, theta)[0]


def test_per_token_is_the_partial_gradient_and_k1_k3_as_losses_are_what_the_docstrings_say():
    policy, ref, _ = _instance(2)
    grads = kg.gradient_table(policy, ref, TREE)
    forward_kl = _prefix_weighted_gradient(policy, ref, lambda lp, rp: (lp.exp() * (lp - rp)).sum(-1))
    reverse_kl = _prefix_weighted_gradient(policy, ref, lambda lp, rp: (rp.exp() * (rp - lp)).sum(-1))
    torch.testing.assert_close(grads["per_token"], forward_kl, rtol=0, atol=1e-14)
    torch.testing.assert_close(grads["k3_loss"], reverse_kl, rtol=0, atol=1e-14)
    assert float(grads["k1_loss"].abs().max()) < 1e-14


def test_mask_drops_padded_tokens():
    g = torch.Generator().manual_seed(0)
    lp, rp = -torch.rand(4, 3, generator=g, dtype=torch.float64), -torch.rand(4, 3, generator=g, dtype=torch.float64)
    mask = torch.tensor([[1, 1, 0]] * 4)
    for name in ob.KL_GRADIENT_ESTIMATORS:
        torch.testing.assert_close(ob.kl_gradient_loss(name, lp, rp, mask), ob.kl_gradient_loss(name, lp[:, :2],
                                                                                                rp[:, :2]))
    with pytest.raises(ValueError, match="unknown KL-gradient estimator"):
        ob.kl_gradient_loss("k2", lp, rp)


def test_nash_md_pg_token_loss_with_the_sequence_estimator_is_nash_md_pg_loss():
    g = torch.Generator().manual_seed(1)
    lp = (-torch.rand(5, 3, generator=g, dtype=torch.float64)).requires_grad_(True)
    rp, pref = -torch.rand(5, 3, generator=g, dtype=torch.float64), torch.rand(5, generator=g, dtype=torch.float64)
    ours = ob.nash_md_pg_token_loss(lp, rp, pref, 0.3, "sequence")
    theirs = ob.nash_md_pg_loss(lp.sum(-1), rp.sum(-1), pref, 0.3)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(torch.autograd.grad(ours.sum(), lp)[0], torch.autograd.grad(theirs.sum(), lp)[0])


def test_exact_nash_md_pg_reaches_the_fixed_point_only_with_unbiased_estimators():
    _, ref, matrix = _instance(0)
    run = kg.nash_md_pg_exact(ref[None], matrix[None], TREE, 0.2, 0.125, 600, 2.0, kg.ESTIMATORS, 100)
    for name in UNBIASED:
        assert run.kl_curve[name][-1, 0] < 1e-10, name
    for name in BIASED:
        assert run.kl_curve[name][-1, 0] > 1e-6, name


def test_settings_reject_bad_values():
    with pytest.raises(ValueError, match="length must be >= 2"):
        kg.TabularKLSettings(3, 1, 1.0, 1.0, 1.0, 0.2, 0.1, 10, 1.0, 4)
    with pytest.raises(ValueError, match="beta"):
        kg.TabularKLSettings(3, 2, 1.0, 1.0, 1.0, 0.2, 1.0, 10, 1.0, 4)


def test_forward_mode_derivatives_equal_reverse_mode():
    """dL/dλ along the per-token path z_μ + λ(z_π − z_μ) at λ = 1, by the pipeline (forward mode) and autograd."""
    g = torch.Generator().manual_seed(3)
    n, length, vocab = 4, 2, 7
    z_pi, z_mu = torch.randn(length, n, vocab, generator=g), torch.randn(length, n, vocab, generator=g)
    tokens = torch.randint(vocab, (length, n), generator=g)
    cols = [lmkg._token_terms(z_pi[t], z_mu[t], torch.arange(n), tokens[t]) for t in range(length)]
    names = ("logp", "dlogp", "ref_logp", "token_kl", "dtoken_kl")
    terms = {k: torch.stack([c[i] for c in cols], -1) for i, k in enumerate(names)}
    forward = lmkg.per_sample_derivatives(terms)

    def losses(lam: torch.Tensor) -> dict[str, torch.Tensor]:
        logp = torch.log_softmax(z_pi.double() + (lam - 1) * (z_pi.double() - z_mu.double()), -1)
        ref = torch.log_softmax(z_mu.double(), -1)
        token_logp = logp.gather(-1, tokens[..., None]).squeeze(-1).T
        token_ref = ref.gather(-1, tokens[..., None]).squeeze(-1).T
        token_kl = (logp.exp() * (logp - ref)).sum(-1).T
        out = {k: ob.kl_gradient_loss(k, token_logp, token_ref) for k in ob.KL_GRADIENT_ESTIMATORS}
        out[lmkg.REFERENCE] = ob.kl_analytic_reward_to_go_loss(token_logp, token_kl)
        return out

    for name, value in forward.items():
        one = torch.ones((), dtype=torch.float64)
        jac = torch.autograd.functional.jacobian(lambda lam, k=name: losses(lam)[k], one)
        torch.testing.assert_close(value, jac, rtol=1e-9, atol=1e-12)


def test_lm_pipeline_runs_on_the_tiny_model(monkeypatch):
    monkeypatch.setattr(lmkg, "PREFIX_CHUNK", 3)  # the distinct prefixes run 3 at a time
    settings = lmkg.KLGradientLMSettings("tiny", "cpu", "float32", "last_k", 2, 8, 2, 32, 1.0)
    out = lmkg.kl_gradients_lm(settings.load(), settings, np.random.default_rng(0), torch.Generator().manual_seed(0),
                               torch.Generator().manual_seed(1))
    assert out.metrics["kl"] > 0 and np.isfinite(out.metrics["rel_bias/k3_loss"])
    assert out.metrics["num_samples"] == 32
    with pytest.raises(ValueError, match="length"):
        lmkg.KLGradientLMSettings("tiny", "cpu", "float32", "last_k", 2, 8, 1, 32, 1.0)


def test_prefix_tree_terms_equal_decoding_each_completion_alone(monkeypatch):
    """The prefix-tree decoder's per-sample terms equal those of a plain forward over [prompt ; completion], one
    completion at a time (3-token completions: the tree has distinct prefixes at t = 1 and t = 2)."""
    monkeypatch.setattr(lmkg, "PREFIX_CHUNK", 4)
    lm = lmkg.KLGradientLMSettings("tiny", "cpu", "float32", "last_k", 2, 8, 3, 40, 1.0).load()
    reference = lmkg.frozen_copy(lm.model)
    lmkg.perturb_last_block(lm.model, 1.0, torch.Generator().manual_seed(0))
    prompt = lm.codec.prompt_ids("Name a colour.")
    terms = lmkg.sample_token_terms(lm.model, reference, prompt, 3, 40, torch.Generator().manual_seed(1))
    tokens = terms["tokens"]
    assert tokens.shape == (40, 3) and len({tuple(r) for r in tokens[:, :2].tolist()}) > 1
    for i in range(0, 40, 7):
        ids = torch.tensor([prompt + tokens[i].tolist()])
        with torch.no_grad():
            z_pi, z_mu = (m(input_ids=ids).logits[0, len(prompt) - 1:-1] for m in (lm.model, reference))
        alone = lmkg._token_terms(z_pi, z_mu, torch.arange(3), tokens[i])
        for k, name in enumerate(("logp", "dlogp", "ref_logp", "token_kl", "dtoken_kl")):
            torch.testing.assert_close(terms[name][i], alone[k], rtol=1e-4, atol=1e-4)


# --- llm.kl_gradient_estimators on synthetic records -------------------------------------------------------------

def _records(n_lm=5, unbiased_err=1e-15, biased_err=0.2, fp_unbiased=1e-15, fp_biased=1e-3, grad_norm=1e-16,
             lm_unbiased=0.0, lm_k=-0.5, lm_width=0.02):
    def tab(i):
        m = {"first_token_grad_norm/exact": 0.44}
        for e in (*UNBIASED, *BIASED):
            m[f"grad_rel_err/{e}"] = unbiased_err if e in UNBIASED else biased_err
            m[f"fixed_point_kl/{e}"] = fp_unbiased if e in UNBIASED else fp_biased
            m[f"final_grad_norm/{e}"] = grad_norm
            m[f"first_token_grad_norm/{e}"] = 0.49
        return m

    def lm(i):
        spread = lm_width * (i - (n_lm - 1) / 2) / max(1, n_lm - 1)
        m = {"kl": 5.0}
        for e in ("sequence", "reward_to_go", "per_token"):
            m[f"rel_bias/{e}"] = lm_unbiased + spread
        m["rel_bias/k1_loss"] = -1.0 + spread
        m["rel_bias/k3_loss"] = lm_k + spread
        return m

    cfg = {"vocab": 3, "length": 3, "model": "smollm2", "length_lm": 2}
    return {"llm/kl_gradients_tabular": [RunRecord("llm/kl_gradients_tabular", i, cfg, tab(i), {}) for i in range(3)],
            "llm/kl_gradients_lm": [RunRecord("llm/kl_gradients_lm", i, cfg, lm(i), {}) for i in range(n_lm)]}


def test_check_holds():
    assert check_kl_gradients(_records()).status == "holds"


@pytest.mark.parametrize("kwargs", [
    {"unbiased_err": 1e-6},          # an "unbiased" estimator is biased
    {"biased_err": 1e-13},           # a "biased" estimator matches ∇KL
    {"fp_biased": 1e-14},            # a biased estimator reaches the fixed point
    {"lm_unbiased": 0.5},            # on the LM the unbiased estimators miss ∇KL
    {"lm_k": -0.01},                 # on the LM k3 as a loss agrees with ∇KL
])
def test_check_fails(kwargs):
    assert check_kl_gradients(_records(**kwargs)).status == "fails"


@pytest.mark.parametrize("kwargs", [
    {"n_lm": 3},                               # too few LM seeds
    {"fp_unbiased": 1e-4, "grad_norm": 1e-3},  # the unbiased runs have not converged
    {"lm_width": 0.5},                         # the LM intervals straddle ±0.1
])
def test_check_inconclusive(kwargs):
    assert check_kl_gradients(_records(**kwargs)).status == "inconclusive"
