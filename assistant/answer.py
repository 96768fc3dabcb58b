"""Question (+ history) → Answer. Extractive and grounded by default; an LLM when configured.

The trained reader (``assistant/reader``) reads the question together with every candidate
of the retrieved passages (a sentence, list item or table row, with its heading and, for a
sentence that opens with a pronoun, the sentence before it) and gives the probability that
the candidate answers. The answer is the best candidate of each part of the question, up to
``MAX_SENTENCES``, in document order; a list question takes its whole list. When no
candidate reaches ``ANSWER_THRESHOLD`` (calibrated on the dev and test splits) it abstains
and shows the closest passages. When two differently dated sources disagree on a count, or a
question asks about the current state, the newest source leads and the older one is cited.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from assistant.citations import cite_span
from assistant.config import Settings
from assistant.errors import QueryError
from assistant.followup import condense
from assistant.reader.pairs import candidate_text
from assistant.retrieval import Filters, Retriever
from assistant.sentences import (
    AnswerType,
    Unit,
    answer_type,
    is_instruction_like,
    is_pointer,
    satisfies,
    source_words,
    strip_source,
    sub_questions,
    units_of,
    without_non_counts,
)
from assistant.types import (
    ITEM_KINDS,
    Answer,
    AnswerMode,
    BlockKind,
    Citation,
    DocType,
    Document,
    Hit,
)

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# The reader's probability a candidate must reach to be an answer. Calibrated on the dev
# and test splits of evals/gold/answers.jsonl: the threshold with the best fact accuracy +
# abstention whose false abstention stays within the 0.08 target (evals/README.md has the
# sweep); the holdout splits are the honest figure.
ANSWER_THRESHOLD = 0.2
RETRIEVE_K = 8  # passages retrieved
READ_K = 5  # of those, the passages whose candidates the reader scores
MAX_SENTENCES = 3
# A second candidate for the same part is added when the reader is nearly as sure of it:
# questions that need two passages ("what ... and where ...") are often one part.
SECOND_RATIO = 0.9
TYPED = True
DRAFT_NOTE = "draft negotiating text, not agreed"


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    hit: Hit
    rank: int
    text: str  # what the reader reads
    prob: float = 0.0


class Answerer:
    """Answers questions from the index. Safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        document: Callable[[str], Document],
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.document = document

    @property
    def reader(self):  # noqa: ANN201 - Reader, imported lazily
        from assistant.reader.runtime import load_reader

        try:
            return load_reader()
        except OSError:  # no writable user cache: keep the export with the index
            return load_reader(self.settings.cache_dir)

    # -- public -----------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        """Answer ``question`` (a follow-up is resolved against ``history`` first)."""
        t0 = time.perf_counter()
        question = _validate(question)
        standalone = condense(question, history or [])
        hits = self.retriever.search(standalone, RETRIEVE_K, filters=filters)
        answer = self._extractive(question, standalone, hits)
        if self.settings.llm_base_url:
            from assistant.llm import llm_answer

            answer = llm_answer(self.settings, answer, standalone, hits, self.document)
        answer = self._mark_drafts(answer)
        return replace(answer, latency_ms=(time.perf_counter() - t0) * 1000)

    def _mark_drafts(self, answer: Answer) -> Answer:
        """Every claim cited to a negotiating draft says, where it is cited, that it is one."""
        drafts = [
            c.n for c in answer.citations if self.document(c.doc_id).meta.doc_type is DocType.DRAFT
        ]
        if answer.abstained or not drafts:
            return answer
        text = answer.answer
        for n in drafts:
            text = text.replace(f"[{n}]", f"({DRAFT_NOTE}) [{n}]")
        if DRAFT_NOTE not in text:  # an LLM answer that dropped the marker
            text += f" ({', '.join(f'[{n}]' for n in drafts)}: {DRAFT_NOTE}.)"
        return replace(answer, answer=text)

    def stream(
        self, question: str, history: list[dict] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it grows, then the final Answer."""
        answer = self.ask(question, history, filters)
        words = re.split(r"(\s+)", answer.answer)
        text = ""
        for i in range(0, len(words), 6):
            text += "".join(words[i : i + 6])
            yield text
        yield answer

    def diagnose(
        self, question: str, history: list[dict] | None = None, top: int = 5
    ) -> list[dict]:
        """The reader's best candidates per part of the question: why it answered or withheld."""
        standalone = condense(_validate(question), history or [])
        hits = self.retriever.search(standalone, RETRIEVE_K)
        out = []
        for part in self._parts(standalone):
            for c in self._scored(part, self._candidates(hits, part))[:top]:
                out.append(
                    {
                        "part": part,
                        "prob": round(c.prob, 4),
                        "doc_id": c.unit.doc_id,
                        "text": c.unit.text[:160],
                    }
                )
        return out

    # -- extractive -------------------------------------------------------------------------

    def _parts(self, standalone: str) -> list[str]:
        parts = sub_questions(standalone)
        # A later part is read with the first one as context: "..., and when was it signed?"
        return [parts[0]] + [f"{p.rstrip('?')} ({parts[0].rstrip('?')})?" for p in parts[1:]]

    def _extractive(self, question: str, standalone: str, hits: list[Hit]) -> Answer:
        related = tuple(hits[:3])
        parts = self._parts(standalone)
        chosen: list[Candidate] = []
        notes: dict[tuple[str, int], str] = {}
        for i, part in enumerate(parts):
            part_hits = hits if i == 0 else _merge(hits, self.retriever.search(part, RETRIEVE_K))
            scored = self._scored(part, self._candidates(part_hits, part))
            picked, note = self._answer_part(part, scored)
            for c in picked:
                if all(not _same_unit(c, x) for x in chosen):
                    chosen.append(c)
            if note:
                notes[(picked[1].unit.doc_id, picked[1].unit.start)] = note
        if not chosen:
            return abstention(question, standalone, related)
        chosen = chosen[:MAX_SENTENCES]
        if not notes:  # a conflict keeps its order: the newest source leads
            rank = {c.hit.chunk.doc_id: c.rank for c in chosen}
            chosen.sort(key=lambda c: (rank[c.unit.doc_id], c.unit.doc_id, c.unit.start))
        citations: list[Citation] = []
        texts: list[str] = []
        for c in chosen:
            doc = self.document(c.unit.doc_id)
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

    def _candidates(self, hits: list[Hit], question: str) -> list[Candidate]:
        """Every answerable unit of the top passages, once, with the context the reader reads.

        Two rules stay outside the model: a pointer ("Please see Annex B") or text that
        addresses an AI as instructions is never an answer, and a question that names its
        source ("according to the RECCESSARY article") is answered from that source.
        """
        source = source_words(question)
        out: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for rank, hit in enumerate(hits[:READ_K], 1):
            doc = self.document(hit.chunk.doc_id)
            if source and not source & _source_of(doc):
                continue
            heading = hit.chunk.section or hit.chunk.title
            units = units_of(doc, hit.chunk.start, hit.chunk.end)
            for j, unit in enumerate(units):
                key = (unit.doc_id, unit.start)
                if key in seen or is_pointer(unit.text) or is_instruction_like(unit.text):
                    continue
                seen.add(key)
                prev = (
                    units[j - 1].text if j and units[j - 1].block_start == unit.block_start else ""
                )
                body = self._list_text(doc, unit) if unit.list_intro else unit.text
                out.append(Candidate(unit, hit, rank, candidate_text(body, heading, prev)))
        return out

    def _scored(self, question: str, cands: list[Candidate]) -> list[Candidate]:
        if not cands:
            return []
        probs = self.reader.score(strip_source(question), [c.text for c in cands])
        scored = [replace(c, prob=float(p)) for c, p in zip(cands, probs, strict=True)]
        # Kept rule: the candidate must hold the kind of fact asked for (a date for "when",
        # an amount for "how much"; ``sentences.satisfies``). Same run on dev + test at the
        # chosen threshold: abstention 0.26 → 0.42, citation precision 0.78 → 0.81, fact
        # accuracy 0.737 → 0.726, false abstention unchanged (evals/README.md).
        if TYPED:
            kind = answer_type(question)
            scored = [c if satisfies(kind, c.text.split(" | ")[0]) else replace(c, prob=0.0)
                      for c in scored]  # fmt: skip
        return sorted(scored, key=lambda c: -c.prob)

    def _answer_part(
        self, question: str, scored: list[Candidate]
    ) -> tuple[list[Candidate], str | None]:
        """The candidates that answer one part; with a second, older source, a note."""
        if not scored or scored[0].prob < ANSWER_THRESHOLD:
            return [], None
        best = scored[0]
        kind = answer_type(question)
        if kind is AnswerType.LIST or best.unit.list_intro or _is_fragment_item(best.unit):
            listed = self._whole_list(best)
            if listed is not None:
                return [listed], None
        if not source_words(question):
            found = _conflict(best, scored, kind, question)
            if found is not None:
                newer, old, note = found
                return [newer, old], note
        picked = [best]
        for c in scored[1:]:
            if c.prob >= max(ANSWER_THRESHOLD, SECOND_RATIO * best.prob):
                picked.append(c)
                break
        return picked, None

    def _list_text(self, doc: Document, unit: Unit) -> str:
        items = []
        for b in doc.blocks:
            if b.start < unit.block_end:
                continue
            if b.kind not in ITEM_KINDS:
                break
            items.append(doc.text[b.start : b.end])
        return " ".join([unit.text, *items])

    def _whole_list(self, best: Candidate) -> Candidate | None:
        """The list the best unit belongs to (its introducing sentence and items) as one unit."""
        doc = self.document(best.unit.doc_id)
        blocks = list(doc.blocks)
        idx = next((i for i, b in enumerate(blocks) if b.start == best.unit.block_start), None)
        if idx is None:
            return None
        start_i = idx
        if blocks[idx].kind in ITEM_KINDS:
            while start_i > 0 and blocks[start_i - 1].kind is blocks[idx].kind:
                start_i -= 1
            if start_i > 0 and blocks[start_i - 1].kind is BlockKind.PARAGRAPH:
                start_i -= 1
        end_i = start_i + 1 if blocks[start_i].kind is BlockKind.PARAGRAPH else start_i
        while end_i < len(blocks) and blocks[end_i].kind in ITEM_KINDS:
            end_i += 1
        if end_i - start_i < 2:
            return None
        first = blocks[start_i]
        s = (
            best.unit.start
            if first.start == best.unit.block_start
            and first.kind is BlockKind.PARAGRAPH
            and best.unit.list_intro
            else first.start
        )
        e = blocks[end_i - 1].end
        unit = Unit(doc.doc_id, s, e, doc.text[s:e], BlockKind.LIST_ITEM, first.start, e, True)
        return replace(best, unit=unit)


def _merge(a: list[Hit], b: list[Hit]) -> list[Hit]:
    seen = {h.chunk.chunk_id for h in b}
    return b + [h for h in a if h.chunk.chunk_id not in seen]


_STATUS = re.compile(
    r"\b(current|currently|still|latest|up to date|up-to-date|so far|to date|yet|now)\b"
    r"|^\s*(have|has)\b",
    re.I,
)
_COUNT_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip


def _conflict(
    best: Candidate, scored: list[Candidate], kind: AnswerType, question: str
) -> tuple[Candidate, Candidate, str] | None:
    """Two differently dated sources that disagree: (newer, older, how they differ).

    A count whose figure differs between documents of different dates, or a question about
    the current state ("have they concluded ...?") that a newer document also answers. The
    reader judges both candidates; this only compares their figures and dates.
    """
    status = bool(_STATUS.search(question))
    if kind is not AnswerType.COUNT and not status:
        return None
    mine = _numbers(best.unit.text)
    for c in scored[1:]:
        if c.prob < ANSWER_THRESHOLD:
            break
        if c.unit.doc_id == best.unit.doc_id or c.hit.chunk.published == best.hit.chunk.published:
            continue
        theirs = _numbers(c.unit.text)
        if kind is AnswerType.COUNT and mine and theirs and not (mine & theirs):
            newer, old = sorted([best, c], key=lambda x: _date_key(x.hit), reverse=True)
            return newer, old, "gives a different figure"
        if status and _date_key(c.hit) > _date_key(best.hit):
            return c, best, "said"
    return None


def _is_fragment_item(unit: Unit) -> bool:
    """A list item or table row that is not a sentence of its own ("Those under ...;")."""
    text = unit.text.strip()
    return unit.kind in ITEM_KINDS and (
        not re.search(r"[.!?][\"”’)]?$", text) or text[:1].islower()
    )


def _same_unit(a: Candidate, b: Candidate) -> bool:
    return a.unit.doc_id == b.unit.doc_id and a.unit.start == b.unit.start


def _source_of(doc: Document) -> frozenset[str]:
    """Words that name a document: its title, publisher and id."""
    text = f"{doc.meta.title} {doc.meta.publisher} {doc.doc_id}"
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text))


# Terminal escape sequences (CSI, OSC, two-byte) as pasted from a shell. Control characters
# are dropped one by one below, which would leave "[0m" of "\x1b[0m" in the question.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)


def _validate(question: str) -> str:
    q = _ESCAPES.sub("", question) if isinstance(question, str) else question
    q = " ".join((q or "").split())
    q = "".join(ch for ch in q if ch.isprintable())
    if not q:
        raise QueryError("The question is empty: type a question about the documents.")
    if len(q) > MAX_QUESTION_CHARS:
        raise QueryError(
            f"The question is {len(q):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
            "Ask a shorter question."
        )
    return q


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


def _render(unit: Unit, doc: Document) -> str:
    text = doc.text[unit.start : unit.end]
    return text if "\n" in text and unit.list_intro else " ".join(text.split())


def _numbers(text: str) -> set[int]:
    """The counts a sentence states: not versions ("6.2"), references ("Article 6") or days."""
    text = without_non_counts(text)
    nums = {int(n) for n in re.findall(r"\b(\d{1,3})\b", text)}
    nums |= {v for w, v in _COUNT_WORDS.items() if re.search(rf"\b{w}\b", text, re.I)}
    return nums


def _date_key(hit: Hit) -> str:
    return hit.chunk.published.isoformat() if hit.chunk.published else ""


def _date_str(hit: Hit) -> str:
    p = hit.chunk.published
    return p.strftime("%-d %B %Y") if p else "undated"
