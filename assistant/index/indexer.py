"""Documents → chunks → embeddings → store. Incremental, idempotent and crash-safe.

Per changed document the order is: write the new chunks, then the document row that names
their hash, then delete the chunks of any other hash. Readers only trust chunks whose hash
matches the document row, so a process killed at any point leaves the previous version (or
the new one) answering; the next run removes what the killed one left behind.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.errors import IngestError
from assistant.index.embedding import Embedder
from assistant.index.store import ChromaStore, DocRecord
from assistant.ingest import chunk_document, entry_for, iter_files, load_file
from assistant.types import Chunk, Document

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks_written: int = 0
    orphans_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.orphans_removed)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "chunks_written": self.chunks_written,
            "orphans_removed": self.orphans_removed,
        }


def embedding_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed: the chunk with its title and section as context."""
    head = " — ".join(x for x in (chunk.title, chunk.section) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


@dataclass
class IndexResult:
    """What :func:`index_documents` did, by document id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_written: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def index_documents(
    docs: Sequence[Document],
    settings: Settings,
    store: ChromaStore,
    embedder: Embedder,
    *,
    records: dict[str, DocRecord] | None = None,
    bump: bool = True,
    progress: bool = False,
    batch_docs: int = 128,
) -> IndexResult:
    """Chunk, embed and store already-loaded documents, skipping those whose hash is indexed.

    The shared write path of :func:`ingest` and the benchmarks. Documents are processed in
    batches of ``batch_docs`` so that embedding runs in full model batches; within a batch the
    crash-safe order of the module docstring holds (chunks, then document rows, then stale
    chunks of replaced versions deleted).

    Args:
        docs: documents with unique ids.
        records: the store's current document records, if the caller already has them.
        bump: bump the index generation when anything was written, so readers see it.
        progress: show a progress bar (in chunks embedded and stored).
    """
    from tqdm.auto import tqdm

    records = store.records() if records is None else records
    result = IndexResult()
    todo: list[tuple[Document, list[Chunk]]] = []
    for doc in docs:
        old = records.get(doc.doc_id)
        if old is not None and old.content_hash == doc.content_hash:
            result.unchanged.append(doc.doc_id)
        else:
            todo.append((doc, chunk_document(doc, settings.chunk_chars)))
    total = sum(len(chunks) for _, chunks in todo)
    bar = tqdm(total=total, desc="Indexing", unit="chunk", disable=not progress or not total)
    for s in range(0, len(todo), batch_docs):
        batch = todo[s : s + batch_docs]
        chunks = [c for _, doc_chunks in batch for c in doc_chunks]
        # One embedding call per batch: per-document calls would leave model batches mostly empty.
        vectors = embedder.embed_documents([embedding_text(c) for c in chunks])
        store.add_chunks(chunks, vectors)
        for doc, doc_chunks in batch:
            store.put_document(doc, len(doc_chunks))
        replaced = {d.doc_id: d.content_hash for d, _ in batch if d.doc_id in records}
        # A new document's only possible leftovers are orphans, swept by remove_orphans().
        if replaced:
            by_doc = store.chunk_ids_by_doc()
            store.delete_chunks(
                [
                    cid
                    for doc_id, digest in replaced.items()
                    for cid, h in by_doc.get(doc_id, [])
                    if h != digest
                ]
            )
        for doc, _ in batch:
            (result.updated if doc.doc_id in records else result.added).append(doc.doc_id)
        result.chunks_written += len(chunks)
        bar.update(len(chunks))
    bar.close()
    if bump and result.changed:
        store.bump_generation()
    return result


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    store: ChromaStore,
    embedder: Embedder,
    *,
    prune: bool = True,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the given files and folders.

    Args:
        paths: files and/or folders. Unchanged documents are skipped; changed ones replaced.
        prune: remove indexed documents whose file lay under one of the given folders and
            no longer exists there.
        progress: show a terminal progress bar.
        on_progress: callback(fraction, message) for UIs.
    Returns:
        An IngestReport; files that fail to load are listed in ``failed`` and do not stop
        the run (their previous version, if any, stays indexed).
    """
    from tqdm.auto import tqdm

    paths = [Path(p).expanduser().resolve() for p in paths]
    files = iter_files(paths)
    report = IngestReport()
    records = store.records()
    # A row missing some of its chunks (another writer's orphan sweep took them while they
    # were in flight) is indexed again, not skipped as unchanged.
    report.orphans_removed, complete = _sweep(store, records)
    manifests: dict = {}
    seen: dict[str, str] = {}
    bar = tqdm(total=len(files), desc="Ingesting", unit="file", disable=not progress)
    for i, path in enumerate(files):
        if on_progress:
            on_progress(i / max(len(files), 1), f"Reading {path.name}")
        bar.set_postfix_str(path.name[:30])
        try:
            if not path.is_file():
                raise IngestError(path, "no such file")
            doc = load_file(path, entry_for(path, manifests))
        except IngestError as exc:
            log.warning("skipped %s", exc)
            report.failed.append((str(path), exc.reason))
            bar.update(1)
            continue
        doc_id = doc.doc_id
        claimed = seen.get(doc_id) or _live_source(records.get(doc_id))
        if claimed and claimed != str(path):
            # Another existing file already has this id (same name in two folders).
            doc_id = f"{doc_id}-{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
            doc = _with_id(doc, doc_id)
        seen[doc_id] = str(path)
        old = records.get(doc_id)
        same = old is not None and old.content_hash == doc.content_hash
        if same and doc_id in complete:
            report.unchanged.append(doc_id)
            bar.update(1)
            continue
        written = index_documents(
            [doc], settings, store, embedder,
            records={k: r for k, r in records.items() if not (same and k == doc_id)},
            bump=False, progress=progress,
        )  # fmt: skip
        report.chunks_written += written.chunks_written
        (report.updated if old is not None else report.added).append(doc_id)
        bar.update(1)
    bar.close()

    if prune:
        folders = [p for p in paths if p.is_dir()]
        for doc_id, rec in store.records().items():
            src = Path(rec.meta.source_path) if rec.meta.source_path else None
            if src and not src.exists() and any(_under(src, f) for f in folders):
                remove_document(store, doc_id)
                report.removed.append(doc_id)
    if report.changed:
        store.bump_generation()
    if on_progress:
        on_progress(1.0, "Done")
    return report


def remove_document(store: ChromaStore, doc_id: str) -> int:
    """Remove a document and its chunks. Returns the number of chunks removed."""
    ids = [cid for cid, _ in store.chunk_ids_by_doc().get(doc_id, [])]
    store.delete_document(doc_id)
    store.delete_chunks(ids)
    store.bump_generation()
    return len(ids)


def remove_orphans(store: ChromaStore, records: dict[str, DocRecord]) -> int:
    """Delete chunks left by an interrupted run: no document row, or another hash."""
    return _sweep(store, records)[0]


def _sweep(store: ChromaStore, records: dict[str, DocRecord]) -> tuple[int, set[str]]:
    """:func:`remove_orphans`, and the documents whose row has all its chunks, from one scan
    of the chunks' metadata (a full read of the collection)."""
    orphans: list[str] = []
    have: dict[str, int] = {}
    for doc_id, rows in store.chunk_ids_by_doc().items():
        rec = records.get(doc_id)
        for cid, h in rows:
            if rec is None or h != rec.content_hash:
                orphans.append(cid)
            else:
                have[doc_id] = have.get(doc_id, 0) + 1
    if orphans:
        log.info("removing %d orphaned chunks from an interrupted ingest", len(orphans))
        store.delete_chunks(orphans)
    return len(orphans), {d for d, r in records.items() if have.get(d, 0) >= r.n_chunks}


def _live_source(rec) -> str | None:  # noqa: ANN001
    src = rec.meta.source_path if rec else ""
    return src if src and Path(src).exists() else None


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _with_id(doc, doc_id: str):  # noqa: ANN001, ANN202
    from dataclasses import replace

    return replace(doc, meta=replace(doc.meta, doc_id=doc_id))
