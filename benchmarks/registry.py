"""The registry: experiments, claims and suites, and the contracts between them.

An :class:`Experiment` is a pure function ``run(config, seeds) -> list[Result]`` plus a frozen config
dataclass and a table of budgets (smoke / quick / full). A :class:`Claim` reads the stored results of the
experiments it needs and returns a :class:`Verdict`. A :class:`Suite` groups the experiments and claims of
one paper. Suites are the modules of the ``benchmarks.suites`` package (found automatically: adding a file
adds a suite) or extra modules named in the ``CLAIMBENCH_PLUGINS`` environment variable (comma separated),
each exposing a module-level ``SUITE``. ``CLAIMBENCH_SUITES`` (comma separated) restricts the built-in suites
that are loaded (e.g. to skip the heavy imports of the others).
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import os
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin, get_type_hints

BUDGETS: tuple[str, ...] = ("smoke", "quick", "decide", "full")
"""Budget names, smallest first. smoke / quick / full are defined by every experiment; ``decide`` (the smallest
budget at which a claim can be decided, where that is below full) only by the experiments that need one."""

VerdictStatus = Literal["holds", "fails", "inconclusive", "invalid", "not run"]
"""holds / fails: the interval is on one side of the threshold; inconclusive: it straddles it, or too few seeds;
invalid: a control failed or a precondition of the claim is absent, so this run cannot judge the claim (the
details name which; never reported as fails); not run: an experiment the claim needs has no finished run."""
STATUSES: tuple[str, ...] = get_args(VerdictStatus)


class ConfigError(ValueError):
    """Bad user input: an unknown name, a value of the wrong type, or a value out of range."""


class SuiteLoadError(RuntimeError):
    """A suite module could not be imported (a bug in that suite, or a missing dependency)."""


@dataclass(frozen=True)
class Result:
    """What one (config, seed) run returns: scalar metrics and named series (e.g. learning curves)."""

    metrics: dict[str, float]
    series: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Budget:
    """How many seeds a budget runs, from which seed on, and which config fields it overrides.

    ``first_seed`` lets a budget run fresh seeds (e.g. a confirmatory budget whose seeds no earlier pilot used);
    its seeds are ``first_seed, ..., first_seed + seeds - 1``.
    """

    seeds: int
    overrides: Mapping[str, Any] = field(default_factory=dict)
    first_seed: int = 0

    def seed_list(self) -> tuple[int, ...]:
        """The seeds this budget runs when no ``--seeds`` is given."""
        return tuple(range(self.first_seed, self.first_seed + self.seeds))


@dataclass(frozen=True)
class Experiment:
    """A named experiment. ``run(config, seeds)`` is pure: no I/O, no globals, one explicit RNG per seed.

    ``seeds_per_task`` bounds how many seeds one worker task receives (vectorised experiments batch them);
    ``None`` splits the seeds evenly over the workers. ``seed_isolation_rtol`` is the relative tolerance within
    which a seed's metrics must agree whether it runs alone or batched with other seeds (0.0: bit-identical; a
    batched float32 kernel whose rounding depends on the batch shape may declare e.g. 1e-6).
    """

    name: str
    config_cls: type
    run: Callable[[Any, Sequence[int]], list[Result]]
    budgets: Mapping[str, Budget]
    description: str = ""
    seeds_per_task: int | None = None
    seed_isolation_rtol: float = 0.0

    def config_keys(self) -> tuple[str, ...]:
        """The names of the config fields ``--set`` may override."""
        return tuple(f.name for f in dataclasses.fields(self.config_cls))

    def config(self, budget: str, overrides: Mapping[str, str] | None = None) -> Any:
        """The config for ``budget`` with user overrides (strings from ``--set k=v``) parsed and validated."""
        if budget not in self.budgets:
            raise ConfigError(f"unknown budget {budget!r} for {self.name} (choose from {', '.join(self.budgets)})")
        values = dict(self.budgets[budget].overrides)
        for key, text in (overrides or {}).items():
            values[key] = parse_field(self.config_cls, key, text)
        try:
            return self.config_cls(**values)  # defaults fill the rest; validated once, as configured
        except ConfigError:
            raise
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{self.name}: {error}") from None


@dataclass(frozen=True)
class Verdict:
    """A claim's outcome: status, the statistic with its CI, the threshold, the paper's figure, our figure."""

    claim: str
    status: VerdictStatus
    statistic: str
    value: float | None
    ci: tuple[float, float] | None
    threshold: float | None
    paper_value: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    explanation: str = ""
    figure: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``claimbench verify --json`` prints for this verdict."""
        return {
            "claim": self.claim,
            "verdict": self.status,
            "holds": self.status == "holds",
            "statistic": self.statistic,
            "value": _finite_or_none(self.value),
            "ci": None if self.ci is None else [_finite_or_none(c) for c in self.ci],
            "threshold": self.threshold,
            "paper_value": self.paper_value,
            "explanation": self.explanation,
            "details": self.details,
            "figure": self.figure,
        }


@dataclass(frozen=True)
class RunRecord:
    """A stored run as a claim sees it."""

    experiment: str
    seed: int
    config: Mapping[str, Any]
    metrics: Mapping[str, float]
    series: Mapping[str, list[float]]


@dataclass(frozen=True)
class Claim:
    """A published claim and its check. ``check`` receives, per experiment name, the finished runs.

    ``controls`` describes, one string each, the controls the check runs (e.g. "β = 0 greedy must not reach a
    0.1-optimal policy"); a failed control makes the verdict ``invalid``, never ``fails``."""

    id: str
    paper: str
    source: str
    statement: str
    experiments: tuple[str, ...]
    check: Callable[[Mapping[str, list[RunRecord]]], Verdict]
    paper_value: str | None = None
    plot: Callable[[Mapping[str, list[RunRecord]], str], None] | None = None
    controls: tuple[str, ...] = ()


ClaimFactory = Callable[..., Claim]


def claim_factory(paper: str, controls: Mapping[str, tuple[str, ...]] | None = None) -> ClaimFactory:
    """The Claim constructor of one paper's suite: ``claim(id, source, statement, experiments, check, plot,
    paper_value, controls=None)``. Controls not given are looked up in ``controls`` by the claim's id, then by the
    id without its suite prefix ("cpl.hard_labels" → "hard_labels"); none found: no controls."""
    table = dict(controls or {})

    def claim(cid: str, source: str, statement: str, experiments: tuple[str, ...],
              check: Callable[[Mapping[str, list[RunRecord]]], Verdict],
              plot: Callable[[Mapping[str, list[RunRecord]], str], None] | None, paper_value: str | None,
              controls: tuple[str, ...] | None = None) -> Claim:
        if controls is None:
            controls = table.get(cid, table.get(cid.split(".", 1)[-1], ()))
        return Claim(id=cid, paper=paper, source=source, statement=statement, experiments=experiments, check=check,
                     paper_value=paper_value, plot=plot, controls=controls)

    return claim


@dataclass(frozen=True)
class Suite:
    """All experiments and claims of one paper."""

    name: str
    paper: str
    experiments: tuple[Experiment, ...]
    claims: tuple[Claim, ...]


def _finite_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def suite_modules() -> list[str]:
    """The module names that hold suites: each sub-package (``benchmarks/suites/<paper>/``) or module of
    ``benchmarks.suites`` not starting with "_" (restricted to ``CLAIMBENCH_SUITES`` when set), then the modules
    or packages named in ``CLAIMBENCH_PLUGINS``."""
    import benchmarks.suites

    wanted = {m.strip() for m in os.environ.get("CLAIMBENCH_SUITES", "").split(",") if m.strip()}
    modules = [f"benchmarks.suites.{m.name}" for m in pkgutil.iter_modules(benchmarks.suites.__path__)
               if not m.name.startswith("_") and (not wanted or m.name in wanted)]
    return modules + [m.strip() for m in os.environ.get("CLAIMBENCH_PLUGINS", "").split(",") if m.strip()]


def load_suite(module_name: str) -> Suite:
    """The ``SUITE`` of one suite module or package; a SuiteLoadError if it cannot be imported or has none."""
    try:
        suite = importlib.import_module(module_name).SUITE
    except (ImportError, AttributeError) as error:
        raise SuiteLoadError(f"suite module {module_name} failed to load: {error} "
                             f"(set CLAIMBENCH_SUITES to load only some suites)") from error
    if not isinstance(suite, Suite):
        raise SuiteLoadError(f"suite module {module_name}: SUITE is a {type(suite).__name__}, not a Suite")
    return suite


def load_suites() -> dict[str, Suite]:
    """Import every suite (built-in and ``CLAIMBENCH_PLUGINS``) and return them by name."""
    suites: dict[str, Suite] = {}
    for module_name in suite_modules():
        suite = load_suite(module_name)
        if suite.name in suites:
            raise SuiteLoadError(f"two suites are named {suite.name!r} ({module_name} is the second)")
        suites[suite.name] = suite
    return suites


def suite_of(suites: Mapping[str, Suite], experiment_name: str) -> str:
    """The name of the suite that owns the experiment (its registry entry), else the part before "/"."""
    for suite in suites.values():
        if any(e.name == experiment_name for e in suite.experiments):
            return suite.name
    return experiment_name.split("/")[0]


def find_experiment(suites: Mapping[str, Suite], name: str) -> Experiment:
    """The experiment called ``name`` ("suite/experiment"), or a ConfigError naming it."""
    for suite in suites.values():
        for experiment in suite.experiments:
            if experiment.name == name:
                return experiment
    raise ConfigError(f"unknown experiment {name!r} (see `claimbench list`)")


def select(suites: Mapping[str, Suite], target: str | None) -> tuple[list[Experiment], list[Claim]]:
    """Experiments and claims named by ``target``: None (everything), a suite, or one experiment."""
    if target is None:
        chosen = list(suites.values())
    elif target in suites:
        chosen = [suites[target]]
    else:
        experiment = find_experiment(suites, target)
        claims = [c for s in suites.values() for c in s.claims if experiment.name in c.experiments]
        return [experiment], claims
    return [e for s in chosen for e in s.experiments], [c for s in chosen for c in s.claims]


def config_hash(config: Any) -> str:
    """A stable 16-hex-digit hash of a config dataclass (its JSON with sorted keys)."""
    return hashlib.sha256(config_json(config).encode()).hexdigest()[:16]


def config_json(config: Any) -> str:
    """The config as canonical JSON."""
    return json.dumps(dataclasses.asdict(config), sort_keys=True, separators=(",", ":"))


def parse_field(config_cls: type, key: str, text: str) -> Any:
    """Parse the string ``text`` as the type of field ``key`` of ``config_cls`` (float, int, bool, str, tuples)."""
    hints = get_type_hints(config_cls)
    names = [f.name for f in dataclasses.fields(config_cls)]
    if key not in hints or key not in names:
        raise ConfigError(f"unknown config key {key!r} (valid: {', '.join(names)})")
    return _parse_as(hints[key], key, text)


def _parse_as(kind: Any, key: str, text: str) -> Any:
    origin = get_origin(kind)
    if origin is tuple:
        item_kind = get_args(kind)[0]
        return tuple(_parse_as(item_kind, key, part.strip()) for part in text.split(",") if part.strip())
    if origin is not None and type(None) in get_args(kind):  # Optional[X]
        if text.lower() in ("none", ""):
            return None
        return _parse_as(next(a for a in get_args(kind) if a is not type(None)), key, text)
    if origin is Literal:
        if text not in get_args(kind):
            raise ConfigError(f"{key}: expected one of {', '.join(map(str, get_args(kind)))}, got {text!r}")
        return text
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind in (int, float, str):
            return kind(text)
    except ValueError:
        raise ConfigError(f"{key}: expected {kind.__name__}, got {text!r}") from None
    raise ConfigError(f"{key}: cannot set a field of type {kind} from the command line")
