"""The official documents' gold items (issue 13) measured apart from the web-text items.

    python -m evals.official [--out evals/results/official.json]

Ingests ``corpus/`` into a fresh index and runs, on the same index and in one run: hybrid
retrieval (hit@1, hit@3, MRR) on the retrieval items, the reader-composer and the top-passage
baseline on the answer items, each grouped into the official documents' items (a300–a365,
r100–r129: the ids whose support is in one of the documents the issue added) and the older
web-text items, per split. Also: how many chunks still hold a running header, footer or page
number, pages and chunks per second of ingestion, and whether every citation into a UN
decision names its decision and paragraph. Run it before and after a change to the PDF
reader to compare the two (the ``before`` figures in evals/README.md came from this script
run over the same corpus with the older loader).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer

from assistant.types import DocType
from evals.suite import (
    answer_metrics,
    corpus_assistant,
    load_answer_gold,
    load_retrieval_gold,
    percentile,
    run_answers,
    run_retrieval,
)

OFFICIAL_DOCS = {
    "unfccc-paris-agreement",
    "unfccc-decision-1-cp21",
    "unfccc-decisions-1-4-cma3",
    "unfccc-sbsta61-art62-draft",
    "sg-icc-eligibility-list-2023-pdf",
    "mse-icc-eligibility-criteria-2023",
    "mse-png-implementation-agreement-2023",
    "mse-ghana-implementation-agreement-2024",
    "mse-ghana-first-call-2024",
}
# Running headers and footers as they print: UN job numbers, a document symbol on a line of
# its own, a bare page number or "Page 3 of 8" on a line of its own.
DEBRIS = re.compile(
    r"GE\.\d{2}-\d{5}|^\s*FCCC/[A-Z/0-9.]+(?:/Add\.\d)?\s*$|^\s*(?:Page\s+)?\d{1,3}(?:\s+of\s+\d+)?\s*$",
    re.M,
)


def _group(rows: list[dict], official_ids: set[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        side = "official" if r["id"] in official_ids else "web"
        for key in (side, f"{side}/{r['split']}"):
            out.setdefault(key, []).append(r)
    return out


def _retrieval(rows: list[dict]) -> dict:
    n = len(rows)
    return {
        "n": n,
        "hit@1": round(sum(r["hit@1"] for r in rows) / n, 3),
        "hit@3": round(sum(r["hit@3"] for r in rows) / n, 3),
        "mrr": round(sum(r["mrr"] for r in rows) / n, 3),
    }


def main(
    out: Annotated[Path, typer.Option(help="Where the JSON goes.")] = Path(
        "evals/results/official.json"
    ),
) -> None:
    """Measure the official documents' items apart from the rest (see the module docstring)."""
    r_items, a_items = load_retrieval_gold(), load_answer_gold()
    r_official = {i.id for i in r_items if i.doc_id in OFFICIAL_DOCS}
    a_official = {i.id for i in a_items if any(d in OFFICIAL_DOCS for d, _ in i.support)}
    a_official |= {i.id for i in a_items if not i.answerable and int(i.id[1:]) >= 300}
    t0 = time.perf_counter()
    with corpus_assistant(log=typer.echo) as assistant:
        ingest_s = time.perf_counter() - t0
        docs = {d: assistant.document(d) for d in assistant.documents()}
        chunks = assistant.retriever.snapshot().chunks
        pages = sum(
            max((b.page or 0 for b in doc.blocks), default=0)
            for d, doc in docs.items()
            if d in OFFICIAL_DOCS
        )
        debris = [c.chunk_id for c in chunks if c.doc_id in OFFICIAL_DOCS and DEBRIS.search(c.text)]
        assistant.warm_up()
        retrieval = run_retrieval(assistant, r_items, baselines=False)
        answers = run_answers(assistant, a_items, baselines=True)
        decisions = {d for d, doc in docs.items() if doc.meta.doc_type is DocType.DECISION}
        cited = [
            c
            for row in answers["composer"][1]
            for c in row["citations"]
            if c["doc_id"] in decisions
        ]
    r_groups = _group(retrieval["hybrid"][1], r_official)
    report = {
        "ingest": {
            "seconds": round(ingest_s, 1),
            "documents": len(docs),
            "chunks": len(chunks),
            "official_pages": pages,
            "chunks_per_s": round(len(chunks) / ingest_s, 1),
            "pages_per_s_incl_embedding": round(pages / ingest_s, 1),
        },
        "debris_chunks": len(debris),
        "debris_examples": debris[:5],
        "retrieval": {k: _retrieval(v) for k, v in sorted(r_groups.items())},
        "answers": {},
        "decision_citations": {
            "n": len(cited),
            "name_decision_and_paragraph": sum(
                1
                for c in cited
                if re.search(r"Decision \d+/", c["section"]) and "para." in c["section"]
            ),
        },
    }
    for key, (label, rows) in answers.items():
        groups = _group(rows, a_official)
        report["answers"][key] = {
            "label": label,
            **{
                g: answer_metrics(v) | {"p50_ms": percentile([r["latency_ms"] for r in v], 0.5)}
                for g, v in sorted(groups.items())
            },
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    typer.echo(json.dumps(report, indent=2))


if __name__ == "__main__":
    typer.run(main)
