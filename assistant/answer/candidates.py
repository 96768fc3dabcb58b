"""Retrieved passages → candidates: every answerable unit, once, with what the reader reads.

A candidate is a sentence, list item or table row of one of the top passages, with its
section heading and, for a sentence that opens with a pronoun, the sentence before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.reader.pairs import candidate_text
from assistant.answer.sentences import (
    Unit,
    is_instruction_like,
    is_pointer,
    items_after,
    named_outside_lists,
    source_words,
    units_of,
)
from assistant.types import Document, Hit

# Of the retrieved passages, those whose candidates may be read. Eight (all retrieved) was
# tried with the pre-filter at 12: dev + test fact accuracy 0.535 → 0.543 and abstention
# 0.415 → 0.439 (one question each), but it answered a question about the Peru agreement
# with the Ghana agreement's deadline from a seventh passage (tests/answer/test_answer.py),
# so five stay.
READ_K = 5


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    hit: Hit
    rank: int
    text: str  # what the reader reads
    prob: float = 0.0


def candidates(
    hits: list[Hit],
    question: str,
    document: Callable[[str], Document],
    places: Sequence[re.Pattern] = (),
    read_k: int = READ_K,
) -> list[Candidate]:
    """Every answerable unit of the top passages, once, with the context the reader reads.

    Three rules stay outside the model: a pointer ("Please see Annex B") or text that
    addresses an AI as instructions is never an answer; a question that names its source
    ("according to the RECCESSARY article") is answered from that source; and one that
    names a country (``places``, from ``sentences.named_places``) is answered from passages
    about it: the passage, its headings or its document's countries name it. The reader,
    trained on Wikipedia, gives "Singapore signed with Thailand" and "... with Papua New
    Guinea" alike to "Who signed the Singapore–Thailand agreement?". Same run, fresh index
    (evals/README.md, 2026-12-05): abstention on dev 0.385 -> 0.462 and test 0.500 -> 0.714,
    false abstention 0.114 -> 0.127 and 0.098 -> 0.137 (two questions about one country
    answered from the identical list of another), citation precision up.
    """
    source = source_words(question)
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits[:read_k], 1):
        doc = document(hit.chunk.doc_id)
        if source and not source & _source_of(doc):
            continue
        if places and not _about(hit, places):
            continue
        heading = hit.chunk.section or hit.chunk.title
        units = units_of(doc, hit.chunk.start, hit.chunk.end)
        for j, unit in enumerate(units):
            key = (unit.doc_id, unit.start)
            if key in seen or is_pointer(unit.text) or is_instruction_like(unit.text):
                continue
            seen.add(key)
            prev = units[j - 1].text if j and units[j - 1].block_start == unit.block_start else ""
            body = list_text(doc, unit) if unit.list_intro else unit.text
            out.append(Candidate(unit, hit, rank, candidate_text(body, heading, prev)))
    return out


def list_text(doc: Document, unit: Unit) -> str:
    """A sentence that introduces a list or table, read with the list's items."""
    run = items_after(doc, unit)
    items = [doc.text[b.start : b.end] for b in doc.blocks[run[0] : run[1]]] if run else []
    return " ".join([unit.text, *items])


def _about(hit: Hit, places: Sequence[re.Pattern]) -> bool:
    """Does the passage (its text, headings or document's countries) name every place? A
    place named in the text only as one of a list of names ("signed MOUs with Cambodia,
    Chile, ..., Peru, Rwanda") does not make the passage about it."""
    c = hit.chunk
    where = f"{c.title} {c.section} {' '.join(c.countries)}".lower()
    return all(p.search(where) or named_outside_lists(c.text, p) for p in places)


def _source_of(doc: Document) -> frozenset[str]:
    """Words that name a document: its title, publisher and id."""
    text = f"{doc.meta.title} {doc.meta.publisher} {doc.doc_id}"
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text))
