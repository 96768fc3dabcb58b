"""The eval run behind ``assistant eval`` and ``python -m evals``: the gold sets, the
baselines and the gate (evals/thresholds.toml) in one run, written as JSON and HTML."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import typer

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def run(
    split: str = "all",
    compare: Path | None = None,
    out: Path | None = None,
    data_dir: Path | None = None,
    baselines: bool = True,
) -> bool:
    """Run the suite on ``split`` and gate it; True when every gate passed.

    Args:
        split: a split of evals/gold, or ``all``.
        compare: a previous result JSON whose metrics and passes are compared (reported only).
        out: where eval-<time>.json, latest.json and report.html go (default evals/results).
        data_dir: an index to ingest into and reuse instead of a fresh temporary one.
        baselines: also run BM25 only, dense only, llama-index and the top passage.
    Raises:
        AssistantError, OSError, ValueError: the run could not start or finish.
    """
    # An oversubscribed CPU makes OpenMP's spinning threads stall torch (10x slower queries
    # when other jobs share the machine); yielding instead costs nothing on an idle one.
    # Set before torch is first imported, i.e. before the model loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from evals import report, suite

    console = report.console()
    thresholds, tolerances = suite.load_thresholds()
    # Read before this run overwrites it: --compare is usually latest.json.
    previous = json.loads(compare.read_text(encoding="utf-8")) if compare else None

    def log(msg: str) -> None:
        typer.echo(msg, err=True)

    clock = suite.Clock(log)
    with suite.corpus_assistant(data_dir, log) as assistant:
        clock.done("ingest", "model loaded, corpus indexed")
        result = suite.run_suite(assistant, split=split, baselines=baselines, log=log, clock=clock)
    result["gates"] = suite.check_gates(result["metrics"], thresholds)
    result["regressions"] = suite.compare(result, previous, tolerances) if previous else None
    result["run"]["elapsed_s"] = round(time.perf_counter() - clock.t0, 1)
    paths = report.write_outputs(result, out or RESULTS_DIR)
    report.print_summary(result, console)
    console.print(f"Results: {paths['json']} (and {paths['latest'].name}); report: {paths['html']}")
    sys.stdout.flush()
    return not suite.failed_gates(result["gates"])
