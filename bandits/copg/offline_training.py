"""Batched offline training of tabular softmax policies on fixed pair datasets (the CoPG paper's Fig. 1, and
random instances).

One tensor program trains every (seed, instance, method) policy at once: logits have shape (S, I, M, K), with
instances of different sizes padded to a common K (padded actions carry logit ``PAD_LOGIT``, so π = 0 there).
The per-policy losses are averaged over the minibatch and summed over seeds, instances and methods; the
policies share no parameters and Adam is per coordinate, so this equals S·I·M independent runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from bandits import objectives
from bandits.problems import PAD_LOGIT, BanditBatch, PairDataset, RewardBandit, check_batch_probabilities
from bandits.solvers import kl_regularized_optimum, regularized_value_torch

OFFLINE_METHODS: tuple[str, ...] = ("copg", "pg_zero_baseline", "pg_value_baseline", "ipo")
"""The four methods of the paper's Fig. 1."""
ALL_OFFLINE_METHODS: tuple[str, ...] = OFFLINE_METHODS + ("dpo",)
"""Fig. 1's methods and DPO (τ = β), used by the β sweep."""


@dataclass(frozen=True)
class OfflineRun:
    """Regret J(π*) − J(π) per method after each epoch (index 0 = before training), shape (S, E+1),
    and the final policies' probabilities, shape (S, K)."""

    regret: dict[str, torch.Tensor]
    final_probs: dict[str, torch.Tensor]


@dataclass(frozen=True)
class BatchedOfflineRun:
    """Regret per method after each epoch, shape (S, I, E+1), and final probabilities, shape (S, I, K)."""

    regret: dict[str, torch.Tensor]
    final_probs: dict[str, torch.Tensor]


def masked_log_probs(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """ln π over the real actions of each instance (``mask`` broadcasts against ``logits``); padded actions get
    logit ``PAD_LOGIT`` (π = 0 exactly in float64, finite log-probs, zero gradient)."""
    return torch.log_softmax(torch.where(mask, logits, torch.full_like(logits, PAD_LOGIT)), dim=-1)


def optimal_policies(bandits: BanditBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """π* (I, K) from the independent closed-form solver (one call per instance; not a hot path) and
    J(π*) (I,)."""
    optimum = torch.zeros_like(bandits.ref_probs)
    for i in range(bandits.num_instances):
        m = bandits.mask[i]
        optimum[i, m] = torch.as_tensor(kl_regularized_optimum(bandits.ref_probs[i, m].numpy(),
                                                               bandits.rewards[i, m].numpy(), float(bandits.beta[i])))
    logp = torch.where(bandits.mask, optimum.clamp_min(1e-300).log(), torch.full_like(optimum, PAD_LOGIT))
    return optimum, regularized_value_torch(logp, bandits.rewards, bandits.ref_log_probs, bandits.beta[..., None])


PAIR_FIELDS: tuple[str, ...] = ("r1", "r2", "ref1", "ref2", "refw", "refl")
"""Per-pair numbers that do not depend on π: R(y), R(y′), ln π_ref(y), ln π_ref(y′), ln π_ref(y_w), ln π_ref(y_l)."""


def _naive_pg_per_action(spec: objectives.LossSpec, table: torch.Tensor, rewards: torch.Tensor,
                         ref_logp: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Naive PG's loss ℓ(y) of one sample for every action y, (S, I, K): ``policy_gradient_loss`` with b = 0 or
    b = E_{y∼π}[R(y)] (exact). A pair's loss is ℓ(y) + ℓ(y′), so a minibatch's mean is Σ_y n(y)·ℓ(y) / B."""
    baseline = 0.0
    if spec.baseline == "value":
        baseline = (table.exp() * rewards).sum(-1, keepdim=True).detach()
    return spec.fn(table, ref_logp, rewards, beta, baseline)


def _offline_spec(method: str) -> objectives.LossSpec:
    """The loss-table entry of an offline method (scored, ranked or per-sample); a ValueError otherwise."""
    if method not in ALL_OFFLINE_METHODS:
        raise ValueError(f"unknown offline method {method!r} (choose from {', '.join(ALL_OFFLINE_METHODS)})")
    return objectives.LOSSES[method]


def _method_losses(methods: Sequence[str], logp: torch.Tensor, actions: torch.Tensor, pair: dict[str, torch.Tensor],
                   rewards: torch.Tensor, ref_logp: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Minibatch-mean loss of every policy, summed: logp (S, I, M, K); actions (S, I, 4, B) the pair actions
    (first, second, winner, loser); pair[...] (S, I, B) their rewards and reference log-probs; rewards and
    ref_logp (I, K); beta (I, 1).

    The naive PG loss of a pair is a sum of per-sample terms that depend on the sample only through its action,
    so its minibatch mean is Σ_y n(y)·ℓ(y) / B with n(y) the number of times y occurs among the 2B samples: the
    same loss and gradient, evaluated on the K actions instead of the 2B samples. CoPG, IPO and DPO terms depend
    on the pair and are evaluated per sample."""
    total = logp.new_zeros(())
    size = actions.shape[-1]
    counts = None
    for m, method in enumerate(methods):
        spec = _offline_spec(method)
        if spec.kind == "per_sample":
            if counts is None:  # n(y): occurrences of each action among the 2B samples (y and y′)
                counts = torch.zeros_like(logp[:, :, 0]).scatter_add_(
                    -1, actions[:, :, :2].flatten(2), torch.ones_like(pair["r1"]).repeat(1, 1, 2))
            per_action = _naive_pg_per_action(spec, logp[:, :, m], rewards, ref_logp, beta)
            total = total + (counts * per_action).sum() / size
            continue
        # gather only this method's two actions per pair from its own (S, I, K) table (a small backward)
        j = 2 if spec.kind == "ranked" else 0  # ranked methods read (winner, loser), Bradley–Terry labels
        lp_pair = logp[:, :, m].gather(-1, actions[:, :, j:j + 2].flatten(2)).unflatten(2, (2, size))
        lp1, lp2 = lp_pair.unbind(2)
        if spec.kind == "scored":
            loss = spec.fn(lp1, lp2, pair["ref1"], pair["ref2"], pair["r1"], pair["r2"], beta)
        else:
            loss = spec.fn(lp1, lp2, pair["refw"], pair["refl"], beta)
        total = total + loss.mean(-1).sum()
    return total


def _grid_losses(methods: Sequence[str], logp: torch.Tensor, pair_counts: torch.Tensor,
                 preference_counts: torch.Tensor, rewards: torch.Tensor, ref_logp: torch.Tensor, beta: torch.Tensor,
                 size: int) -> torch.Tensor:
    """The same summed minibatch-mean losses as :func:`_method_losses`, from sufficient statistics: a tabular
    policy's pair loss depends on a pair only through its two actions, so the mean over B pairs equals
    Σ_{y,y′} C(y, y′)·ℓ(y, y′) / B with C the minibatch's counts of each (y, y′). The estimators are evaluated
    once on the K × K grid of action pairs (broadcasting, as in :func:`population_copg_loss`) instead of on
    every sample. logp (S, I, M, K); pair_counts C(y, y′) and preference_counts C(y_w, y_l), each (S, I, K, K);
    rewards and ref_logp (I, K); beta (I, 1)."""
    total = logp.new_zeros(())
    rows, cols = (slice(None), slice(None), None), (slice(None), None, slice(None))
    reward_row, reward_col = rewards[rows], rewards[cols]  # (I, K, 1), (I, 1, K)
    ref_row, ref_col = ref_logp[rows], ref_logp[cols]
    grid_beta = beta[..., None]  # (I, 1, 1)
    action_counts = None
    for m, method in enumerate(methods):
        spec = _offline_spec(method)
        table = logp[:, :, m]  # (S, I, K)
        lp_row, lp_col = table[..., :, None], table[..., None, :]
        if spec.kind == "per_sample":
            if action_counts is None:  # n(y): occurrences of y as y or as y′
                action_counts = pair_counts.sum(-1) + pair_counts.sum(-2)
            loss, counts = _naive_pg_per_action(spec, table, rewards, ref_logp, beta), action_counts
        elif spec.kind == "scored":
            loss = spec.fn(lp_row, lp_col, ref_row, ref_col, reward_row, reward_col, grid_beta)
            counts = pair_counts
        else:  # ranked, Bradley–Terry labels: rows are y_w, columns y_l
            loss, counts = spec.fn(lp_row, lp_col, ref_row, ref_col, grid_beta), preference_counts
        total = total + torch.dot(counts.reshape(-1), loss.reshape(-1)) / size  # Σ C·ℓ in one pass
    return total


def train_offline_batched(bandits: BanditBatch, data: PairDataset, generators: Sequence[torch.Generator],
                          methods: Sequence[str] = OFFLINE_METHODS, epochs: int = 300, batch_size: int = 512,
                          lr: float = 1e-3) -> BatchedOfflineRun:
    """Adam on the logits (initialised to 0, i.e. π uniform on each instance's actions) for ``epochs`` passes
    over each (seed, instance) dataset of N pairs, data tensors (S, I, N). Each epoch reshuffles with one
    permutation per seed (from that seed's generator, shared by the seed's instances, whose data are
    independent). Float64 throughout; no Python loop over seeds, instances or pairs in the training step."""
    unknown = [m for m in methods if m not in ALL_OFFLINE_METHODS]
    if unknown or not methods:
        raise ValueError(f"unknown offline methods {unknown or list(methods)} (choose from "
                         f"{', '.join(ALL_OFFLINE_METHODS)})")
    if data.first.dim() != 3 or data.first.shape[1] != bandits.num_instances:
        raise ValueError(f"data must have shape (S, I={bandits.num_instances}, N), got {list(data.first.shape)}")
    num_seeds, num_instances, num_pairs = data.first.shape
    if len(generators) != num_seeds:
        raise ValueError(f"{len(generators)} generators for {num_seeds} seeds")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    k, num_methods = bandits.max_actions, len(methods)
    mask = bandits.mask[:, None, :]  # (I, 1, K)
    rewards, ref_logp = bandits.rewards[:, None, :], bandits.ref_log_probs[:, None, :]
    beta = bandits.beta[:, None]  # (I, 1)
    _, best_value = optimal_policies(bandits)

    # Per-pair actions (S, I, 4, N): the pair (y, y′) and its preferred / rejected element. With few actions
    # (K² ≤ 2B) the losses are evaluated on the K × K grid of action pairs weighted by minibatch counts
    # (:func:`_grid_losses`), so each pair is stored as two codes y·K + y′ and y_w·K + y_l; otherwise per sample.
    # Either way the data are stored pair-major (one row per (seed, pair)) in a compact integer type, so that an
    # epoch's shuffle is one cheap row gather.
    winner = torch.where(data.first_wins, data.first, data.second)
    loser = torch.where(data.first_wins, data.second, data.first)
    use_grid = k * k <= 2 * batch_size
    if use_grid:
        columns = torch.stack([data.first * k + data.second, winner * k + loser], dim=2)  # (S, I, 2, N)
    else:
        columns = torch.stack([data.first, data.second, winner, loser], dim=2)  # (S, I, 4, N)
    width = columns.shape[2]
    compact = torch.uint8 if k * k <= 256 else torch.int16 if k * k <= 32767 else torch.int32
    action_rows = columns.permute(0, 3, 1, 2).reshape(num_seeds * num_pairs, -1).to(compact)
    seed_offsets = torch.arange(num_seeds)[:, None] * num_pairs
    ref_table = bandits.ref_log_probs  # (I, K)
    expanded_rewards = bandits.rewards[None].expand(num_seeds, num_instances, k)
    expanded_ref = ref_table[None].expand(num_seeds, num_instances, k)

    logits = torch.zeros(num_seeds, num_instances, num_methods, k, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([logits], lr=lr)

    def regret_now() -> torch.Tensor:
        with torch.no_grad():
            logp = masked_log_probs(logits, mask)
            return best_value[:, None] - regularized_value_torch(logp, rewards, ref_logp, beta[..., None])  # (S, I, M)

    history = [regret_now()]
    for _ in range(epochs):
        order = torch.stack([torch.randperm(num_pairs, generator=g) for g in generators])  # (S, N)
        # reorder each seed's pairs once per epoch (the seed's instances share its permutation); minibatches are
        # then contiguous slices
        shuffled = action_rows.index_select(0, (order + seed_offsets).flatten())
        shuffled = shuffled.view(num_seeds, num_pairs, num_instances, width).permute(0, 2, 3, 1).contiguous()
        # (S, I, width, N), contiguous
        for start in range(0, num_pairs, batch_size):
            batch = shuffled[..., start:start + batch_size].long().contiguous()  # (S, I, width, B)
            size = batch.shape[-1]
            logp = masked_log_probs(logits, mask)  # (S, I, M, K)
            if use_grid:
                ones = torch.ones(num_seeds, num_instances, size, dtype=torch.float64)
                pair_counts, preference_counts = (
                    torch.zeros(num_seeds, num_instances, k * k, dtype=torch.float64).scatter_add_(
                        -1, batch[:, :, j], ones).view(num_seeds, num_instances, k, k) for j in (0, 1))
                loss = _grid_losses(methods, logp, pair_counts, preference_counts, bandits.rewards, ref_table,
                                    beta, size)
            else:
                pair_rewards = expanded_rewards.gather(-1, batch[:, :, :2].flatten(-2))  # (S, I, 2B)
                pair_refs = expanded_ref.gather(-1, batch.flatten(-2))  # (S, I, 4B)
                pair = dict(zip(PAIR_FIELDS, (*pair_rewards.split(size, -1), *pair_refs.split(size, -1))))
                loss = _method_losses(methods, logp, batch, pair, bandits.rewards, ref_table, beta)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        history.append(regret_now())
    regret = torch.stack(history, dim=-1)  # (S, I, M, E+1)
    probs = torch.softmax(torch.where(mask, logits.detach(), torch.full_like(logits, PAD_LOGIT)), -1)
    return BatchedOfflineRun({m: regret[:, :, i] for i, m in enumerate(methods)},
                             {m: probs[:, :, i] for i, m in enumerate(methods)})


def train_offline(bandit: RewardBandit, data: PairDataset, generators: Sequence[torch.Generator],
                  methods: Sequence[str] = OFFLINE_METHODS, epochs: int = 300, batch_size: int = 512,
                  lr: float = 1e-3) -> OfflineRun:
    """One bandit, data (S, N): :func:`train_offline_batched` with a single instance."""
    batched = PairDataset(data.first[:, None], data.second[:, None], data.first_wins[:, None])
    run = train_offline_batched(BanditBatch.from_bandits([bandit]), batched, generators, methods, epochs,
                                batch_size, lr)
    return OfflineRun({m: r[:, 0] for m, r in run.regret.items()}, {m: p[:, 0] for m, p in run.final_probs.items()})


def population_copg_loss(logits: torch.Tensor, bandits: BanditBatch, mu1: torch.Tensor,
                         mu2: torch.Tensor) -> torch.Tensor:
    """Σ_i E_{y∼μ1_i, y′∼μ2_i}[(R^π_β(y) − R^π_β(y′))²/(2β)] summed over instances: CoPG Eq. 19 in
    expectation, over all K² pairs weighted by μ1(y)μ2(y′) (padded pairs have weight 0). logits (I, K)."""
    logp = masked_log_probs(logits, bandits.mask)
    ref, rewards, beta = bandits.ref_log_probs, bandits.rewards, bandits.beta[:, None, None]
    pair_loss = objectives.copg_loss(logp[:, :, None], logp[:, None, :], ref[:, :, None], ref[:, None, :],
                                     rewards[:, :, None], rewards[:, None, :], beta, surrogate="squared")
    return (mu1[:, :, None] * mu2[:, None, :] * pair_loss).sum()


def exact_copg_optimum_batched(bandits: BanditBatch, mu1: torch.Tensor, mu2: torch.Tensor, max_iter: int = 2000,
                               tolerance: float = 1e-13) -> torch.Tensor:
    """Minimise the population CoPG loss of every instance at once (its sum; instances share no parameters)
    with L-BFGS in float64 from π = uniform, using only the loss's exact autograd gradient. Returns π, (I, K)."""
    check_batch_probabilities("mu1", mu1, bandits.mask)
    check_batch_probabilities("mu2", mu2, bandits.mask)
    logits = torch.zeros_like(bandits.rewards, requires_grad=True)
    optimizer = torch.optim.LBFGS([logits], max_iter=max_iter, tolerance_grad=tolerance, tolerance_change=0.0,
                                  history_size=50, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = population_copg_loss(logits, bandits, mu1, mu2)
        loss.backward()
        return loss

    optimizer.step(closure)
    return torch.softmax(torch.where(bandits.mask, logits.detach(), torch.full_like(logits, PAD_LOGIT)), -1)


def exact_copg_optimum(bandit: RewardBandit, mu1: torch.Tensor, mu2: torch.Tensor, max_iter: int = 500,
                       tolerance: float = 1e-14) -> torch.Tensor:
    """One bandit: minimise its population CoPG loss exactly (L-BFGS, float64). Returns π, shape (K,)."""
    batch = BanditBatch.from_bandits([bandit])
    probs = exact_copg_optimum_batched(batch, torch.as_tensor(np.asarray(mu1), dtype=torch.float64)[None],
                                       torch.as_tensor(np.asarray(mu2), dtype=torch.float64)[None],
                                       max_iter, tolerance)
    return probs[0]

