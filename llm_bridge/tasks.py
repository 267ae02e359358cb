"""Tasks with programmatic scores (nothing from a hub).

- :class:`KChoiceTask`: each prompt has K fixed one-word candidate completions with rewards R; restricted to
  the candidates, the KL-regularised optimum is exact: π*_K(y) ∝ π_ref,K(y)·exp(R(y)/β) (CoPG §3), with
  π_ref,K the LM's own reference probabilities renormalised over the K candidates.
- :func:`arithmetic_prompts` / :func:`arithmetic_reward`: a scalar reward on free-form completions of
  "What is a + b?" (the right number, and ending the answer within the token budget).
- :data:`RPS_MOVES` / :func:`rps_preference`: a pairwise, intransitive preference on completions (a weighted
  rock–paper–scissors; every move is beaten by another), for Nash-MD.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# The 5 most probable candidates under SmolLM2-135M-Instruct's π_ref among 8 common answers per category
# (chosen once, offline), so that no candidate has a near-zero reference probability (the pilot's start KL ≈ 0.3
# implies similarly reachable candidates; with arbitrary words some sit at ln π_ref ≈ −25 and KL starts near 2).
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Name a colour.", ("Red", "Green", "Yellow", "Blue", "Orange")),
    ("Name a fruit.", ("Apple", "Mango", "Banana", "Strawberry", "Pear")),
    ("Name an animal.", ("Lion", "Dog", "Rabbit", "Bear", "Cat")),
    ("Name a country.", ("India", "Italy", "France", "Canada", "Brazil")),
    ("Name a planet.", ("Mars", "Mercury", "Jupiter", "Earth", "Venus")),
    ("Name a musical instrument.", ("Drums", "Saxophone", "Guitar", "Flute", "Trumpet")),
    ("Name a vegetable.", ("Carrot", "Broccoli", "Cucumber", "Spinach", "Onion")),
    ("Name a sport.", ("Soccer", "Golf", "Tennis", "Cricket", "Basketball")),
    ("Name a day of the week.", ("Monday", "Sunday", "Wednesday", "Friday", "Saturday")),
    ("Name a metal.", ("Aluminum", "Iron", "Steel", "Gold", "Titanium")),
    ("Name a flower.", ("Lavender", "Daisy", "Sunflower", "Rose", "Orchid")),
    ("Name a city.", ("Paris", "London", "Rome", "Tokyo", "Madrid")),
)


@dataclass(frozen=True)
class KChoiceTask:
    """Prompts, K candidate completions per prompt, and rewards R[p, k]."""

    prompts: tuple[str, ...]
    candidates: tuple[tuple[str, ...], ...]
    rewards: np.ndarray

    def __post_init__(self) -> None:
        if not self.prompts or len(self.prompts) != len(self.candidates):
            raise ValueError(f"need one candidate list per prompt, got {len(self.prompts)} prompts and "
                             f"{len(self.candidates)} candidate lists")
        k = {len(c) for c in self.candidates}
        if len(k) != 1 or min(k) < 2:
            raise ValueError(f"every prompt needs the same number K >= 2 of candidates, got sizes {sorted(k)}")
        if any(not c for cands in self.candidates for c in cands):
            raise ValueError("empty candidate completion")
        if self.rewards.shape != (len(self.prompts), self.num_candidates) or not np.all(np.isfinite(self.rewards)):
            raise ValueError(f"rewards must be finite with shape {(len(self.prompts), self.num_candidates)}, "
                             f"got {self.rewards.shape}")

    @property
    def num_candidates(self) -> int:
        return len(self.candidates[0])

    def sequences(self) -> tuple[list[str], list[str]]:
        """(prompt, completion) strings in prompt-major order: row p·K + k is candidate k of prompt p."""
        prompts = [p for p, cands in zip(self.prompts, self.candidates) for _ in cands]
        return prompts, [c for cands in self.candidates for c in cands]


def k_choice_task(num_prompts: int, rng: np.random.Generator, reward_high: float = 2.0) -> KChoiceTask:
    """The first ``num_prompts`` categories with rewards R ~ U[0, reward_high] drawn from ``rng``."""
    if not 1 <= num_prompts <= len(CATEGORIES):
        raise ValueError(f"num_prompts must be in 1..{len(CATEGORIES)}, got {num_prompts}")
    chosen = CATEGORIES[:num_prompts]
    rewards = rng.uniform(0.0, reward_high, size=(num_prompts, len(chosen[0][1])))
    return KChoiceTask(tuple(p for p, _ in chosen), tuple(c for _, c in chosen), rewards)


def renormalise(logp: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis from (unnormalised) log-probs."""
    z = logp - logp.max(-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(-1, keepdims=True)


# --- scalar reward: small additions ------------------------------------------------------------------------

ARITHMETIC_TEMPLATE = "What is {a} + {b}? Answer with the number only."


def arithmetic_prompts(rng: np.random.Generator, num_train: int, num_heldout: int,
                       high: int = 9) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Disjoint train / held-out operand pairs (a, b) from {1..high}², drawn without replacement."""
    pairs = [(a, b) for a in range(1, high + 1) for b in range(1, high + 1)]
    if num_train + num_heldout > len(pairs) or num_train < 1 or num_heldout < 1:
        raise ValueError(f"need 1 <= num_train, num_heldout and num_train + num_heldout <= {len(pairs)}")
    order = rng.permutation(len(pairs))
    chosen = [pairs[i] for i in order[:num_train + num_heldout]]
    return chosen[:num_train], chosen[num_train:]


def arithmetic_reward(a: int, b: int, completion: str, ended: bool) -> float:
    """R = 1 if the first number in the completion is a + b, plus 0.5 if the answer ended (EOS) in budget."""
    numbers = re.findall(r"-?\d+", completion)
    correct = bool(numbers) and int(numbers[0]) == a + b
    return float(correct) + 0.5 * float(ended)


# --- intransitive preference: weighted rock–paper–scissors ------------------------------------------------

RPS_MOVES = ("Rock", "Paper", "Scissors")
RPS_PROMPTS = (
    "Let's play rock, paper, scissors. Answer with one word: your move.",
    "Rock, paper or scissors? Reply with one word.",
    "We are playing rock paper scissors. Which do you throw? One word.",
    "Pick one: rock, paper, or scissors.",
    "Choose your move in rock-paper-scissors (one word).",
    "Rock paper scissors, shoot! What is your move?",
    "Play a round of rock, paper, scissors with me. Your choice?",
    "Say rock, paper or scissors.",
)
# P(row ≻ column): paper beats rock 0.9, scissors beat paper 0.75, rock beats scissors 0.6 (intransitive cycle)
RPS_WIN = {("Paper", "Rock"): 0.9, ("Scissors", "Paper"): 0.75, ("Rock", "Scissors"): 0.6}


def _move(text: str) -> str | None:
    found = [(text.lower().find(m.lower()), m) for m in RPS_MOVES if m.lower() in text.lower()]
    return min(found)[1] if found else None


def rps_preference(a: str, b: str) -> float:
    """P(a ≻ b) for two completions: the first move named in each decides by :data:`RPS_WIN`; a completion
    naming no move loses to one that names a move; equal moves (or none on both sides) tie at ½."""
    ma, mb = _move(a), _move(b)
    if ma == mb:
        return 0.5
    if ma is None or mb is None:
        return 0.0 if ma is None else 1.0
    if (ma, mb) in RPS_WIN:
        return RPS_WIN[(ma, mb)]
    return 1.0 - RPS_WIN[(mb, ma)]


def preference_matrix(candidates: Sequence[str]) -> np.ndarray:
    """P[i, j] = P(candidate i ≻ candidate j) from :func:`rps_preference` (P + Pᵀ = 1)."""
    return np.array([[rps_preference(a, b) for b in candidates] for a in candidates])
