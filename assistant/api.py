"""The Python API that the CLI, the app, the tests and the evals all use.

    from assistant import Assistant, Settings
    a = Assistant(Settings())
    a.ingest()                      # corpus/ (and uploads/) into the index
    a.search("5% offset limit")     # → list[Hit]
    a.ask("What share of emissions can be offset?")  # → Answer (see assistant.answer.composer)

Heavy parts (model, Chroma, BM25) load lazily, once, on first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer import RERANK_POOL, Answerer, validate_question
from assistant.config import Settings
from assistant.index import (
    ChromaStore,
    DocRecord,
    Embedder,
    IngestReport,
    MiniLMEmbedder,
    Progress,
    ingest,
    remove_document,
)
from assistant.retrieval import Filters, Retriever
from assistant.serve import AuditLog
from assistant.types import Answer, Document, FusionMethod, Hit, IndexStatus, RetrievalMode

if TYPE_CHECKING:
    from assistant.compliance import RuleBook

__all__ = ["Assistant", "IndexStatus"]

log = logging.getLogger(__name__)


class Assistant:
    """One assistant over one index. Thread-safe; share one per process."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._doc_cache: dict[tuple[str, str], Document] = {}
        self._write_lock = threading.Lock()

    @cached_property
    def store(self) -> ChromaStore:
        return ChromaStore(self.settings)

    @cached_property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = MiniLMEmbedder(self.settings.cache_dir, self.settings.embed_batch_size)
        return self._embedder

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.store, self.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(self.settings, self.retriever, self.document)

    @cached_property
    def rules(self) -> RuleBook | None:
        """The compliance tools' rules from ``corpus_dir/rules``; None (logged) when the corpus
        has none or they do not check out, and then ``ask`` leaves every question to retrieval."""
        from assistant.compliance import RulesError, load_rules

        try:
            return load_rules(self.settings.corpus_dir)
        except RulesError as exc:
            log.warning("compliance tools unavailable: %s", exc)
            return None

    @cached_property
    def audit(self) -> AuditLog | None:
        """The audit trail of answers, or None when ``settings.audit`` is off."""
        return AuditLog.from_settings(self.settings) if self.settings.audit else None

    # -- writing --------------------------------------------------------------------------

    def default_sources(self) -> list[Path]:
        srcs = [self.settings.corpus_dir]
        if self.settings.uploads_dir.is_dir():
            srcs.append(self.settings.uploads_dir)
        return srcs

    def ingest(
        self,
        paths: Iterable[Path] | None = None,
        *,
        prune: bool = True,
        progress: bool = False,
        on_progress: Progress | None = None,
    ) -> IngestReport:
        """Index files/folders (default: the corpus and uploads). See :func:`assistant.index.indexer.ingest`."""
        with self._write_lock:
            report = ingest(
                list(paths) if paths else self.default_sources(),
                self.settings,
                self.store,
                self.embedder,
                prune=prune,
                progress=progress,
                on_progress=on_progress,
            )
        # Ingest has torch loaded already: export the reader now (once per data folder), so
        # the first question does not pay for it.
        self.answerer.reader  # noqa: B018
        return report

    def remove(self, doc_id: str) -> int:
        """Remove a document (and its uploaded file, if it was uploaded). Returns chunks removed."""
        with self._write_lock:
            rec = self.store.records().get(doc_id)
            n = remove_document(self.store, doc_id)
            if rec and rec.meta.source_path:
                src = Path(rec.meta.source_path)
                if src.is_file() and src.resolve().parent == self.settings.uploads_dir.resolve():
                    src.unlink()
            return n

    # -- reading --------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        filters: Filters | None = None,
        fusion: FusionMethod | None = None,
        rerank: bool | None = None,
    ) -> list[Hit]:
        """Ranked passages for ``query``: :meth:`assistant.retrieval.retriever.Retriever.search`,
        then, for a hybrid search for a question, re-ranked by the reader
        (:mod:`assistant.answer.rerank`; keywords, claims and summaries keep the hybrid order).

        Args:
            rerank: re-rank hybrid results (default ``settings.rerank``); dense and BM25
                results, the baselines, are never re-ranked.
        """
        k = k or self.settings.top_k
        if RetrievalMode(mode) is not RetrievalMode.HYBRID or not self.answerer.reranks(
            query, rerank
        ):
            return self.retriever.search(query, k, mode=mode, filters=filters, fusion=fusion)
        # The reader re-orders the first RERANK_POOL; a longer list keeps its tail as ranked.
        with self.retriever.pinned():
            hits = self.retriever.search(
                query, max(k, RERANK_POOL), mode=mode, filters=filters, fusion=fusion
            )
            return (self.answerer.rerank(query, hits[:RERANK_POOL]) + hits[RERANK_POOL:])[:k]

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
        *,
        user: str | None = None,
    ) -> Answer:
        """A short cited answer, or an honest abstention. See :mod:`assistant.answer.composer`.

        An eligibility question that names a methodology, or an offset question, is answered
        by the compliance tools (:mod:`assistant.compliance.handoff`; ``Answer.mode`` is
        ``tool`` and ``Answer.result`` holds the whole verdict or calculation).
        Every answer is appended to the audit trail (:mod:`assistant.serve.audit`) when it is on.

        Args:
            question: the question; a follow-up is resolved against ``history``.
            history: earlier turns, ``[{"role": "user"|"assistant", "content": str}, ...]``.
            filters: restrict the passages used.
            user: who asked (the logged-in user), for the audit trail.
        Raises:
            QueryError: an empty or over-long question.
        """
        answer = self._tool_answer(question) or self.answerer.ask(question, history, filters)
        if self.audit is not None:
            self.audit.record(answer, user)
        return answer

    def ask_stream(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
        *,
        user: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like :meth:`ask`, yielding the growing answer text and then the final Answer."""
        tool = self._tool_answer(question)
        items = [tool.answer, tool] if tool else self.answerer.stream(question, history, filters)
        for item in items:
            if isinstance(item, Answer) and self.audit is not None:
                self.audit.record(item, user)
            yield item

    def _tool_answer(self, question: str) -> Answer | None:
        """The compliance tools' answer, when they take the question (``settings.tools``)."""
        if not self.settings.tools or self.rules is None:
            return None
        from assistant.compliance import tool_answer

        t0 = time.perf_counter()
        answer = tool_answer(validate_question(question), self.rules)
        ms = (time.perf_counter() - t0) * 1000
        return None if answer is None else replace(answer, latency_ms=ms)

    def documents(self) -> dict[str, DocRecord]:
        return self.retriever.snapshot().records

    def document(self, doc_id: str) -> Document:
        """The full indexed document (clean text and blocks), cached per content hash."""
        rec = self.documents().get(doc_id)
        key = (doc_id, rec.content_hash if rec else "")
        if key not in self._doc_cache:
            self._doc_cache[key] = self.store.get_document(doc_id)
        return self._doc_cache[key]

    def status(self) -> IndexStatus:
        snap = self.retriever.snapshot()
        s = self.settings
        where = f"chroma://{s.chroma_host}:{s.chroma_port}" if s.server_mode else str(s.chroma_dir)
        return IndexStatus(len(snap.records), len(snap.chunks), self.store.last_updated(), where)

    def is_empty(self) -> bool:
        return not self.store.records()

    def warm_up(self) -> None:
        """Load the models, open the index and build BM25 now rather than on first question."""
        self.retriever.snapshot()
        self.embedder.embed_query("warm up")
        self.answerer.reader.score("warm up", ["warm up"])
