"""The only module that imports chromadb: chunks, document records and the index generation.

Two collections per index: ``<name>_chunks`` (one row per chunk, with its embedding) and
``<name>_docs`` (one row per document: its clean text, blocks and content hash, plus a
``__meta__`` row whose generation counter changes on every write). A document's chunks are
valid only while their ``doc_hash`` equals the hash on its document row: this is what makes
an interrupted ingest harmless (see :mod:`assistant.index.indexer`).

Local by default (PersistentClient); a Chroma server (``chroma run``) when
``ASSISTANT_CHROMA_HOST`` is set, through the same code.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from assistant.config import Settings
from assistant.errors import ConfigError, IndexError_
from assistant.types import Block, BlockKind, Chunk, DocMeta, DocType, Document

META_ID = "__meta__"
# The docs collection needs *some* embedding per row; it is never queried by vector.
_PLACEHOLDER = [1.0]
_PAGE = 2000


@dataclass(frozen=True)
class DocRecord:
    meta: DocMeta
    content_hash: str
    n_chunks: int
    indexed_at: str


@dataclass(frozen=True)
class Integrity:
    """What the index holds and what is wrong with it (all problem counts 0 when healthy)."""

    documents: int
    chunks: int
    duplicate_ids: int  # chunk ids stored more than once
    duplicate_spans: int  # the same span of one document version under more than one id
    orphaned: int  # chunks whose document row is missing
    stale: int  # chunks whose doc_hash is not the hash on their document row
    incomplete: int  # document rows with fewer valid chunks than they record

    @property
    def ok(self) -> bool:
        return not (
            self.duplicate_ids or self.duplicate_spans or self.orphaned or self.stale
            or self.incomplete
        )  # fmt: skip

    def to_dict(self) -> dict:
        return self.__dict__ | {"ok": self.ok}


class ChromaStore:
    """Chunk and document storage in Chroma. Thread-safe for concurrent readers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._chunks = None
        self._docs = None
        self._lock = threading.Lock()

    # -- connection ---------------------------------------------------------------------

    def _connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        s = self.settings
        try:
            if s.server_mode:
                client = chromadb.HttpClient(
                    host=s.chroma_host, port=s.chroma_port, settings=chroma_settings
                )
                client.heartbeat()
            else:
                s.chroma_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(s.chroma_dir), settings=chroma_settings)
        except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds here
            where = f"{s.chroma_host}:{s.chroma_port}" if s.server_mode else str(s.chroma_dir)
            raise ConfigError(f"Cannot open the Chroma index at {where}: {exc}") from exc
        space = {"hnsw:space": "cosine"}
        self._chunks = client.get_or_create_collection(
            f"{s.collection}_chunks", metadata=space, embedding_function=None
        )
        self._docs = client.get_or_create_collection(
            f"{s.collection}_docs", metadata=space, embedding_function=None
        )
        self._client = client

    @property
    def chunks(self):  # noqa: ANN201 - chromadb Collection
        if self._chunks is None:
            with self._lock:
                if self._chunks is None:
                    self._connect()
        return self._chunks

    @property
    def docs(self):  # noqa: ANN201
        if self._docs is None:
            _ = self.chunks
        return self._docs

    # -- generation ---------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes whenever the index's contents change (any process)."""
        got = self.docs.get(ids=[META_ID], include=["metadatas"])
        if not got["ids"]:
            return "empty"
        return str(got["metadatas"][0].get("generation", "empty"))

    def bump_generation(self) -> None:
        self.docs.upsert(
            ids=[META_ID],
            embeddings=[_PLACEHOLDER],
            documents=[""],
            metadatas=[{"generation": uuid.uuid4().hex, "updated": _now()}],
        )

    def last_updated(self) -> str | None:
        got = self.docs.get(ids=[META_ID], include=["metadatas"])
        return got["metadatas"][0].get("updated") if got["ids"] else None

    # -- chunks -------------------------------------------------------------------------

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        for s in range(0, len(chunks), _PAGE):
            part = chunks[s : s + _PAGE]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[s : s + _PAGE].tolist(),
                documents=[c.text for c in part],
                metadatas=[_chunk_meta(c) for c in part],
            )

    def delete_chunks(self, ids: Sequence[str]) -> None:
        for s in range(0, len(ids), _PAGE):
            self.chunks.delete(ids=list(ids[s : s + _PAGE]))

    def chunk_ids_by_doc(self) -> dict[str, list[tuple[str, str]]]:
        """{doc_id: [(chunk_id, doc_hash), ...]} for every stored chunk."""
        out: dict[str, list[tuple[str, str]]] = {}
        for ids, metas, _ in self._scan(self.chunks, include=["metadatas"]):
            for cid, m in zip(ids, metas, strict=True):
                out.setdefault(m["doc_id"], []).append((cid, m.get("doc_hash", "")))
        return out

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        for ids, metas, texts in self._scan(self.chunks, include=["metadatas", "documents"]):
            out.extend(_to_chunk(cid, m, t) for cid, m, t in zip(ids, metas, texts, strict=True))
        return out

    def query(
        self, embedding: np.ndarray, n: int, doc_ids: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first."""
        count = self.chunks.count()
        if count == 0:
            return []
        where = None
        if doc_ids is not None:
            ids = sorted(doc_ids)
            if not ids:
                return []
            where = {"doc_id": {"$in": ids}} if len(ids) > 1 else {"doc_id": ids[0]}
        res = self.chunks.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
            n_results=min(n, count),
            where=where,
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def count_chunks(self) -> int:
        return self.chunks.count()

    def integrity(self) -> Integrity:
        """Count duplicate, orphaned and stale chunks and incomplete documents.

        Orphaned and stale chunks are what an interrupted write leaves: readers ignore them
        and the next ingest deletes them. The others should never occur.
        """
        records = self.records()
        ids: list[str] = []
        spans: set[tuple] = set()
        dup_spans = orphaned = stale = 0
        valid: dict[str, int] = {}
        for chunk_ids, metas, _ in self._scan(self.chunks, include=["metadatas"]):
            for cid, m in zip(chunk_ids, metas, strict=True):
                ids.append(cid)
                key = (m["doc_id"], m.get("doc_hash", ""), m["start"], m["end"])
                dup_spans += key in spans
                spans.add(key)
                rec = records.get(m["doc_id"])
                if rec is None:
                    orphaned += 1
                elif rec.content_hash != m.get("doc_hash", ""):
                    stale += 1
                else:
                    valid[m["doc_id"]] = valid.get(m["doc_id"], 0) + 1
        incomplete = sum(1 for d, r in records.items() if valid.get(d, 0) < r.n_chunks)
        return Integrity(
            documents=len(records),
            chunks=len(ids),
            duplicate_ids=len(ids) - len(set(ids)),
            duplicate_spans=dup_spans,
            orphaned=orphaned,
            stale=stale,
            incomplete=incomplete,
        )

    # -- documents ----------------------------------------------------------------------

    def put_document(self, doc: Document, n_chunks: int) -> None:
        meta = _doc_meta(doc.meta)
        meta.update(
            content_hash=doc.content_hash,
            n_chunks=n_chunks,
            indexed_at=_now(),
            blocks=json.dumps([_block_row(b) for b in doc.blocks], separators=(",", ":")),
        )
        self.docs.upsert(
            ids=[doc.doc_id], embeddings=[_PLACEHOLDER], documents=[doc.text], metadatas=[meta]
        )

    def delete_document(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])

    def records(self) -> dict[str, DocRecord]:
        out: dict[str, DocRecord] = {}
        for ids, metas, _ in self._scan(self.docs, include=["metadatas"]):
            for did, m in zip(ids, metas, strict=True):
                if did == META_ID:
                    continue
                out[did] = DocRecord(
                    meta=_to_doc_meta(did, m),
                    content_hash=m.get("content_hash", ""),
                    n_chunks=int(m.get("n_chunks", 0)),
                    indexed_at=m.get("indexed_at", ""),
                )
        return out

    def get_document(self, doc_id: str) -> Document:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise IndexError_(f"No document '{doc_id}' in the index; run `assistant status`.")
        m, text = got["metadatas"][0], got["documents"][0]
        blocks = tuple(_to_block(r) for r in json.loads(m.get("blocks") or "[]"))
        return Document(
            meta=_to_doc_meta(doc_id, m), text=text, blocks=blocks, content_hash=m["content_hash"]
        )

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _scan(collection, include: list[str]):  # noqa: ANN001, ANN205
        offset = 0
        while True:
            got = collection.get(include=include, limit=_PAGE, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            metas = got.get("metadatas") or [{}] * len(ids)
            docs = got.get("documents") or [""] * len(ids)
            yield ids, metas, docs
            if len(ids) < _PAGE:
                return
            offset += len(ids)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _doc_meta(m: DocMeta) -> dict:
    d = {
        "doc_id": m.doc_id,
        "title": m.title,
        "doc_type": str(m.doc_type),
        "date_kind": m.date_kind,
        "publisher": m.publisher,
        "countries": "|".join(m.countries),
        "source_path": m.source_path,
    }
    if m.published:
        d["published"] = m.published.isoformat()
    if m.url:
        d["url"] = m.url
    return d


def _to_doc_meta(doc_id: str, m: dict) -> DocMeta:
    return DocMeta(
        doc_id=doc_id,
        title=m.get("title", doc_id),
        doc_type=DocType(m.get("doc_type", "other")),
        published=date.fromisoformat(m["published"]) if m.get("published") else None,
        date_kind=m.get("date_kind", "published"),
        publisher=m.get("publisher", ""),
        url=m.get("url"),
        countries=tuple(c for c in m.get("countries", "").split("|") if c),
        source_path=m.get("source_path", ""),
    )


def _chunk_meta(c: Chunk) -> dict:
    d = {
        "doc_id": c.doc_id,
        "start": c.start,
        "end": c.end,
        "section": c.section,
        "title": c.title,
        "doc_type": str(c.doc_type),
        "countries": "|".join(c.countries),
        "doc_hash": c.doc_hash,
    }
    for key, value in (("paragraph", c.paragraph), ("page", c.page), ("url", c.url)):
        if value is not None:
            d[key] = value
    if c.published:
        d["published"] = c.published.isoformat()
    return d


def _to_chunk(chunk_id: str, m: dict, text: str) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=m["doc_id"],
        text=text,
        start=int(m["start"]),
        end=int(m["end"]),
        section=m.get("section", ""),
        paragraph=m.get("paragraph"),
        page=m.get("page"),
        title=m.get("title", ""),
        doc_type=DocType(m.get("doc_type", "other")),
        published=date.fromisoformat(m["published"]) if m.get("published") else None,
        countries=tuple(x for x in m.get("countries", "").split("|") if x),
        url=m.get("url"),
        doc_hash=m.get("doc_hash", ""),
    )


def _block_row(b: Block) -> list:
    return [b.kind.value, b.start, b.end, b.page, b.level, b.number]


def _to_block(r: list) -> Block:
    return Block(BlockKind(r[0]), r[1], r[2], r[3], r[4], r[5])
