"""Nash-MD-PG on an intransitive preference over the LM's three one-word rock–paper–scissors moves.

The policy is restricted (renormalised) to the K = 3 moves of each prompt, so everything is exact:
- win-rate P(π ≻ π′) = mean_x π(x)ᵀ P π′(x) with P the weighted rock–paper–scissors matrix;
- the regularised Nash π*_τ (:func:`bandits.solvers.regularized_nash`) and Nash-MD-PG's own fixed point
  softmax(log π_ref + P π^β / τ) (:func:`bandits.solvers.nash_md_pg_fixed_point`);
- exploitability max_y P(y ≻ π) − ½ (:func:`bandits.solvers.exploitability`).
One run per mixture β (0 = self-play), all from the same initial weights, τ shared.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from bandits.solvers import exploitability, kl, nash_md_pg_fixed_point, regularized_nash
from llm_bridge.models import LoadedModel
from llm_bridge.pipelines.outcome import Outcome
from llm_bridge.pipelines.settings import NashMDSettings
from llm_bridge.pools import k_choice_pool
from llm_bridge.tasks import RPS_MOVES, RPS_PROMPTS, KChoiceTask, preference_matrix, renormalise
from llm_bridge.train import PoolPolicy, train_k_choice_on_policy


def beta_key(beta: float) -> str:
    """The metric-key part of a mixture β ("0", "0.125", "0.5")."""
    return f"{beta:g}"


def win_rate(probs: np.ndarray, matrix: np.ndarray, opponent: np.ndarray) -> float:
    """P(π ≻ π′) = mean over prompts of π(x)ᵀ P π′(x) (``probs``, ``opponent``: [prompts, K])."""
    return float(np.einsum("pi,ij,pj->p", probs, matrix, opponent).mean())


def _train_one_mixture(policy: PoolPolicy, settings: NashMDSettings, beta: float, matrix: np.ndarray,
                       ref_k: np.ndarray, nash: np.ndarray, generator: torch.Generator
                       ) -> tuple[dict[str, list[float]], np.ndarray, np.ndarray]:
    k = len(RPS_MOVES)
    preference = torch.as_tensor(np.broadcast_to(matrix, (ref_k.shape[0], k, k)).copy())
    fixed_point = np.stack([nash_md_pg_fixed_point(matrix, r, settings.tau, beta) for r in ref_k])
    last: dict[str, np.ndarray] = {}

    def evaluate(logp: Tensor) -> dict[str, float]:
        probs = renormalise(logp.numpy().reshape(-1, k))
        last["probs"] = probs
        return {"win_vs_ref": win_rate(probs, matrix, ref_k), "kl_to_nash": float(kl(nash, probs).mean()),
                "kl_to_fixed_point": float(kl(fixed_point, probs).mean())}

    curves = train_k_choice_on_policy(policy, "nash_md_pg", k, settings.steps, settings.samples_per_prompt,
                                      settings.tau, generator, settings.lr, settings.clip, evaluate,
                                      settings.eval_every, preference=preference, mixture_beta=beta,
                                      exact_kl=settings.exact_kl)
    return curves, last["probs"], fixed_point


def nash_md_pg_game(lm: LoadedModel, settings: NashMDSettings, generator: torch.Generator,
                    lora_init: torch.Generator | None = None) -> Outcome:
    """One seed: ``generator`` draws every on-policy sample. Per β: ``win_vs_ref``, ``kl_to_nash``,
    ``kl_to_pg_fixed_point`` (KL(π̂_β‖π) to Nash-MD-PG's own fixed point π̂_β), ``fixed_point_win_vs_ref`` (π̂_β's
    own win-rate, the theory's value), ``off_top_mass`` and ``fixed_point_off_top_mass`` (mean over prompts of
    1 − the largest move probability, of π and of π̂_β), ``exploitability``, ``mean_prob/<β>/<move>``; series
    ``win_vs_ref``, ``kl_to_nash``, ``kl_to_fixed_point`` per β; pairwise ``win/<β1>_vs_<β2>``."""
    matrix = preference_matrix(RPS_MOVES)
    k = len(RPS_MOVES)
    prompts = RPS_PROMPTS[: settings.num_prompts]
    task = KChoiceTask(prompts, tuple(RPS_MOVES for _ in prompts), np.zeros((len(prompts), k)))
    policy = settings.policy(lm, k_choice_pool(lm, task), lora_init)
    ref_k = renormalise(policy.ref_logp.numpy().reshape(-1, k))
    nash = regularized_nash(matrix, ref_k, settings.tau)
    finals: dict[str, np.ndarray] = {}
    metrics: dict[str, float] = {"ref_exploitability": float(exploitability(matrix, ref_k).mean())}
    series: dict[str, list[float]] = {}
    for beta in settings.betas:
        curves, probs, fixed_point = _train_one_mixture(policy, settings, beta, matrix, ref_k, nash, generator)
        key = beta_key(beta)
        finals[key] = probs
        metrics[f"win_vs_ref/{key}"] = curves["win_vs_ref"][-1]
        metrics[f"kl_to_nash/{key}"] = curves["kl_to_nash"][-1]
        metrics[f"kl_to_pg_fixed_point/{key}"] = curves["kl_to_fixed_point"][-1]
        metrics[f"fixed_point_win_vs_ref/{key}"] = win_rate(fixed_point, matrix, ref_k)
        metrics[f"off_top_mass/{key}"] = float((1.0 - probs.max(-1)).mean())
        metrics[f"fixed_point_off_top_mass/{key}"] = float((1.0 - fixed_point.max(-1)).mean())
        metrics[f"exploitability/{key}"] = float(exploitability(matrix, probs).mean())
        for move, p in zip(RPS_MOVES, probs.mean(0)):
            metrics[f"mean_prob/{key}/{move}"] = float(p)
        for name, curve in curves.items():
            series[f"{name}/{key}"] = curve
    for i, b1 in enumerate(finals):
        for b2 in list(finals)[i + 1:]:
            metrics[f"win/{b1}_vs_{b2}"] = win_rate(finals[b1], matrix, finals[b2])
    return Outcome(metrics, series)
