"""Document → Chunks that respect structure. Pure functions, no I/O.

Rules: a heading always travels with the content after it; a numbered paragraph is never
split; a sentence that introduces a list (ends with ":" or "except") stays with the list, and a
numbered paragraph with its sub-paragraphs ("110. Decides that ...:", "(a) ...", "(b) ...");
a table row is never split; a chunk never crosses into a new section; a footnote is a
chunk of its own, cited as "section > footnote N". Each chunk is a
contiguous span ``document.text[start:end]``, so citations can be highlighted in context.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import Block, BlockKind, Chunk, Document

SECTION_SEP = " > "
_INTRO_END = re.compile(r"(?::|\bexcept|\bincluding|\bfollowing)\s*$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z“\"(•\d])")


@dataclass
class _Unit:
    """Blocks that must stay in one chunk."""

    blocks: list[Block]

    @property
    def start(self) -> int:
        return self.blocks[0].start

    @property
    def end(self) -> int:
        return self.blocks[-1].end

    @property
    def size(self) -> int:
        return self.end - self.start


def chunk_document(doc: Document, target_chars: int = 900) -> list[Chunk]:
    """Split a document into chunks of about ``target_chars`` (never splitting a unit)."""
    units = _units(doc, target_chars)
    chunks: list[Chunk] = []
    current: list[_Unit] = []

    def emit() -> None:
        if current:
            chunks.append(_make_chunk(doc, current[0].start, current[-1].end))
            current.clear()

    for unit in units:
        starts_section = unit.blocks[0].kind is BlockKind.HEADING
        too_big = current and (unit.end - current[0].start) > target_chars
        footnote = _is_footnote(unit) or (current and _is_footnote(current[-1]))
        if current and (starts_section or too_big or footnote):
            emit()
        current.append(unit)
    emit()
    return chunks


def _is_footnote(unit: _Unit) -> bool:
    return unit.blocks[-1].kind is BlockKind.FOOTNOTE


def _units(doc: Document, target_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    pending_headings: list[Block] = []
    for b in doc.blocks:
        if b.kind is BlockKind.HEADING:
            pending_headings.append(b)
            continue
        if b.kind is BlockKind.FOOTNOTE:  # headings wait for the body text they introduce
            units.append(_Unit([b]))
            continue
        prev = units[-1] if units else None
        joins_prev = (
            prev is not None
            and not pending_headings
            and (
                # a list item joins its introducing sentence and the items before it
                (b.kind is BlockKind.LIST_ITEM and _introduces_list(doc, prev))
                # a sub-paragraph ("110(a)") joins its paragraph ("110. Decides that ...:")
                or _continues(prev, b)
            )
        )
        if joins_prev and prev is not None and prev.size + (b.end - prev.end) <= 3 * target_chars:
            prev.blocks.append(b)
            continue
        pieces = [b] if (b.end - b.start) <= 3 * target_chars else _split_long(doc, b, target_chars)
        for i, piece in enumerate(pieces):
            units.append(_Unit([*pending_headings, piece] if i == 0 else [piece]))
            if i == 0:
                pending_headings = []
    if pending_headings:  # trailing headings with no content still get indexed
        units.append(_Unit(pending_headings))
    return units


_SUB = re.compile(r"(\d+)\(")


def _continues(unit: _Unit, b: Block) -> bool:
    sub = _SUB.match(b.number or "")
    return bool(sub) and any(x.number == sub.group(1) for x in unit.blocks)


def _introduces_list(doc: Document, unit: _Unit) -> bool:
    last = unit.blocks[-1]
    if last.kind is BlockKind.LIST_ITEM:
        return any(
            bl.kind is not BlockKind.LIST_ITEM and _INTRO_END.search(doc.text[bl.start : bl.end])
            for bl in unit.blocks
        )
    return last.kind is BlockKind.PARAGRAPH and bool(
        _INTRO_END.search(doc.text[last.start : last.end])
    )


def _split_long(doc: Document, b: Block, target_chars: int) -> list[Block]:
    """Split an over-long block at sentence boundaries (only blocks over 3x the target)."""
    text = doc.text[b.start : b.end]
    cuts = [m.end() for m in _SENTENCE.finditer(text)]
    pieces: list[Block] = []
    start = 0
    for cut in [*cuts, len(text)]:
        if cut - start >= target_chars or cut == len(text):
            if cut > start:
                pieces.append(
                    Block(b.kind, b.start + start, b.start + cut, b.page, b.level, b.number)
                )
            start = cut
    return [
        Block(p.kind, p.start, _rstrip_end(doc.text, p.start, p.end), p.page, p.level, p.number)
        for p in pieces
    ]


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _make_chunk(doc: Document, start: int, end: int) -> Chunk:
    text = doc.text[start:end]
    meta = doc.meta
    inside = blocks_in(doc, start, end)  # overlapping: a split long block is only partly inside
    content = next(
        (b for b in inside if b.kind is not BlockKind.HEADING), inside[0] if inside else None
    )
    numbers = [b.number for b in inside if b.number and b.kind is not BlockKind.FOOTNOTE]
    section = section_path(doc, max(content.start, start) if content else start)
    if content is not None and content.kind is BlockKind.FOOTNOTE:
        section = footnote_section(section, content)
    # The version's hash is part of the id: were an unchanged chunk shared between versions,
    # writing the new version's chunks would take it from the old version before the
    # document row switches over (see ingest's crash-safe order).
    key = f"{meta.doc_id}\x00{doc.content_hash}\x00{start}\x00{text}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return Chunk(
        chunk_id=digest,
        doc_id=meta.doc_id,
        text=text,
        start=start,
        end=end,
        section=section,
        paragraph=numbers[0]
        if len(numbers) == 1
        else ("–".join((numbers[0], numbers[-1])) if numbers else None),
        page=content.page if content else None,
        title=meta.title,
        doc_type=meta.doc_type,
        published=meta.published,
        countries=meta.countries,
        url=meta.url,
        doc_hash=doc.content_hash,
    )


def section_path(doc: Document, offset: int) -> str:
    """The heading path in force at ``offset`` (outermost first), excluding the doc title."""
    stack: list[Block] = []
    for b in doc.blocks:
        if b.start > offset:
            break
        if b.kind is BlockKind.HEADING:
            while stack and stack[-1].level >= b.level:
                stack.pop()
            stack.append(b)
    names = [doc.text[b.start : b.end] for b in stack if b.level > 1 or len(stack) == 1]
    names = [n for n in names if n.strip().lower() != doc.meta.title.strip().lower()]
    return SECTION_SEP.join(names)


def footnote_section(section: str, footnote: Block) -> str:
    """The section path of a footnote: its heading path, then "footnote N"."""
    return f"{section}{SECTION_SEP if section else ''}footnote {footnote.number or ''}".strip()


def block_at(doc: Document, offset: int) -> Block | None:
    """The block containing ``offset``."""
    for b in doc.blocks:
        if b.start <= offset < b.end:
            return b
    return None


def blocks_in(doc: Document, start: int, end: int) -> Sequence[Block]:
    return [b for b in doc.blocks if b.end > start and b.start < end]
