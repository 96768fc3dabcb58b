"""Dense + BM25 retrieval, fused and de-duplicated, with filters → ranked Hits.

Also exposed as a llama-index ``BaseRetriever`` (:mod:`assistant.retrieval.llama`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import numpy as np

from assistant.config import Settings
from assistant.index import BM25Index, ChromaStore, DocRecord, Embedder, embedding_text
from assistant.retrieval.copies import merge_copy, shingles
from assistant.retrieval.fusion import fuse
from assistant.retrieval.named import named_chunks, named_first
from assistant.types import Chunk, FusionMethod, Hit, RetrievalMode

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
        self._pinned = threading.local()

    @contextmanager
    def pinned(self) -> Iterator[Snapshot]:
        """One snapshot for the whole block: every ``snapshot()`` in it (search, the
        documents an answer quotes) returns it without asking the index again.

        Asking costs a Chroma read (about 1.2 ms), and one answer asked ten times: 15 ms
        of a 167 ms warm ``ask`` in a profile of 40 dev questions. It also keeps one answer
        on one generation of the index while another process re-ingests. Per thread;
        nested blocks keep the outer snapshot.
        """
        outer = getattr(self._pinned, "snap", None)
        self._pinned.snap = outer or self.snapshot()
        try:
            yield self._pinned.snap
        finally:
            self._pinned.snap = outer

    def snapshot(self) -> Snapshot:
        """The current snapshot, rebuilt when any process has changed the index (or the one
        :meth:`pinned` holds)."""
        if (pinned := getattr(self._pinned, "snap", None)) is not None:
            return pinned
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
        if named := named_chunks(query, snap.chunks, allowed):
            fused = named_first(query, snap.chunks, snap.bm25, fused, named)
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        bm25_rank = {cid: r for r, (cid, _) in enumerate(lexical, 1)}
        hits: list[Hit] = []
        seen: list[tuple[Chunk, frozenset[int]]] = []
        for cid, score in fused:
            chunk = snap.by_id[cid]
            hit = Hit(chunk, score, dense_rank.get(cid), bm25_rank.get(cid))
            sh = shingles(chunk.text)
            # The same text in two files (the Agreement alone and annexed to a decision, a
            # release as web text and as its PDF): one place in the ranking, the preferred
            # copy in it.
            place = merge_copy(seen, chunk, sh)
            if place is None:
                hits.append(hit)
                seen.append((chunk, sh))
            elif place >= 0:
                hits[place] = replace(hit, score=hits[place].score)
                seen[place] = (chunk, sh)
            if len(hits) >= k:
                break
        return hits
