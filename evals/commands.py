"""The ``bench-beir`` command, added to the ``assistant`` CLI by ``assistant.cli``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

# One line per paragraph: the help renderer keeps a docstring's line breaks.
HELP = (
    "Benchmark retrieval on a BEIR-format set, through the product's own ingestion and search."
    "\n\n"
    "Indexes the corpus into an index of its own (the main index is never touched): the "
    "first run embeds every document; re-runs reuse the embedding cache and skip unchanged "
    "documents, so they take seconds. Then reports nDCG@10, Recall@100 and MRR@10 for BM25, "
    "dense, hybrid (the configured fusion) and hybrid with each fusion method, next to the "
    "published nDCG@10 figures in the set's SOURCE.md, and writes the results as JSON.\n\n"
    "Report on the test split; a train split is for tuning only.\n\n"
    "Example: assistant bench-beir ../shared/benchmarks/scifact"
)


def register(app: typer.Typer) -> None:
    """Add ``bench-beir`` to ``app``."""
    app.command("bench-beir", help=HELP)(bench_beir_cmd)


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
    """Run :func:`evals.beir.run_benchmark` and print a table (or JSON); see ``HELP``."""
    from assistant.cli import fail
    from assistant.config import Settings
    from assistant.errors import AssistantError
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
