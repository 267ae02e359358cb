"""Turn stored runs into verdicts: gather each claim's records and call its check."""
from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence

from benchmarks.registry import BUDGETS, STATUSES, Claim, RunRecord, Suite, Verdict, config_hash, find_experiment
from benchmarks.store import Store


def gather(claim: Claim, suites: Mapping[str, Suite], store: Store, budget: str,
           seeds: Sequence[int] | None = None) -> dict[str, list[RunRecord]]:
    """The finished runs of every experiment the claim needs, at the budget's default config."""
    records = {}
    for name in claim.experiments:
        experiment = find_experiment(suites, name)
        records[name] = store.records(name, config_hash(experiment.config(budget)), seeds)
    return records


def best_budget(claim: Claim, suites: Mapping[str, Suite], store: Store) -> str | None:
    """The largest budget (full, decide, quick, smoke) that every experiment of the claim defines and has runs at."""
    for budget in reversed(BUDGETS):
        if not all(budget in find_experiment(suites, name).budgets for name in claim.experiments):
            continue
        if all(gather(claim, suites, store, budget).values()):
            return budget
    return None


def evaluate(claim: Claim, records: Mapping[str, list[RunRecord]]) -> tuple[Verdict, str | None]:
    """The claim's verdict; "not run" if an experiment has no finished run; the traceback if the check crashed."""
    missing = [name for name, runs in records.items() if not runs]
    if missing:
        return Verdict(claim.id, "not run", "-", None, None, None, claim.paper_value,
                       explanation=f"no finished runs of {', '.join(missing)}"), None
    try:
        verdict = claim.check(records)
        if verdict.status not in STATUSES:
            raise ValueError(f"check returned status {verdict.status!r} (valid: {', '.join(STATUSES)})")
        return verdict, None
    except Exception:  # noqa: BLE001 - a broken check is reported, the other claims still get verdicts
        error = traceback.format_exc(limit=6)
        return Verdict(claim.id, "inconclusive", "-", None, None, None, claim.paper_value,
                       explanation=f"check crashed: {error.strip().splitlines()[-1]}"), error
