"""Chosen candidates → a cited ``Answer``; the abstention; the draft marker.

Shared by the extractive composer and the LLM writer, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.answer.candidates import Candidate
from assistant.answer.citations import cite_span
from assistant.answer.sentences import Unit
from assistant.types import Answer, AnswerMode, Citation, DocType, Document, Hit

DRAFT_NOTE = "draft negotiating text, not agreed"


def cited_answer(
    question: str,
    standalone: str,
    chosen: list[Candidate],
    notes: dict[tuple[str, int], str],
    document: Callable[[str], Document],
) -> Answer:
    """One sentence (or list) per candidate, each followed by its ``[n]`` citation."""
    citations: list[Citation] = []
    texts: list[str] = []
    for c in chosen:
        doc = document(c.unit.doc_id)
        cit = cite_span(len(citations) + 1, doc, c.unit.start, c.unit.end, c.hit.chunk.chunk_id)
        citations.append(cit)
        text = _render(c.unit, doc)
        note = notes.get((c.unit.doc_id, c.unit.start))
        if note:
            text = f"An older source ({c.hit.chunk.title}, {_date_str(c.hit)}) {note}: {text}"
        texts.append(f"{text} [{cit.n}]")
    return Answer(
        question=question,
        answer=" ".join(texts),
        abstained=False,
        mode=AnswerMode.EXTRACTIVE,
        citations=tuple(citations),
        related=(),
        standalone_question=standalone if standalone != question else None,
    )


def abstention(question: str, standalone: str, related: tuple[Hit, ...]) -> Answer:
    return Answer(
        question=question,
        answer=(
            "The documents do not state this. "
            f"I found no passage that answers “{standalone.rstrip('?')}?”"
            + ("; the closest passages are listed as related." if related else ".")
        ),
        abstained=True,
        mode=AnswerMode.EXTRACTIVE,
        citations=(),
        related=related,
        standalone_question=standalone if standalone != question else None,
    )


def mark_drafts(answer: Answer, document: Callable[[str], Document]) -> Answer:
    """Every claim cited to a negotiating draft says, where it is cited, that it is one."""
    drafts = [c.n for c in answer.citations if document(c.doc_id).meta.doc_type is DocType.DRAFT]
    if answer.abstained or not drafts:
        return answer
    text = answer.answer
    for n in drafts:
        text = text.replace(f"[{n}]", f"({DRAFT_NOTE}) [{n}]")
    if DRAFT_NOTE not in text:  # an LLM answer that dropped the marker
        text += f" ({', '.join(f'[{n}]' for n in drafts)}: {DRAFT_NOTE}.)"
    return replace(answer, answer=text)


def _render(unit: Unit, doc: Document) -> str:
    text = doc.text[unit.start : unit.end]
    return text if "\n" in text and unit.list_intro else " ".join(text.split())


def _date_str(hit: Hit) -> str:
    p = hit.chunk.published
    return p.strftime("%-d %B %Y") if p else "undated"
