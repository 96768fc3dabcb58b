"""Calibrate the answer threshold on the tuning splits (dev and test), for one or more readers.

    python -m evals.calibrate [--weights DIR ...] [--threshold 0.2 --threshold 0.3 ...]

One index, built once; for each reader and threshold the dev and test answer items are asked
again through ``Assistant.ask`` (the reader's scores are memoised, so a threshold costs little)
and scored as ``python -m evals`` scores them. The holdout splits are never read here: the
threshold chosen on this table is then measured on them, once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from evals.suite import answer_metrics, corpus_assistant, load_answer_gold, run_answers

app = typer.Typer(add_completion=False)
TUNING = ("dev", "test")


@app.command()
def main(
    weights: Annotated[
        list[Path] | None, typer.Option(help="Reader weights folders (default: the shipped one).")
    ] = None,
    threshold: Annotated[list[float] | None, typer.Option(help="Answer thresholds to try.")] = None,
    out: Annotated[Path, typer.Option()] = Path("evals/results/calibration.json"),
    data_dir: Annotated[
        Path | None, typer.Option(help="Ingest into and reuse this index (default: a fresh one).")
    ] = None,
) -> None:
    """The threshold sweep: fact accuracy, abstention and false abstention on dev + test."""
    from assistant.answer import selection
    from assistant.answer.reader.runtime import WEIGHTS, load_reader

    folders = weights or [WEIGHTS]
    thresholds = threshold or [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    items = [i for i in load_answer_gold() if i.split in TUNING]
    chosen = selection.ANSWER_THRESHOLD
    rows: list[dict] = []
    with corpus_assistant(data_dir) as assistant:
        for folder in folders:
            reader = load_reader(weights=folder)
            memo: dict[tuple, object] = {}
            score = reader.score

            def cached(question: str, texts: list[str], score=score, memo=memo):  # noqa: ANN001, ANN202
                key = (question, tuple(texts))
                if key not in memo:
                    memo[key] = score(question, texts)
                return memo[key]

            reader.score = cached  # type: ignore[method-assign]
            assistant.settings.reader_weights = folder
            try:
                for t in thresholds:
                    selection.ANSWER_THRESHOLD = t
                    result = run_answers(assistant, items, baselines=False)
                    m = answer_metrics(result["composer"][1])
                    row = {"weights": str(folder), "threshold": t} | {
                        k: m[k] for k in ("fact_accuracy", "citation_precision",
                                          "abstention_accuracy", "false_abstention_rate")
                    }  # fmt: skip
                    rows.append(row)
                    typer.echo(json.dumps(row))
            finally:
                reader.score = score  # type: ignore[method-assign]
                selection.ANSWER_THRESHOLD = chosen
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    app()
