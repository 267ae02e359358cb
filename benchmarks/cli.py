"""The `claimbench` command: list, plan, run, verify, report, import.

Exit status: 0 on success (a claim that fails is a finding, not an error), 1 when a run crashed,
2 on bad usage or bad input (one line on stderr naming the bad value, no traceback).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.evaluate import evaluate, gather
from benchmarks.executors import EXECUTORS, ExecutorOptions, check_reachable, default_workers
from benchmarks.registry import BUDGETS, ConfigError, Suite, SuiteLoadError, Verdict, load_suites, select
from benchmarks.report import build_report, count_statuses, verdict_json
from benchmarks.runner import (
    PlannedRun,
    SweepSummary,
    cost,
    execute,
    parse_seeds,
    plan,
    provenance,
    route_overrides,
)
from benchmarks.store import (
    DEFAULT_STORE,
    merge_plan,
    open_memory_store,
    open_store,
    open_store_readonly,
    read_source,
)

STATUS_STYLE = {"holds": "green", "fails": "red", "inconclusive": "yellow", "invalid": "magenta", "not run": "dim"}


def _say(console: Console, text: str) -> None:
    """One plain line (no markup, no highlighting, never wrapped): what scripts and tests read."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


class UsageError(Exception):
    """Bad command-line usage (argparse's complaints, re-raised so we print one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget", default="quick", choices=BUDGETS,
                        help="smoke (tests), quick (default), decide (where a suite defines it: the smallest "
                             "deciding budget), full")
    parser.add_argument("--seeds", help="N (seeds 0..N-1), a,b,c or a-b; default: the budget's")
    parser.add_argument("--executor", default="local", help=f"where runs execute: {', '.join(EXECUTORS)}")
    parser.add_argument("--workers", type=int, help="worker processes (default: one per CPU)")
    parser.add_argument("--retries", type=int, default=0, help="resubmit a failed run up to N times")
    parser.add_argument("--address", help="ray: address of an existing cluster (host:port); default: start one")
    parser.add_argument("--slurm-partition", help="submitit: Slurm partition")
    parser.add_argument("--slurm-time", type=int, default=60, help="submitit: job time limit in minutes")
    parser.add_argument("--slurm-option", action="append", default=[], metavar="KEY=VALUE",
                        help="submitit: extra executor parameter (e.g. slurm_mem_gb=8), repeatable")
    parser.add_argument("--submitit-folder", help="submitit: folder for job logs (default: a temporary one)")
    parser.add_argument("--seeds-per-task", type=int, metavar="N",
                        help="seeds per worker task, overriding each experiment's batching (cluster runs)")
    parser.add_argument("--store", default=str(DEFAULT_STORE), help="SQLite results file")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="claimbench", description="Check published claims of policy-gradient and "
                     "preference-learning papers on small exact problems.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = commands.add_parser("list", help="suites, experiments, budgets and claims")
    listing.add_argument("--json", action="store_true")
    planning = commands.add_parser("plan", help="runs, tasks and estimated CPU time per experiment (runs nothing)")
    planning.add_argument("target", nargs="?", help="SUITE or SUITE/EXPERIMENT (default: every suite)")
    planning.add_argument("--budget", default="quick", choices=BUDGETS)
    planning.add_argument("--seeds", help="N (seeds 0..N-1), a,b,c or a-b; default: the budget's")
    planning.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field")
    planning.add_argument("--workers", type=int, help="workers the seeds are split over (default: one per CPU)")
    planning.add_argument("--seeds-per-task", type=int, metavar="N", help="seeds per task (overrides batching)")
    planning.add_argument("--store", default=str(DEFAULT_STORE),
                          help="store whose finished runs are skipped and whose durations estimate the time")
    planning.add_argument("--json", action="store_true")
    run = commands.add_parser("run", help="run a suite or one experiment (skips stored runs)")
    run.add_argument("target", help="SUITE or SUITE/EXPERIMENT")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config field (at suite level: for the experiments that have it)")
    _add_run_options(run)
    verify = commands.add_parser("verify", help="run what is missing, then print each claim's verdict")
    verify.add_argument("target", nargs="?", help="SUITE (default: every suite)")
    _add_run_options(verify)
    report = commands.add_parser("report", help="write reports/README.md, verdicts.json, figures and the shipped "
                                 "rows (reports/results/) from the store, or from shipped rows with --from")
    source = report.add_mutually_exclusive_group()
    source.add_argument("--store", default=None, help=f"SQLite results file (default: {DEFAULT_STORE})")
    source.add_argument("--from", dest="from_results", metavar="RESULTS",
                        help="regenerate from shipped rows (a folder of *.jsonl.gz or one file); no store, no runs")
    report.add_argument("--out", default="reports", help="output folder")
    importing = commands.add_parser("import", help="merge rows from results files or stores into a store")
    importing.add_argument("sources", nargs="+", metavar="FILE|STORE",
                           help="*.jsonl.gz results files, folders of them, or SQLite stores")
    importing.add_argument("--store", default=str(DEFAULT_STORE), help="the store to merge into")
    importing.add_argument("--json", action="store_true")
    return parser


def _listing(suites: dict[str, Suite]) -> list[dict[str, Any]]:
    return [{
        "suite": s.name, "paper": s.paper,
        "experiments": [{"name": e.name, "description": e.description,
                         "budgets": {b: {"seeds": v.seeds, "first_seed": v.first_seed,
                                         "overrides": dict(v.overrides)}
                                     for b, v in e.budgets.items()}}
                        for e in s.experiments],
        "claims": [{"id": c.id, "source": c.source, "statement": c.statement, "experiments": list(c.experiments),
                    "controls": list(c.controls)} for c in s.claims],
    } for s in suites.values()]


def _cmd_list(args: argparse.Namespace, suites: dict[str, Suite], out: Console) -> int:
    listing = _listing(suites)
    if args.json:
        print(json.dumps(listing, indent=2))
        return 0
    for suite in listing:
        out.print(f"[bold]{suite['suite']}[/bold] — {suite['paper']}")
        for e in suite["experiments"]:
            seeds = ", ".join(f"{b}: {v['seeds']} seeds" for b, v in e["budgets"].items())
            out.print(f"  experiment [cyan]{e['name']}[/cyan]  {e['description']}  ({seeds})")
        for c in suite["claims"]:
            out.print(f"  claim      [magenta]{c['id']}[/magenta] ({c['source']})  {c['statement']}")
    return 0


def _sweep(args: argparse.Namespace, runs: list[PlannedRun]) -> SweepSummary:
    """Run the missing seeds suite by suite (one progress bar each) and time each suite's wall clock."""
    store = open_store(args.store, provenance())
    summary = SweepSummary()
    try:
        runs = plan([r.experiment for r in runs], args.budget, args.seeds, getattr(args, "overrides", {}), store)
        by_suite: dict[str, list[PlannedRun]] = {}
        for run in runs:
            by_suite.setdefault(run.experiment.name.split("/")[0], []).append(run)
        for suite, suite_runs in by_suite.items():
            total = sum(len(r.missing) for r in suite_runs)
            start = time.perf_counter()
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=Console(stderr=True), transient=False, disable=total == 0) as progress:
                bar = progress.add_task(f"{suite}: {total} seed(s)", total=total)
                part = execute(suite_runs, store, args.executor, _executor_options(args),
                               on_progress=lambda outcome: progress.advance(bar))
            summary.done += part.done
            summary.failed += part.failed
            summary.skipped += part.skipped
            summary.errors += part.errors
            if total:
                summary.wall_s[suite] = time.perf_counter() - start
    finally:
        store.close()
    return summary


def _executor_options(args: argparse.Namespace) -> ExecutorOptions:
    slurm: dict[str, Any] = {"timeout_min": args.slurm_time}
    if args.slurm_partition:
        slurm["slurm_partition"] = args.slurm_partition
    for key, value in _parse_sets(args.slurm_option).items():
        slurm[key] = int(value) if value.isdigit() else value
    return ExecutorOptions(workers=args.workers or 0, retries=args.retries, address=args.address, slurm=slurm,
                           folder=args.submitit_folder, seeds_per_task=args.seeds_per_task)


def _check_batching(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    if args.seeds_per_task is not None and args.seeds_per_task < 1:
        raise ConfigError(f"--seeds-per-task must be >= 1, got {args.seeds_per_task}")


def _select(suites: dict[str, Suite], target: str | None) -> tuple[list, list]:
    experiments, claims = select(suites, target)
    if target is not None and target not in suites and not experiments:
        raise ConfigError(f"unknown suite or experiment {target!r}")
    return experiments, claims


def _prepare(args: argparse.Namespace, suites: dict[str, Suite], target: str | None) -> tuple[list[PlannedRun], list]:
    """Validate everything (target, config overrides, seeds, executor) before touching the store."""
    if args.executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {args.executor!r} (choose from {', '.join(EXECUTORS)})")
    _check_batching(args)
    if args.retries < 0:
        raise ConfigError(f"--retries must be >= 0, got {args.retries}")
    if args.address and args.executor != "ray":
        raise ConfigError("--address only applies to --executor ray")
    if args.executor == "ray" and args.address:
        check_reachable(args.address)
    experiments, claims = _select(suites, target)
    experiments, claims = _with_budget(experiments, claims, args.budget)
    return plan(experiments, args.budget, args.seeds, getattr(args, "overrides", {}), None), claims


def _with_budget(experiments: list, claims: list, budget: str) -> tuple[list, list]:
    """The experiments that define ``budget`` and the claims all of whose experiments do (``decide`` is optional);
    none → ConfigError."""
    kept = [e for e in experiments if budget in e.budgets]
    if not kept:
        raise ConfigError(f"no selected experiment has the budget {budget!r}")
    names = {e.name for e in kept}
    return kept, [c for c in claims if set(c.experiments) <= names]


def _print_summary(summary: SweepSummary, err: Console) -> None:
    err.print(f"runs: {summary.done} done, {summary.failed} failed, {summary.skipped} already stored")
    if summary.wall_s:
        err.print("wall time: " + ", ".join(f"{s} {t:.1f} s" for s, t in summary.wall_s.items())
                  + f"; total {sum(summary.wall_s.values()):.1f} s")
    for line in summary.errors[:10]:
        err.print(f"[red]failed[/red] {line}")


def _cmd_run(args: argparse.Namespace, suites: dict[str, Suite], out: Console, err: Console) -> int:
    args.overrides = _parse_sets(args.set)
    runs, _ = _prepare(args, suites, args.target)
    for note in route_overrides([r.experiment for r in runs], args.overrides)[1]:
        _say(err, note)
    summary = _sweep(args, runs)
    if args.json:
        print(json.dumps({"done": summary.done, "failed": summary.failed, "skipped": summary.skipped,
                          "errors": summary.errors, "wall_s": summary.wall_s,
                          "runs": [{"experiment": r.experiment.name, "config_hash": r.config_hash,
                                    "seeds": list(r.seeds)} for r in runs]}, indent=2))
    else:
        _print_summary(summary, err)
    return 1 if summary.failed else 0


def _cmd_verify(args: argparse.Namespace, suites: dict[str, Suite], out: Console, err: Console) -> int:
    if args.target is not None and args.target not in suites:
        raise ConfigError(f"unknown suite {args.target!r} (choose from {', '.join(suites)})")
    runs, claims = _prepare(args, suites, args.target)
    needed = {name for claim in claims for name in claim.experiments}
    runs = [r for r in runs if r.experiment.name in needed]
    summary = _sweep(args, runs)
    store = open_store_readonly(args.store)
    verdicts: list[Verdict] = []
    crashed = summary.failed > 0
    try:
        for claim in claims:
            seeds = sorted({seed for r in runs if r.experiment.name in claim.experiments
                            for seed in parse_seeds(args.seeds, r.experiment.budgets[args.budget].seed_list())})
            verdict, error = evaluate(claim, gather(claim, suites, store, args.budget, seeds))
            crashed |= error is not None
            if error:
                err.print(f"[red]check of {claim.id} crashed[/red]: {error.strip().splitlines()[-1]}")
            verdicts.append(verdict)
    finally:
        store.close()
    counts = count_statuses(verdicts)
    if args.json:
        print(json.dumps([verdict_json(v, c) for v, c in zip(verdicts, claims)], indent=2))
    _print_summary(summary, err)
    _say(err, "verdicts: " + (", ".join(f"{n} {s}" for s, n in counts.items()) or "none"))
    if not args.json:
        table = Table(title=f"claimbench verify — budget {args.budget}")
        for column in ("claim", "verdict", "statistic", "value [95% CI]", "threshold", "paper"):
            table.add_column(column, overflow="fold")
        for v in verdicts:
            ci = "" if v.ci is None else f" [{v.ci[0]:.4g}, {v.ci[1]:.4g}]"
            value = "–" if v.value is None else f"{v.value:.4g}{ci}"
            table.add_row(v.claim, f"[{STATUS_STYLE[v.status]}]{v.status}[/]", v.statistic, value,
                          "–" if v.threshold is None else f"{v.threshold:g}", v.paper_value or "–")
        out.print(table)
        for v in verdicts:
            out.print(f"[bold]{v.claim}[/bold]: {v.explanation}")
    return 1 if crashed else 0


def _cmd_report(args: argparse.Namespace, suites: dict[str, Suite], out: Console, err: Console) -> int:
    if args.from_results:  # every row is read and validated before anything is written
        store = open_memory_store(read_source(args.from_results))
    else:
        path = Path(args.store or DEFAULT_STORE)
        if not path.is_file():
            raise ConfigError(f"no store at {str(path)!r} (run `claimbench verify` first, or regenerate the report "
                              f"from the shipped rows: `claimbench report --from reports/results`)")
        store = open_store_readonly(path)
    try:
        verdicts, shipped = build_report(suites, store, args.out, ship_results=not args.from_results)
    finally:
        store.close()
    counts = count_statuses(verdicts)
    _say(out, f"wrote {args.out}/README.md: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for path, (now, before) in shipped.items():
        change = "" if before is None or before == now else f" (was {before})"
        _say(err, f"{'removed' if now == 0 else 'wrote'} {path}: {now} rows{change}")
    return 0


def _cmd_import(args: argparse.Namespace, out: Console, err: Console) -> int:
    rows = [row for source in args.sources for row in read_source(source)]
    target = open_store_readonly(args.store) if Path(args.store).is_file() else None
    try:  # every source is read and checked against the store before the store is opened for writing
        new, present = merge_plan(rows, target)
    finally:
        if target is not None:
            target.close()
    if new:
        store = open_store(args.store)
        try:
            store.insert_exported(new)
        finally:
            store.close()
    if args.json:
        print(json.dumps({"imported": len(new), "already_present": present, "store": args.store}))
    else:
        _say(err, f"imported {len(new)} rows into {args.store} ({present} already present)")
    return 0


def _cmd_plan(args: argparse.Namespace, suites: dict[str, Suite], out: Console) -> int:
    _check_batching(args)
    experiments, _ = _with_budget(*_select(suites, args.target), args.budget)
    overrides = _parse_sets(args.set)
    store = open_store_readonly(args.store) if Path(args.store).is_file() else None
    try:
        runs = plan(experiments, args.budget, args.seeds, overrides, store)
        lines = cost(runs, args.workers or default_workers(), args.seeds_per_task, store)
    finally:
        if store is not None:
            store.close()
    totals = {name: _total([getattr(line, name) for line in lines]) for name in ("cpu_s", "cpu_all_s")}
    if args.json:
        print(json.dumps({"budget": args.budget, "workers": args.workers or default_workers(),
                          "experiments": [line.to_json() for line in lines],
                          "total_cpu_s": totals["cpu_s"], "total_cpu_all_s": totals["cpu_all_s"]}, indent=2))
        return 0
    header = ("experiment", "seeds", "stored", "to run", "tasks", "s/seed", "CPU to run", "CPU all seeds")
    body = [(line.experiment, str(line.seeds), str(line.stored), str(line.to_run), str(line.tasks),
             "unknown" if line.seconds_per_seed is None else f"{line.seconds_per_seed:.3g} s",
             _duration(line.cpu_s), _duration(line.cpu_all_s)) for line in lines]
    body.append(("total", str(sum(line.seeds for line in lines)), str(sum(line.stored for line in lines)),
                 str(sum(line.to_run for line in lines)), str(sum(line.tasks for line in lines)), "",
                 _duration(totals["cpu_s"]), _duration(totals["cpu_all_s"])))
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    _say(out, f"claimbench plan — budget {args.budget}, {args.workers or default_workers()} workers")
    for row in (header, *body):
        _say(out, "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    return 0


def _total(values: list[float | None]) -> float | None:
    """The sum, or None ("unknown") if any part is unknown."""
    return None if any(v is None for v in values) else float(sum(v for v in values if v is not None))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv: Sequence[str] | None = None) -> int:
    out, err = Console(), Console(stderr=True)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "import":
            return _cmd_import(args, out, err)
        suites = load_suites()
        if args.command == "list":
            return _cmd_list(args, suites, out)
        if args.command == "run":
            return _cmd_run(args, suites, out, err)
        if args.command == "verify":
            return _cmd_verify(args, suites, out, err)
        if args.command == "plan":
            return _cmd_plan(args, suites, out)
        return _cmd_report(args, suites, out, err)
    except (UsageError, ConfigError) as error:
        print(f"claimbench: error: {error}", file=sys.stderr)
        return 2
    except SuiteLoadError as error:
        print(f"claimbench: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("claimbench: interrupted (finished runs are stored; rerun to resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
