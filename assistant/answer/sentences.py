"""Answerable units of text and what a question asks for. Pure functions, no I/O.

A unit is a sentence of a paragraph, a list item or a table row, with offsets into its
document's text. Headings and captions are never units: they are not statements.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from assistant.types import ITEM_KINDS, Block, BlockKind, Document

# Abbreviations and version numbers must not end a sentence ("v1.1", "No. 5", "e.g. X").
_ABBREV = r"(?<!\bNo)(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bSt)(?<!\bv)"
_PARA_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+")
_SPLIT = re.compile(_ABBREV + r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z0-9“\"(])")


@dataclass(frozen=True)
class Unit:
    doc_id: str
    start: int
    end: int
    text: str
    kind: BlockKind
    block_start: int  # the enclosing block, for context
    block_end: int
    list_intro: bool = False  # a sentence that introduces a list ("... except:")


def sentence_spans(text: str, pos: int = 0) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` from ``pos``, stripped of surrounding space.

    Shared by the composer's units and the reader's training pairs, so the reader learns on
    sentences cut the way the product cuts them.
    """
    out: list[tuple[int, int]] = []
    for m in [*_SPLIT.finditer(text, pos), None]:
        cut = m.end() if m else len(text)
        raw = text[pos:cut]
        piece = raw.strip()
        if piece:
            s = pos + (len(raw) - len(raw.lstrip()))
            out.append((s, s + len(piece)))
        pos = cut
    return out


def units_of(doc: Document, start: int, end: int) -> list[Unit]:
    """Sentence-level units of ``doc.text[start:end]`` (blocks overlapping the span)."""
    out: list[Unit] = []
    for b in doc.blocks:
        if b.end <= start or b.start >= end:
            continue
        if b.kind in (BlockKind.HEADING, BlockKind.CAPTION):
            continue
        text = doc.text[b.start : b.end]
        if b.kind in ITEM_KINDS:
            s = b.start + (2 if text.startswith("• ") else 0)
            out.append(Unit(doc.doc_id, s, b.end, doc.text[s : b.end], b.kind, b.start, b.end))
            continue
        # A printed paragraph number ("2.") is provenance, not part of the statement.
        pos = m.end() if b.number and (m := _PARA_NUMBER.match(text)) else 0
        for ps, pe in sentence_spans(text, pos):
            piece = text[ps:pe]
            if len(piece.split()) >= 4:  # "19 Dec 2023" and stray fragments are not statements
                out.append(
                    Unit(
                        doc.doc_id, b.start + ps, b.start + pe, piece, b.kind, b.start, b.end,
                        list_intro=bool(
                            re.search(r"(:|\bexcept)\s*$", piece) or _TABLE_BELOW.search(piece)
                        ),
                    )
                )  # fmt: skip
    return out


# A sentence that introduces the table after it: "... are listed in Table 1 below",
# "... seven principles (see Table below)".
_TABLE_BELOW = re.compile(r"\btable(?:\s+[A-Z0-9]{1,3})?\s+below\b", re.I)
_TABLE_TITLE = re.compile(r"^\s*table\b", re.I)


def is_item(block: Block) -> bool:
    """A list item, a table row, or a lettered sub-paragraph ("1(a)", "18(b)(ii)") of a
    decision: what an introducing sentence ("ITMOs ... are:") is followed by."""
    if block.kind in ITEM_KINDS:
        return True
    return block.kind is BlockKind.PARAGRAPH and bool(re.search(r"\)$", block.number or ""))


def items_after(doc: Document, unit: Unit) -> tuple[int, int] | None:
    """Block positions ``[first, end)`` of the list or table that ``unit`` introduces.

    A list follows its introducing sentence's block at once. A table that the sentence
    points to ("in Table 1 below") may stand up to two blocks further on, past its title and
    a note above it; a heading that is not the table's title ends the search.
    """
    blocks = doc.blocks
    i = next((k for k, b in enumerate(blocks) if b.start == unit.block_start), None)
    if i is None:
        return None
    reach = 3 if _TABLE_BELOW.search(unit.text) else 1
    j = i + 1
    while j < len(blocks) and j <= i + reach and not is_item(blocks[j]):
        b = blocks[j]
        if b.kind is BlockKind.HEADING and not _TABLE_TITLE.match(doc.text[b.start : b.end]):
            return None
        j += 1
    if j >= len(blocks) or j > i + reach:
        return None
    k = j
    while k < len(blocks) and is_item(blocks[k]):
        k += 1
    return j, k


# A sentence that points elsewhere in its document for what it counts: "seven principles (see
# Annex A)", "as set out in Appendix 2", "listed in Table 3".
_ELSEWHERE = re.compile(r"\b(Annex|Appendix|Table|Schedule)\s+([A-Z]|\d{1,2})\b")


def pointed_items(doc: Document, unit: Unit) -> tuple[int, int] | None:
    """Block positions ``[first, end)`` of the list or table under the part of the document
    that ``unit`` names ("(see Annex A)"): the items after that heading or caption, past up
    to two more headings (the annex's title)."""
    blocks = doc.blocks
    for m in _ELSEWHERE.finditer(unit.text):
        name = re.compile(rf"\s*{m[1]}\s+{m[2]}\b(?!\.\d)", re.I)
        for i, b in enumerate(blocks):
            if b.kind in ITEM_KINDS or b.start == unit.block_start:
                continue
            if not name.match(doc.text[b.start : b.end]):
                continue
            j = i + 1
            while j < len(blocks) and j <= i + 2 and blocks[j].kind is BlockKind.HEADING:
                j += 1
            k = j
            while k < len(blocks) and blocks[k].kind in ITEM_KINDS:
                k += 1
            if k - j >= 2:
                return j, k
    return None


class AnswerType(StrEnum):
    PERCENT = "percent"
    MONEY = "money"
    DATE = "date"
    COUNT = "count"
    PERSON = "person"
    LOCATION = "location"
    FREQUENCY = "frequency"
    CAUSE = "cause"
    AMOUNT = "amount"
    LIST = "list"
    GENERAL = "general"


_TYPE_RULES: list[tuple[AnswerType, re.Pattern]] = [
    (AnswerType.MONEY, re.compile(r"\b(price|cost|costs|fee|fees|pay|paying|paid|how much .*(cost|pay)|tax rate|rate of (the )?carbon tax|per tonne)\b", re.I)),
    (AnswerType.PERCENT, re.compile(r"\b(what share|what percentage|what proportion|what portion|per ?cent|percentage|how much of)\b", re.I)),
    (AnswerType.DATE, re.compile(r"^\s*(when|by when|since when|from when|until when|as of when)\b|\b(what|which) (dates?|days?|months?|years?)\b|\bin which year\b|\bdeadline\b", re.I)),
    (AnswerType.COUNT, re.compile(r"\bhow many\b|\bnumber of\b", re.I)),
    (AnswerType.PERSON, re.compile(r"^\s*(and )?(who|whom)\b|\bwhich (minister|official|person|people|agency|ministry|body|organisation|organization)\b", re.I)),
    (AnswerType.LOCATION, re.compile(r"^\s*(and )?where\b|\bin which (city|country|place|venue)\b", re.I)),
    (AnswerType.FREQUENCY, re.compile(r"\bhow often\b|\bhow frequently\b", re.I)),
    (AnswerType.CAUSE, re.compile(r"^\s*why\b|\bwhat (triggered|prompted|led to|caused|motivated)\b|\bfor what reason\b|\bwhat is the reason\b", re.I)),
    (AnswerType.AMOUNT, re.compile(r"\bhow much\b|\b(what|which)\s+(?:[\w-]+\s+){0,3}(target|amount|volume|quantity|limit|cap|figure|total)s?\b", re.I)),
    (AnswerType.LIST, re.compile(r"\b(which|what)\s+(?:(?!(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|must|should)\b)[\w-]+\s+){0,2}(countries|programmes|programs|methodologies|project types|standards|principles|activities|exclusions|exceptions|steps|stages|conditions|criteria|requirements|members|partners)\b|^\s*list\b|\bwhat are the\b", re.I)),
]  # fmt: skip

_MONTHS = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_HAS = {
    AnswerType.MONEY: re.compile(
        r"(S\$|US\$|\$|USD|SGD|€|£)\s?\d|\b\d[\d,.]*\s?(dollars|per tonne)\b", re.I
    ),
    AnswerType.LOCATION: re.compile(r"\b(in|at)\s+(the\s+)?[A-Z][a-z]+"),
    AnswerType.FREQUENCY: re.compile(
        r"\b(annually|yearly|monthly|weekly|quarterly|once|twice|every|per (year|month)|times a)\b",
        re.I,
    ),
    AnswerType.PERCENT: re.compile(r"\d\s?%|\bper ?cent\b|\bpercent\b", re.I),
    AnswerType.DATE: re.compile(rf"\b{_MONTHS}\b|\b(19|20)\d\d\b", re.I),
    # An amount, a target or a limit is a number ("6 GW", "five per cent", "net zero by 2050").
    AnswerType.AMOUNT: re.compile(
        r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
        r"hundred|thousand|million|billion|half|quarter|net[- ]zero)\b",
        re.I,
    ),
    AnswerType.COUNT: re.compile(
        r"\b\d+\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|fifteen|twenty|thirty)\b",
        re.I,
    ),
    # A reason or a cause: "follows the signing of ...", "to ensure ...", "because ...".
    AnswerType.CAUSE: re.compile(
        r"\b(because|due to|follows?|following|as a result|in order to|so that|so as to|"
        r"to ensure|ensuring|to avoid|avoidance|aims? to|aimed at|reflects?|driven by|given|"
        r"in line with|in response to|prompted|triggered|owing to|thanks to|since)\b"
        # a purpose: "To further develop our frameworks, Singapore has ...".
        r"|^\s*To\s+(?:further\s+)?[a-z]+\b",
        re.I,
    ),
    # A named person or body doing something: a title, or "by"/"with" + a proper name.
    AnswerType.PERSON: re.compile(
        r"\b(Minister|Director|President|Secretary|Chair|Ministry|Agency|NEA|MSE|MTI|NCCS)\b|\bby\s+(the\s+)?[A-Z][a-z]+"
    ),
}


_NOT_COUNTS = re.compile(
    r"\b\d+(?:\.\d+)+\w*"  # versions and sub-articles: "v1.1", "6.2"
    r"|\b(?:Article|Annex|Section|Scope|Table|Paragraph|para|Chapter|No|v)\.?\s*\d+(?:\.\d+)*\w*"
    rf"|\b\d{{1,2}}\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b"  # days of a month
    r"|\b(?:19|20)\d\d\b",  # years
    re.I,
)


def without_non_counts(text: str) -> str:
    """``text`` without numbers that count nothing: years, days, versions, references."""
    return _NOT_COUNTS.sub(" ", text)


_AUX = r"(?:did|does|do|has|have|had|is|are|was|were|will|would|can|could|should|must|may)"
_HOW_MANY = re.compile(
    rf"\bhow many\s+(?P<phrase>[\w’'\- ]+?)(?:\s+(?:of|in|from|under|with)\b|\s+{_AUX}\b|[?,]|$)",
    re.I,
)


def counted_thing(question: str) -> str | None:
    """What "how many ..." counts: the last word of its noun phrase ("how many Thai emissions
    reduction projects did ..." → "projects", "how many megawatts of ..." → "megawatts")."""
    m = _HOW_MANY.search(question)
    words = m.group("phrase").split() if m else []
    return words[-1] if words else None


def _kind_of(text: str) -> AnswerType:
    text = split_premise(text)[0]  # "In her remarks on the MOU, why ...": the ask decides
    for kind, rx in _TYPE_RULES:
        if rx.search(text):
            return kind
    return AnswerType.GENERAL


def answer_type(question: str) -> AnswerType:
    """The kind of fact asked for, judged on what is asked, not on context in parentheses
    that follow-up resolution appended; the context decides only when the question alone
    does not ("And Peru? (When was the IA with Chile signed)" asks for a date), and never
    makes a question about one item ("Verra? (Which standards ...)") a list question."""
    m = _ANY_CONTEXT.match(question)
    if not m:
        return _kind_of(question)
    kind = _kind_of(m.group("ask"))
    if kind is AnswerType.GENERAL:
        inherited = _kind_of(m.group("context"))
        if inherited is not AnswerType.LIST:
            return inherited
    return kind


def satisfies(kind: AnswerType, text: str) -> bool:
    """Does ``text`` contain the kind of thing the question asks for?"""
    rx = _HAS.get(kind)
    if kind in (AnswerType.COUNT, AnswerType.AMOUNT):
        text = without_non_counts(text)  # "in 2025" or "Article 6.2" is not a count
    return True if rx is None else bool(rx.search(text))


_NAME = r"(?:the )?[A-Z][\w’'-]+(?: (?:of |and )?[A-Z][\w’'-]+)*"
# Three or more names in a row: "Papua New Guinea, Ghana, Bhutan ... and Mongolia".
_ENUMERATION = re.compile(rf"{_NAME}(?:\s*,\s*{_NAME})+(?:,?\s+(?:and|or)\s+{_NAME})?")
# Two or more names joined by "and"/"or": "with Plan Vivo and Global Carbon Council".
_COORDINATED = re.compile(rf"{_NAME}(?:\s*,\s*{_NAME})*,?\s+(?:and|or)\s+{_NAME}")


def names_coordinated(text: str) -> bool:
    """Two or more names joined as a list: "with Plan Vivo and Global Carbon Council"."""
    return bool(_COORDINATED.search(text))


def named_outside_lists(text: str, place: re.Pattern) -> bool:
    """Does ``place`` (a pattern over the lower-cased text) occur in ``text`` other than as one
    item of a list of 3+ names ("signed MOUs with Cambodia, Chile, ..., Peru, Rwanda")?"""
    runs = [
        m.span()
        for m in _ENUMERATION.finditer(text)
        if len(re.split(r"\s*,\s*|,?\s+(?:and|or)\s+", m.group(0))) >= 3
    ]
    return any(
        not any(s <= m.start() and m.end() <= e for s, e in runs)
        for m in place.finditer(text.lower())
    )


_POINTER = re.compile(
    r"\b(please see|see annex|see table|refer to|can be found|more details|is available at|"
    r"has been published on|for further details|read more|read our)\b",
    re.I,
)


def is_pointer(text: str) -> bool:
    """A sentence that sends the reader elsewhere ("Please see Annex B ...") answers nothing.

    Only when the pointer is what the sentence is about: it opens the sentence, or the
    sentence is short. "... requires ICCs (see Annex A) to meet seven principles" is a fact.
    """
    text = re.sub(r"\([^)]*\)", "", text)  # "(see Annex A)" is an aside, not the point
    m = _POINTER.search(text)
    if not m:
        return False
    return len(text[: m.start()].split()) <= 3 or len(text.split()) <= 14


_REFERENCE = re.compile(
    r"\b(Annex|Appendix|Article|Schedule|Table|Section|Chapter)\s+([A-Z0-9]{1,3})\b"
)


def references(text: str) -> list[str]:
    """Named parts of documents: "Annex A", "Table 1", "Article 6" (Article 6 is the treaty's)."""
    refs = [f"{m.group(1)} {m.group(2)}" for m in _REFERENCE.finditer(text)]
    return [r for r in refs if r not in ("Article 6",)]


_SPLIT_PARTS = re.compile(
    r",?\s+and\s+(?=(?:(?:from|by|in|under|to|for|on|at|since|roughly|approximately|about|"
    r"also|exactly)\s+)?"
    r"(?:who|whom|what|when|which|how|where|why|is|are|do|does|did|has|have|can)\b)",
    re.I,
)
_SOURCE_PHRASE = re.compile(
    r",?\s*(according to|as (stated|reported|described) (in|by)|in the view of)\s+(the\s+)?[^,?]*?"
    r"(article|release|page|document|website|list|report|factsheet)\b",
    re.I,
)


def strip_source(question: str) -> str:
    """Drop "according to the RECCESSARY article": it names a source, not what is asked."""
    return _SOURCE_PHRASE.sub("", question).strip()


# Words of a source name that say what kind of thing it is, not which one it is.
_GENERIC_SOURCE_WORDS = {"the", "article", "release", "page", "document", "website", "list",
    "report", "factsheet", "media", "press", "according", "stated", "reported", "described",
    "view", "singapore", "government", "official"}  # fmt: skip


def source_words(question: str) -> frozenset[str]:
    """The distinctive words of a source the question names ("according to the RECCESSARY
    article" → {"reccessary"}); empty when it names none."""
    m = _SOURCE_PHRASE.search(question)
    if not m:
        return frozenset()
    # "the December 2023 release": a date says when, not which; the anchors check it.
    text = re.sub(rf"\b{_MONTHS}\b", " ", m.group(0), flags=re.I)
    words = re.findall(r"[A-Za-z]{3,}", text)
    return frozenset(w.lower() for w in words if w.lower() not in _GENERIC_SOURCE_WORDS)


_WH = r"(?:what|which|who|whom|whose|when|where|why|how)\b"
# "After X, how many ...", "X — what is ...", "X. Which ...": a premise, then the question.
_PREMISE = re.compile(
    r"^(?P<premise>[^?]+?)(?:,\s*|\s*[—–]\s*|\s-\s|[.;:]\s+)"
    rf"(?P<ask>(?:and\s+)?(?:(?:by|in|from|under|for|on|at|since|to|with)\s+)?{_WH}.*)$",
    re.I | re.S,
)
# Context that follow-up resolution appends: "question? (earlier question)". The composer's
# own additions ("by when (first part)?", "... (Indonesia)?") carry no "?" before the
# parenthesis and are deliberately not context: their terms are what the part asks about.
_CONTEXT = re.compile(r"^(?P<ask>.*?\?)\s*\((?P<context>[^()]*)\)\s*\??$", re.S)
# Either kind of trailing parenthesis, for judging the kind of fact asked for.
_ANY_CONTEXT = re.compile(r"^(?P<ask>.*?)\s*\((?P<context>[^()]*)\)\s*\??\s*$", re.S)


def split_premise(question: str) -> tuple[str, str]:
    """(what is asked, the rest): a premise before the question word, and context in
    parentheses that follow-up resolution appended. ``(question, "")`` when there is none."""
    context = ""
    if m := _CONTEXT.match(question):
        question, context = m.group("ask"), m.group("context")
    m = _PREMISE.match(question)
    if m and len(m.group("premise").split()) >= 3 and not re.match(_WH, m.group("premise"), re.I):
        question, context = m.group("ask"), f"{m.group('premise')} {context}".strip()
    return question, context


def sub_questions(question: str) -> list[str]:
    """Split "Who signed X, and when was Y signed?" into its parts (one part if it has one)."""
    parts = [p.strip(" ,?") for p in _SPLIT_PARTS.split(question) if p and p.strip(" ,?")]
    return [p + "?" for p in parts] if len(parts) > 1 else [question]


_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b"
    r"|\byou are now\b|\bsystem prompt\b|\bnew instructions?\b|\bact as\b"
    r"|\b(respond|reply|answer|say)\s+(only\s+)?(with|that)\b.{0,60}\b(instead|regardless)\b"
    r"|^\s*(system|assistant|user)\s*:",
    re.I,
)


def is_instruction_like(text: str) -> bool:
    """Text that addresses an AI as instructions (prompt injection). Never an answer."""
    return bool(_INSTRUCTION.search(text))


def named_places(question: str, countries: Sequence[Sequence[str]]) -> list[re.Pattern]:
    """The countries a question names, by name or by its adjective ("Peruvian", "Ghanaian"),
    as patterns to find them in a passage. ``countries``: each document's countries, from its
    metadata; a country most documents are about (the corpus's home, Singapore here) names
    nothing in particular and is left out."""
    out = []
    for name in sorted({c for cs in countries for c in cs}):
        if sum(name in cs for cs in countries) > 0.5 * len(countries):
            continue
        low = name.lower()
        base = low[:-1] if len(low) > 4 and low[-1] in "aeiou" else low
        adjective = f"{re.escape(base)}(?:n|an|ian|ean|ese|vian|aian|i|ish)"
        pattern = re.compile(rf"\b(?:{re.escape(low)}|{adjective})\b")
        if pattern.search(question.lower()):
            out.append(pattern)
    return out
