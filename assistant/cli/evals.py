"""The evaluation commands: ``bench-beir`` (retrieval on a BEIR set) and ``eval`` (the gold
sets and the CI gate; also ``python -m evals``). The work is in :mod:`evals`.

Exit codes of ``eval``: 0 every gate passed; 1 a gate failed (the failures are listed); 2 an
error.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import command, fail
from assistant.config import Settings
from assistant.errors import AssistantError
from evals.splits import SPLITS

RESULTS_DIR = Path(__file__).resolve().parents[2] / "evals" / "results"

Split = StrEnum("Split", {s.upper(): s for s in SPLITS})


@command("bench-beir")
def bench_beir_cmd(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="A BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv (SOURCE.md optional).",
        ),
    ],
    split: Annotated[
        str,
        typer.Option(help="The qrels file to evaluate (qrels/<split>.tsv)."),
    ] = "test",
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the benchmark's own index and embedding cache live "
            "(default: <ASSISTANT_DATA_DIR>/bench/<name>). The main index is never touched.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as JSON instead of a table.")
    ] = False,
    limit_queries: Annotated[
        int | None,
        typer.Option("--limit-queries", min=1, help="Evaluate only the first N judged queries."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="JSON results file (default: evals/results/beir-<name>.json, with "
            "-<split> added for splits other than test).",
        ),
    ] = None,
) -> None:
    """Benchmark retrieval on a BEIR-format set, through the product's own ingestion and
    search.

    Indexes the corpus into an index of its own (the main index is never touched): the first
    run embeds every document; re-runs reuse the embedding cache and skip unchanged
    documents, so they take seconds. Then reports nDCG@10, Recall@100 and MRR@10 for BM25,
    dense, hybrid (the configured fusion) and hybrid with each fusion method, next to the
    published nDCG@10 figures in the set's SOURCE.md, and writes the results as JSON.

    Report on the test split; a train split is for tuning only.

    Example: assistant bench-beir ../shared/benchmarks/scifact
    """
    from evals import beir

    try:
        run = beir.run_benchmark(
            folder,
            split=split,
            settings=Settings(),
            data_dir=data_dir,
            limit_queries=limit_queries,
            progress=not as_json,
        )
    except AssistantError as exc:
        raise fail(str(exc)) from exc
    path = beir.write_json(run, out or beir.default_output(folder, split))
    if as_json:
        sys.stdout.write(json.dumps(run.to_dict(), ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    console = Console()
    console.print(beir.render_table(run))
    console.print(f"Results written to {path}")


@command("eval")
def eval_cmd(
    split: Annotated[
        Split,
        typer.Option(
            help="Which gold items to run. all: every item (what CI gates). dev, test: the "
            "items the answerer was tuned and calibrated on. holdout … holdout4, holdout_official, holdout5: "
            "items written unseen, for measuring only. Gates on a split that was not run are skipped.",
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
    """Run every gold set and gate the result against evals/thresholds.toml.

    Retrieval (hit@1, hit@3, MRR, nDCG@10), answers (fact accuracy, citation precision,
    abstention accuracy, false-abstention rate, median length, latency p50/p95) and
    eligibility verdicts, on a fresh temporary index of corpus/, next to the baselines (BM25
    only, dense only, vanilla llama-index, top passage). Prints a summary, writes JSON and a
    self-contained HTML report, and exits 1 when a metric is worse than its gate.

    The composer was tuned and its answer threshold calibrated on the dev and test splits: the
    holdout splits, written by sessions that never ran the assistant, are the honest figure.

    Example: assistant eval --compare evals/results/latest.json
    """
    from evals import gate

    try:
        passed = gate.run(
            split=str(split),
            compare=compare,
            out=out,
            data_dir=data_dir,
            baselines=not no_baselines,
        )
    except (AssistantError, OSError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if not passed:
        raise typer.Exit(1)
