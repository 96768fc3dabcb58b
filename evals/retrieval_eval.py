"""Retrieval quality on the corpus gold set: hit@1, hit@3, MRR, nDCG@10 per mode.

A retrieved chunk is relevant when it contains the gold quote (the passage that answers the
question) and belongs to the gold item's document, or is a copy of text in that document
(retrieval keeps one copy of a text held by two files, the preferred one: the release as
PDF rather than as web text, the Agreement alone rather than annexed to decision 1/CP.21).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.citations import contains
from assistant.api import Assistant
from assistant.retrieval.copies import is_copy, shingles
from assistant.types import FusionMethod, Hit, RetrievalMode
from evals.metrics import hit_at_k, mean, ndcg_at_k, reciprocal_rank

GOLD_DIR = Path(__file__).resolve().parent / "gold"


@dataclass(frozen=True)
class RetrievalItem:
    id: str
    question: str
    doc_id: str
    quote: str
    split: str


def load_retrieval_gold(path: Path = GOLD_DIR / "retrieval.jsonl") -> list[RetrievalItem]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [
        RetrievalItem(r["id"], r["question"], r["doc_id"], r["quote"], r["split"]) for r in rows
    ]


def relevant(hit: Hit, item: RetrievalItem, gold: frozenset[int] | None = None) -> bool:
    """``gold``: the :func:`~assistant.retrieval.retriever.shingles` of the gold document's text."""
    if not contains(hit.chunk.text, item.quote):
        return False
    if hit.chunk.doc_id == item.doc_id:
        return True
    return gold is not None and is_copy(shingles(hit.chunk.text), gold)


def rank_of_answer(
    hits: list[Hit], item: RetrievalItem, gold: frozenset[int] | None = None
) -> int | None:
    """1-based rank of the first chunk holding the gold passage, or None."""
    return next((i for i, h in enumerate(hits, 1) if relevant(h, item, gold)), None)


def evaluate_retrieval(
    assistant: Assistant,
    items: Iterable[RetrievalItem],
    mode: RetrievalMode = RetrievalMode.HYBRID,
    fusion: FusionMethod | None = None,
    k: int = 10,
    rerank: bool | None = None,
) -> dict:
    """Metrics for one retrieval mode, with per-question ranks (``rerank``: as
    :meth:`Assistant.search`; None is the configured default)."""
    rows = []
    golds: dict[str, frozenset[int]] = {}
    for item in items:
        if item.doc_id not in golds:
            golds[item.doc_id] = shingles(assistant.document(item.doc_id).text)
        gold = golds[item.doc_id]
        hits = assistant.search(item.question, k, mode=mode, fusion=fusion, rerank=rerank)
        ids = [h.chunk.chunk_id for h in hits]
        rel = {h.chunk.chunk_id: 1.0 for h in hits if relevant(h, item, gold)}
        rows.append(
            {
                "id": item.id,
                "split": item.split,
                "question": item.question,
                "rank": rank_of_answer(hits, item, gold),
                "hit@1": hit_at_k(ids, rel, 1),
                "hit@3": hit_at_k(ids, rel, 3),
                "mrr": reciprocal_rank(ids, rel),
                # only the first relevant chunk counts: one passage answers each question
                "ndcg@10": ndcg_at_k(
                    ids, {ids[r - 1]: 1.0} if (r := rank_of_answer(hits, item, gold)) else {}, 10
                ),
            }
        )
    metrics = {m: mean(r[m] for r in rows) for m in ("hit@1", "hit@3", "mrr", "ndcg@10")}
    return {
        "mode": str(mode),
        "fusion": str(fusion) if fusion else None,
        "n": len(rows),
        **metrics,
        "rows": rows,
    }
