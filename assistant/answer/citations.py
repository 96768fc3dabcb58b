"""Building citations and checking them against the text they cite.

A citation is an exact span of a document's text. ``find_span`` locates a quote even when
its whitespace or quote marks differ from the document's, and returns the document's own
offsets, so the span can be highlighted in context.
"""

from __future__ import annotations

import re

from assistant.ingest import block_at, footnote_section, section_path
from assistant.types import Block, BlockKind, Chunk, Citation, Document

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-case, unify quote marks and collapse whitespace; keep a map back to offsets."""
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            index.append(i)
            prev_space = True
        else:
            out.append(ch.lower())
            index.append(i)
            prev_space = False
    return "".join(out), index


def find_span(text: str, quote: str, start_hint: int = 0) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``text`` (whitespace-, case- and quote-mark-insensitive)."""
    if not quote.strip():
        return None
    exact = text.find(quote, start_hint)
    if exact < 0:
        exact = text.find(quote)
    if exact >= 0:
        return exact, exact + len(quote)
    norm_text, index = _normalise(text)
    norm_quote, _ = _normalise(quote.strip())
    pos = norm_text.find(norm_quote)
    if pos < 0:
        return None
    return index[pos], index[pos + len(norm_quote) - 1] + 1


def occurs(text: str, fragment: str) -> bool:
    """Does ``fragment`` occur in ``text`` as words (normalised as in ``find_span``)?

    It must start at a word boundary, and a number must end at one: "ten" is not in
    "content", "45" is in neither "450" nor "145" nor "0.45", but "exception" is in
    "exceptions" (facts and alternatives are often written as a word's stem).
    """
    norm_text, _ = _normalise(text)
    norm = _normalise(fragment.strip())[0]
    if not norm:
        return False
    pattern = re.escape(norm)
    if norm[0].isalnum():
        pattern = r"(?<!\w)(?<!\d[.,])" + pattern
    if norm[-1].isdigit():
        pattern += r"(?!\d)(?![.,]\d)"
    return re.search(pattern, norm_text) is not None


def contains(text: str, fragment: str) -> bool:
    """True when ``fragment`` occurs in ``text`` under the same normalisation as find_span."""
    return find_span(text, fragment) is not None


def cite_span(n: int, doc: Document, start: int, end: int, chunk_id: str = "") -> Citation:
    """A citation of ``doc.text[start:end]`` with its section, paragraph and page."""
    block = block_at(doc, start)
    section = section_path(doc, start)
    if block is not None and block.kind is BlockKind.FOOTNOTE:
        section = footnote_section(section, block)
    elif block is not None and block.number:
        section = f"{section}{' > ' if section else ''}para. {block.number}"
    elif block is not None and (pp := preambular_ordinal(doc, block)):
        section = f"{section}{' > ' if section else ''}preambular para. {pp}"
    return Citation(
        n=n,
        chunk_id=chunk_id,
        doc_id=doc.doc_id,
        title=doc.meta.title,
        section=section,
        page=block.page if block else None,
        published=doc.meta.published,
        url=doc.meta.url,
        quote=doc.text[start:end],
        start=start,
        end=end,
    )


# The line a UN treaty's or decision's preamble opens with: "The Parties to this Agreement,",
# "The Conference of the Parties serving as the meeting of the Parties to the Paris Agreement,".
_PREAMBLE_OPENS = re.compile(r"^The (?:Parties|Conference|Meeting|General Assembly)\b[^.;:]*,$")
_PREAMBULAR_END = re.compile(r"[,;][”\"’]?$")


def preambular_ordinal(doc: Document, block: Block) -> int | None:
    """Which preambular paragraph of a UN treaty or decision ``block`` is (1-based), as UN
    texts cite them ("the tenth preambular paragraph of the Paris Agreement"); None outside a
    preamble. Preambular paragraphs are unnumbered and end in a comma; they follow the
    opening line and come before any heading or numbered paragraph. Counting only those that
    end in a comma skips the first half of one split by a page break."""
    i = next((k for k, b in enumerate(doc.blocks) if b.start == block.start), None)
    if i is None or not _PREAMBULAR_END.search(doc.text[block.start : block.end]):
        return None
    n = 0
    for b in reversed(doc.blocks[: i + 1]):
        text = doc.text[b.start : b.end]
        if b.kind is BlockKind.HEADING or b.number:
            return None
        if b.kind is not BlockKind.PARAGRAPH:
            continue
        if _PREAMBLE_OPENS.match(text):
            return n or None
        n += bool(_PREAMBULAR_END.search(text))
    return None


def cite_quote(n: int, doc: Document, quote: str, chunk_id: str = "") -> Citation | None:
    """Cite a verbatim quote of ``doc``; None when the quote is not in the document."""
    span = find_span(doc.text, quote)
    if span is None:
        return None
    return cite_span(n, doc, span[0], span[1], chunk_id)


def cite_in_chunk(n: int, chunk: Chunk, start: int, end: int) -> Citation:
    """A citation of ``chunk``'s document span [start, end) using only the chunk's metadata."""
    rel_s, rel_e = start - chunk.start, end - chunk.start
    section = chunk.section
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=section,
        page=chunk.page,
        published=chunk.published,
        url=chunk.url,
        quote=chunk.text[rel_s:rel_e],
        start=start,
        end=end,
    )


_NUMBER = re.compile(r"\d[\d,.]*%?")
