"""Retrieved passages → the same passages, re-ranked by what the reader finds in them.

Hybrid retrieval ranks a passage by its words and its embedding; the reader reads the
question with each candidate sentence and knows better which one answers. The passages are
re-ranked by reciprocal-rank fusion of the two orders: the retrieval rank, and the rank of
the passage's best candidate by the reader's logit. A passage none of whose candidates is
read keeps only its retrieval term. Fusion, not the reader's order alone, because the reader
alone is worse at the first place (hit@1 0.674 → 0.640 on the corpus gold) while fused it is
better at the first three (hit@3 0.798 → 0.865; evals/README.md, 2026-12-05 evening).

Only questions are re-ranked (``is_question``): keywords, claims and summaries keep the
hybrid order. The reader reads the ``scoring.PREFILTER_K`` candidates that BM25 finds best over the
candidate set, the same budget as one answer, so re-ranking costs about what answering does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.candidates import candidates
from assistant.answer.scoring import prefilter
from assistant.answer.sentences import strip_source
from assistant.types import Document, Hit

if TYPE_CHECKING:
    from assistant.answer.reader.runtime import Reader

# Passages re-ranked: search re-orders its first RERANK_POOL and keeps a longer list's tail
# as retrieval ranked it. Re-ranking all of BEIR's hundred lifted every passage the reader
# happened to read over better-retrieved ones: SciFact nDCG@10 0.736 -> 0.700; the first ten
# re-ranked, 0.737 (same index, same run).
RERANK_POOL = 10
# A query the reader can judge passages for: a question. It was trained on (question,
# sentence) pairs; on BEIR's queries, which are claims (SciFact) and summaries (legal
# summarisation), re-ranking every query gave nDCG@10 0.737 against 0.736 and 0.634 against
# 0.648; re-ranking only questions, 0.647 against 0.648 on the second (same runs).
_QUESTION = re.compile(
    r"\?|^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did"
    r"|can|could|should|would|will|may|might|must|has|have|had|under|according)\b",
    re.I,
)


def is_question(query: str) -> bool:
    """Whether ``query`` reads as a question: it holds a "?" (a follow-up made standalone
    reads "For those programmes, how ...? (Which host country ...)") or opens with a
    question word."""
    return bool(_QUESTION.search(query))


# The usual RRF constant (Cormack et al. 2009); 30 and 100 gave the same ranks on the gold.
RRF_K = 60


def rerank(
    reader: Reader, query: str, hits: list[Hit], document: Callable[[str], Document]
) -> list[Hit]:
    """``hits`` re-ranked by fusing their order with the reader's; scores are the fused ones."""
    if len(hits) < 2:
        return hits
    cands = candidates(hits, query, document, read_k=len(hits))
    read = prefilter(query, cands)
    best = np.full(len(hits), -np.inf)
    if read:
        logits = reader.logits(strip_source(query), [cands[i].text for i in read])
        for i, logit in zip(read, logits, strict=True):
            p = cands[i].rank - 1
            best[p] = max(best[p], float(logit))
    by_reader = {int(p): r for r, p in enumerate(np.argsort(-best, kind="stable"), 1)}
    fused = [
        1 / (RRF_K + i + 1) + (1 / (RRF_K + by_reader[i]) if np.isfinite(best[i]) else 0.0)
        for i in range(len(hits))
    ]
    order = sorted(range(len(hits)), key=lambda i: (-fused[i], i))
    return [replace(hits[i], score=fused[i]) for i in order]
