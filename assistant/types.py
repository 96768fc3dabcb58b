"""Shared types passed between pipeline stages: documents → chunks → hits → answers.

Small frozen dataclasses; stages pass these, never bare dicts. ``to_dict`` gives the
JSON shapes used by the CLI's ``--json`` output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol


class DocType(StrEnum):
    TREATY = "treaty"
    DECISION = "decision"
    DRAFT = "draft_negotiating_text"  # never agreed text: answers citing it say so
    AGREEMENT = "agreement"
    ANNEX = "annex"
    ELIGIBILITY_LIST = "eligibility_list"
    MEDIA_RELEASE = "media_release"
    WEB_PAGE = "web_page"
    ARTICLE = "article"
    OTHER = "other"


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"
    CAPTION = "caption"  # figure/table/image captions: indexed, never used as an answer
    FOOTNOTE = "footnote"  # a page's footnote, cut out of the text it interrupts; own chunk


# Blocks that are one entry of a list or a table, not running text.
ITEM_KINDS = frozenset({BlockKind.LIST_ITEM, BlockKind.TABLE_ROW})


class FusionMethod(StrEnum):
    RRF = "rrf"
    WEIGHTED_RRF = "weighted_rrf"
    CONVEX = "convex"


class RetrievalMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


class AnswerMode(StrEnum):
    EXTRACTIVE = "extractive"
    LLM = "llm"
    TOOL = "tool"  # a compliance tool's verdict or figures (``assistant.compliance.handoff``)


@dataclass(frozen=True)
class Block:
    """A structural unit of a document's text: ``text[start:end]`` of its Document."""

    kind: BlockKind
    start: int
    end: int
    page: int | None = None
    level: int = 0  # heading level; 0 for non-headings
    number: str | None = None  # printed paragraph number ("2", "3.1") when the text has one


@dataclass(frozen=True)
class DocMeta:
    """Descriptive metadata of a document (from the manifest, front matter or first heading)."""

    doc_id: str
    title: str
    doc_type: DocType = DocType.OTHER
    published: date | None = None
    date_kind: str = "published"  # "published" or "as_of"
    publisher: str = ""
    url: str | None = None
    countries: tuple[str, ...] = ()
    source_path: str = ""


@dataclass(frozen=True)
class Document:
    """A loaded document: clean text (no markup) plus its structure as blocks."""

    meta: DocMeta
    text: str
    blocks: tuple[Block, ...]
    content_hash: str

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: ``document.text[start:end]`` plus its provenance."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    section: str = ""  # heading path, " > " separated
    paragraph: str | None = None
    page: int | None = None
    title: str = ""
    doc_type: DocType = DocType.OTHER
    published: date | None = None
    countries: tuple[str, ...] = ()
    url: str | None = None
    doc_hash: str = ""


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_dict(self) -> dict:
        c = self.chunk
        return {
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "title": c.title,
            "section": c.section,
            "paragraph": c.paragraph,
            "page": c.page,
            "published": c.published.isoformat() if c.published else None,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: the exact quoted span and where it lives."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    section: str
    page: int | None
    published: date | None
    url: str | None
    quote: str
    start: int  # offsets of ``quote`` in the document's text
    end: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d


class ToolResult(Protocol):
    """What a compliance tool's Answer carries (``EligibilityResult``, ``OffsetResult`` of
    ``assistant.compliance``, a later stage than this module)."""

    citations: tuple[Citation, ...]

    def to_dict(self) -> dict: ...

    def to_text(self, sources: bool = True) -> str: ...


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    mode: AnswerMode
    citations: tuple[Citation, ...] = ()
    related: tuple[Hit, ...] = ()
    standalone_question: str | None = None
    latency_ms: float = 0.0
    notes: tuple[str, ...] = field(default=())
    # For mode TOOL: which tool answered ("eligibility checker", "offset calculator") and
    # its structured result (None when it asks for a missing input instead).
    tool: str | None = None
    result: ToolResult | None = None

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "mode": str(self.mode),
            "citations": [c.to_dict() for c in self.citations],
            "related": [h.to_dict() for h in self.related],
            "standalone_question": self.standalone_question,
            "latency_ms": round(self.latency_ms, 2),
            "tool": self.tool,
            "result": self.result.to_dict() if self.result is not None else None,
        }


@dataclass(frozen=True)
class IndexStatus:
    """What the index holds (``Assistant.status``)."""

    documents: int
    chunks: int
    last_updated: str | None
    location: str

    def to_dict(self) -> dict:
        return self.__dict__.copy()
