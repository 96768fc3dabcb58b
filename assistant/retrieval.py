"""Dense + BM25 retrieval, fused and de-duplicated, with filters → ranked Hits.

Also exposed as a llama-index ``BaseRetriever`` (:class:`LlamaHybridRetriever`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import numpy as np

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.ingest import embedding_text
from assistant.lexical import BM25Index
from assistant.store import ChromaStore, DocRecord
from assistant.types import Chunk, DocType, FusionMethod, Hit, RetrievalMode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval. Empty fields do not filter; countries match any listed."""

    doc_ids: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def __bool__(self) -> bool:
        return bool(
            self.doc_ids or self.doc_types or self.countries or self.date_from or self.date_to
        )

    def allows(self, rec: DocRecord) -> bool:
        m = rec.meta
        if self.doc_ids and m.doc_id not in self.doc_ids:
            return False
        if self.doc_types and str(m.doc_type) not in self.doc_types:
            return False
        if self.countries:
            wanted = {c.lower() for c in self.countries}
            if not wanted & {c.lower() for c in m.countries}:
                return False
        if self.date_from and (m.published is None or m.published < self.date_from):
            return False
        return not (self.date_to and (m.published is None or m.published > self.date_to))


class Snapshot:
    """The valid chunks of one index generation, with their BM25 index."""

    def __init__(self, generation: str, records: dict[str, DocRecord], chunks: list[Chunk]) -> None:
        self.generation = generation
        self.records = records
        valid = {d: r.content_hash for d, r in records.items()}
        # Chunks of an interrupted ingest (hash not on the document row) are invisible.
        self.chunks = [c for c in chunks if valid.get(c.doc_id) == c.doc_hash]
        self.by_id = {c.chunk_id: c for c in self.chunks}
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.bm25 = BM25Index([embedding_text(c) for c in self.chunks])


class Retriever:
    """Hybrid retrieval over a ChromaStore. Safe to share between threads."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.query_vector = lru_cache(maxsize=512)(embedder.embed_query)

    def snapshot(self) -> Snapshot:
        """The current snapshot, rebuilt when any process has changed the index."""
        gen = self.store.generation()
        snap = self._snapshot
        if snap is None or snap.generation != gen:
            with self._lock:
                snap = self._snapshot
                if snap is None or snap.generation != gen:
                    snap = Snapshot(gen, self.store.records(), self.store.all_chunks())
                    self._snapshot = snap
        return snap

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        filters: Filters | None = None,
        fusion: FusionMethod | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``.

        Args:
            query: free text.
            k: number of hits (default ``settings.top_k``).
            mode: hybrid (default), dense only or BM25 only.
            filters: restrict by document, type, country or date.
            fusion: override ``settings.fusion`` (RRF, weighted RRF or convex combination).
        """
        k = k or self.settings.top_k
        mode = RetrievalMode(mode)
        snap = self.snapshot()
        if not snap.chunks or not query.strip():
            return []
        allowed = None
        if filters:
            allowed = {d for d, r in snap.records.items() if filters.allows(r)}
            if not allowed:
                return []
        pool = max(self.settings.candidates, k)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode is not RetrievalMode.BM25:
            vec = self.query_vector(query)
            dense = [
                (cid, s) for cid, s in self.store.query(vec, pool + 8, allowed) if cid in snap.by_id
            ]
            dense = dense[:pool]
        if mode is not RetrievalMode.DENSE:
            mask = None
            if allowed is not None:
                mask = np.fromiter((c.doc_id in allowed for c in snap.chunks), dtype=np.float32)
            lexical = [(snap.chunks[i].chunk_id, s) for i, s in snap.bm25.search(query, pool, mask)]
        fused = fuse(
            dense,
            lexical,
            fusion or self.settings.fusion,
            self.settings.rrf_k,
            self.settings.dense_weight,
        )
        if named := _named_chunks(query, snap.chunks, allowed):
            fused = _named_first(query, snap, fused, named)
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        bm25_rank = {cid: r for r, (cid, _) in enumerate(lexical, 1)}
        hits: list[Hit] = []
        seen: list[frozenset[int]] = []
        for cid, score in fused:
            chunk = snap.by_id[cid]
            hit = Hit(chunk, score, dense_rank.get(cid), bm25_rank.get(cid))
            sh = shingles(chunk.text)
            dup = next((i for i, o in enumerate(seen) if is_copy(sh, o)), None)
            if dup is None:
                hits.append(hit)
                seen.append(sh)
            elif preference(chunk) < preference(hits[dup].chunk):
                # The same text in two files (the Agreement alone and annexed to a decision,
                # a release as web text and as its PDF): one place in the ranking, the
                # preferred copy in it.
                hits[dup] = replace(hit, score=hits[dup].score)
                seen[dup] = sh
            if len(hits) >= k:
                break
        return hits


# A question that names where to look ("under 2/CMA.3", "Article 6.2", "Article 4, paragraph
# 19") is answered from there first: the chunks whose heading path names that decision or
# article (and paragraph) lead the ranking, the rest follow as usual.
_DECISION_REF = re.compile(r"\b(\d{1,2})/(CP|CMA|CMP)\.(\d{1,2})\b", re.I)
_ARTICLE_REF = re.compile(r"\bArticle\s+(\d{1,2})(?:\.(\d{1,2})|,?\s+paragraph\s+(\d{1,2}))?", re.I)
NAMED_FIRST = 3


def _named_chunks(query: str, chunks: list[Chunk], allowed: set[str] | None) -> set[str]:
    decisions = {f"{a}/{b.upper()}.{c}" for a, b, c in _DECISION_REF.findall(query)}
    articles = {(a, b or c) for a, b, c in _ARTICLE_REF.findall(query)}
    if not decisions and not articles:
        return set()
    out: set[str] = set()
    for c in chunks:
        if allowed is not None and c.doc_id not in allowed:
            continue
        path = f"{c.title} > {c.section}"
        if any(re.search(rf"(?<![\d/]){re.escape(d)}(?!\d)", path, re.I) for d in decisions):
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


def _named_first(
    query: str, snap: Snapshot, fused: list[tuple[str, float]], named: set[str]
) -> list[tuple[str, float]]:
    mask = np.fromiter((c.chunk_id in named for c in snap.chunks), dtype=np.float32)
    lexical = [snap.chunks[i].chunk_id for i, _ in snap.bm25.search(query, NAMED_FIRST, mask)]
    first = [cid for cid, _ in fused if cid in named][:NAMED_FIRST]
    first += [cid for cid in lexical if cid not in first][: NAMED_FIRST - len(first)]
    score = dict(fused)
    top = max((s for _, s in fused), default=1.0)
    lead = [(cid, score.get(cid, top)) for cid in first]
    return lead + [(cid, s) for cid, s in fused if cid not in first]


# Which copy of a text to cite: the most authoritative kind of document, then the published
# (paginated) form, then the newest. A draft comes last: adopted text always wins.
_AUTHORITY = {
    DocType.TREATY: 0,
    DocType.DECISION: 1,
    DocType.AGREEMENT: 2,
    DocType.ANNEX: 2,
    DocType.ELIGIBILITY_LIST: 3,
    DocType.MEDIA_RELEASE: 4,
    DocType.WEB_PAGE: 5,
    DocType.ARTICLE: 6,
    DocType.OTHER: 7,
    DocType.DRAFT: 9,
}


def preference(chunk: Chunk) -> tuple[int, bool, int]:
    """Sort key of copies of the same text: lowest is the copy to cite."""
    day = chunk.published.toordinal() if chunk.published else 0
    return (_AUTHORITY.get(chunk.doc_type, 7), chunk.page is None, -day)


def shingles(text: str, n: int = 5) -> frozenset[int]:
    """Hashes of the text's runs of ``n`` words (lower-cased, punctuation ignored)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(hash(tuple(words[i : i + n])) for i in range(max(len(words) - n + 1, 1)))


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Most of the shorter text's 5-word runs (:func:`shingles`) recur in the other: a copy,
    whatever the layout or chunk boundaries. Exact word runs, not embeddings: paraphrases
    stay apart."""
    return bool(a and b) and len(a & b) >= 0.6 * min(len(a), len(b))


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    method: FusionMethod,
    rrf_k: int = 60,
    dense_weight: float = 0.5,
) -> list[tuple[str, float]]:
    """Fuse two ranked lists of (id, score) into one, best first.

    RRF: sum of 1/(k + rank). Weighted RRF: the same with ``dense_weight`` and its
    complement. Convex: ``w·dense + (1-w)·bm25`` on min-max normalised scores.
    """
    scores: dict[str, float] = {}
    if method is FusionMethod.CONVEX:
        for weight, ranked in ((dense_weight, dense), (1 - dense_weight, lexical)):
            if not ranked:
                continue
            vals = np.array([s for _, s in ranked], dtype=np.float64)
            lo, hi = float(vals.min()), float(vals.max())
            span = hi - lo or 1.0
            for cid, s in ranked:
                scores[cid] = scores.get(cid, 0.0) + weight * ((s - lo) / span if hi > lo else 1.0)
    else:
        wd, wl = (
            (dense_weight, 1 - dense_weight) if method is FusionMethod.WEIGHTED_RRF else (1.0, 1.0)
        )
        for weight, ranked in ((wd, dense), (wl, lexical)):
            for rank, (cid, _) in enumerate(ranked, 1):
                scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def make_llama_retriever(
    retriever: Retriever, k: int | None = None, filters: Filters | None = None
):  # noqa: ANN201
    """A llama-index ``BaseRetriever`` over ``retriever`` (imported lazily: llama-index is heavy)."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class LlamaHybridRetriever(BaseRetriever):
        """Hybrid (dense + BM25) retrieval with provenance in each node's metadata."""

        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            hits = retriever.search(query_bundle.query_str, k, filters=filters)
            out = []
            for h in hits:
                meta = h.to_dict()
                text = meta.pop("text")
                node = TextNode(id_=h.chunk.chunk_id, text=text, metadata=meta)
                node.excluded_embed_metadata_keys = list(meta)
                node.excluded_llm_metadata_keys = [x for x in meta if x not in ("title", "section")]
                out.append(NodeWithScore(node=node, score=h.score))
            return out

    return LlamaHybridRetriever()
