"""The ``assistant eval`` command (also ``python -m evals``): the gold sets, the baselines and
the CI gate in one run. The main CLI adds it via ``assistant.cli._register_extensions``.

Exit codes: 0 every gate passed; 1 a gate failed (the failures are listed); 2 an error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evals.splits import SPLITS

RESULTS_DIR = Path(__file__).resolve().parent / "results"


Split = StrEnum("Split", {s.upper(): s for s in SPLITS})


# One line per paragraph: the help renderer keeps a docstring's line breaks.
HELP = (
    "Run every gold set and gate the result against evals/thresholds.toml.\n\n"
    "Retrieval (hit@1, hit@3, MRR, nDCG@10), answers (fact accuracy, citation precision, "
    "abstention accuracy, false-abstention rate, median length, latency p50/p95) and "
    "eligibility verdicts, on a fresh temporary index of corpus/, next to the baselines "
    "(BM25 only, dense only, vanilla llama-index, top passage). Prints a summary, writes JSON "
    "and a self-contained HTML report, and exits 1 when a metric is worse than its gate.\n\n"
    "The composer was tuned and its answer threshold calibrated on the dev and test splits: the "
    "holdout splits, written by sessions that never ran the assistant, are the honest figure.\n\n"
    "Example: assistant eval --compare evals/results/latest.json"
)


def register(app: typer.Typer) -> None:
    """Add ``eval`` to ``app``."""
    app.command("eval", help=HELP)(eval_cmd)


def eval_cmd(
    split: Annotated[
        Split,
        typer.Option(
            help="Which gold items to run. all: every item (what CI gates). dev, test: the "
            "items the answerer was tuned and calibrated on. holdout … holdout4, holdout_official: items "
            "written unseen, for measuring only. Gates on a split that was not run are skipped.",
        ),
    ] = Split.ALL,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            metavar="PREVIOUS.json",
            help="A previous result (e.g. evals/results/latest.json): report metric deltas "
            "and questions that went from pass to fail. Reported, not enforced.",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Where eval-<time>.json, latest.json and report.html are written.",
            show_default="evals/results",
        ),
    ] = RESULTS_DIR,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="Ingest into and reuse this index instead of a fresh temporary one "
            "(faster re-runs; never point it at your own index).",
        ),
    ] = None,
    no_baselines: Annotated[
        bool,
        typer.Option(
            "--no-baselines",
            help="Run only the current configuration (skip BM25 only, dense only, "
            "llama-index and top passage).",
        ),
    ] = False,
) -> None:
    """See HELP: the gold sets, the baselines and the gate in one run."""
    # An oversubscribed CPU makes OpenMP's spinning threads stall torch (10x slower queries
    # when other jobs share the machine); yielding instead costs nothing on an idle one.
    # Set before torch is first imported, i.e. before the model loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from assistant.cli import fail
    from assistant.errors import AssistantError
    from evals import report, suite

    console = report.console()
    try:
        thresholds, tolerances = suite.load_thresholds()
        # Read before this run overwrites it: --compare is usually latest.json.
        previous = json.loads(compare.read_text(encoding="utf-8")) if compare else None
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc

    def log(msg: str) -> None:
        typer.echo(msg, err=True)

    clock = suite.Clock(log)
    try:
        with suite.corpus_assistant(data_dir, log) as assistant:
            clock.done("ingest", "model loaded, corpus indexed")
            result = suite.run_suite(
                assistant, split=str(split), baselines=not no_baselines, log=log, clock=clock
            )
    except AssistantError as exc:
        raise fail(str(exc)) from exc
    result["gates"] = suite.check_gates(result["metrics"], thresholds)
    result["regressions"] = suite.compare(result, previous, tolerances) if previous else None
    result["run"]["elapsed_s"] = round(time.perf_counter() - clock.t0, 1)
    paths = report.write_outputs(result, out)
    report.print_summary(result, console)
    console.print(f"Results: {paths['json']} (and {paths['latest'].name}); report: {paths['html']}")
    sys.stdout.flush()
    if suite.failed_gates(result["gates"]):
        raise typer.Exit(1)
