"""Questions that name a decision or an article ("under 2/CMA.3", "Article 6.2") are
answered from that section first."""

from __future__ import annotations

import re

import numpy as np

from assistant.index import BM25Index
from assistant.types import Chunk

# A question that names where to look ("under 2/CMA.3", "Article 6.2", "Article 4, paragraph
# 19") is answered from there first: the chunks whose heading path names that decision or
# article (and paragraph) lead the ranking, the rest follow as usual.
_DECISION_REF = re.compile(r"\b(\d{1,2})/(CP|CMA|CMP)\.(\d{1,2})\b", re.I)
_ARTICLE_REF = re.compile(
    r"\bArticle\s+(\d{1,2})(?>(?:\.(\d{1,2})|,?\s+paragraph\s+(\d{1,2}))?)(?![\d.]\d)"
    # ... as a place to read, not as the name of a thing: "Article 6.2 says", "under Article
    # 6, paragraph 2,", "in Article 4?", but not "the Article 6.4 mechanism" or "Article 6
    # cooperation", which every document of this corpus is about and few words of the
    # Article itself answer.
    r"(?=\s*(?:$|[,.;:?!)]|(?:says?|said|provides?|requires?|states?|means?|sets?|"
    r"establish(?:es)?|defines?|allows?|covers?|of|on|about)\b))",
    re.I,
)
# "the COP 21 decision", "a decision of CMA 3": UNFCCC numbers the decisions of the n-th
# session of the COP, CMA or CMP as x/CP.n, x/CMA.n, x/CMP.n. Only with the word "decision",
# so that "at COP26" in a question about something else does not steer it.
_SESSION_REF = re.compile(r"\b(COP|CMA|CMP)[\s-]?(\d{1,2})\b", re.I)
_BODY = {"COP": "CP", "CMA": "CMA", "CMP": "CMP"}
NAMED_FIRST = 3


def named_chunks(query: str, chunks: list[Chunk], allowed: set[str] | None) -> set[str]:
    decisions = [rf"(?<![\d/]){a}/{b}\.{c}(?!\d)" for a, b, c in _DECISION_REF.findall(query)]
    if re.search(r"\bdecisions?\b", query, re.I):
        decisions += [
            rf"(?<![\d/])\d{{1,2}}/{_BODY[b.upper()]}\.{n}(?!\d)"
            for b, n in _SESSION_REF.findall(query)
        ]
    articles = {(a, b or c) for a, b, c in _ARTICLE_REF.findall(query)}
    if not decisions and not articles:
        return set()
    out: set[str] = set()
    for c in chunks:
        if allowed is not None and c.doc_id not in allowed:
            continue
        path = f"{c.title} > {c.section}"
        if any(re.search(d, path, re.I) for d in decisions):
            out.add(c.chunk_id)
            continue
        heads = [h.strip() for h in c.section.split(">")]
        for art, para in articles:
            in_article = any(re.fullmatch(rf"Article {art}\b.*", h, re.I) for h in heads)
            if in_article and (not para or _para_matches(c, para)):
                out.add(c.chunk_id)
    return out


def _para_matches(chunk: Chunk, para: str) -> bool:
    """Does the chunk hold paragraph ``para``? Its paragraph is one ("2", "2(a)") or a range
    ("1–3", "1–1(c)")."""
    first, _, last = (chunk.paragraph or "").partition("–")
    lo, hi = (re.match(r"\d+", x) for x in (first, last or first))
    return bool(lo and hi) and int(lo.group()) <= int(para) <= int(hi.group())


def named_first(
    query: str,
    chunks: list[Chunk],
    bm25: BM25Index,
    fused: list[tuple[str, float]],
    named: set[str],
) -> list[tuple[str, float]]:
    """``fused`` with up to ``NAMED_FIRST`` of the ``named`` chunks leading: the best fused,
    then the best by BM25 among them."""
    mask = np.fromiter((c.chunk_id in named for c in chunks), dtype=np.float32)
    lexical = [chunks[i].chunk_id for i, _ in bm25.search(query, NAMED_FIRST, mask)]
    first = [cid for cid, _ in fused if cid in named][:NAMED_FIRST]
    first += [cid for cid in lexical if cid not in first][: NAMED_FIRST - len(first)]
    score = dict(fused)
    top = max((s for _, s in fused), default=1.0)
    lead = [(cid, score.get(cid, top)) for cid in first]
    return lead + [(cid, s) for cid, s in fused if cid not in first]
