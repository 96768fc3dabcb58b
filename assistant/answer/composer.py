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
from dataclasses import replace

from assistant.answer.candidates import Candidate, candidates
from assistant.answer.followup import condense
from assistant.answer.render import abstention, cited_answer, mark_drafts
from assistant.answer.rerank import is_question, rerank
from assistant.answer.scoring import scored
from assistant.answer.selection import (
    answer_part,
    in_reading_order,
    same_unit,
    with_rest_of_paragraph,
)
from assistant.answer.sentences import named_places, sub_questions
from assistant.config import Settings
from assistant.errors import QueryError
from assistant.retrieval import Filters, Retriever
from assistant.types import Answer, Document, Hit

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
RETRIEVE_K = 8  # passages retrieved


class Answerer:
    """Answers questions from the index. Safe to share between threads.

    The flow is candidates (``candidates``) → reader scores (``scoring``) → selection
    (``selection``) → a cited answer or an abstention (``render``).
    """

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
        from assistant.answer.reader.runtime import WEIGHTS, load_reader

        weights = self.settings.reader_weights or WEIGHTS
        try:
            return load_reader(weights=weights)
        except OSError:  # no writable user cache: keep the export with the index
            return load_reader(self.settings.cache_dir, weights)

    # -- public -----------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        """Answer ``question`` (a follow-up is resolved against ``history`` first)."""
        t0 = time.perf_counter()
        question = validate_question(question)
        standalone = condense(question, history or [])
        with self.retriever.pinned():
            hits = self.retriever.search(standalone, RETRIEVE_K, filters=filters)
            answer = self._extractive(question, standalone, hits)
            if self.settings.llm_base_url:
                from assistant.answer.llm import llm_answer

                answer = llm_answer(self.settings, answer, standalone, hits, self.document)
            answer = mark_drafts(answer, self.document)
        return replace(answer, latency_ms=(time.perf_counter() - t0) * 1000)

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

    def reranks(self, query: str, on: bool | None = None) -> bool:
        """Whether search re-ranks ``query`` (``on``, default ``settings.rerank``): only a
        question is re-ranked (:func:`assistant.answer.rerank.is_question`)."""
        return (self.settings.rerank if on is None else on) and is_question(query)

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` re-ranked by what the reader finds in them (:mod:`assistant.answer.rerank`)."""
        return rerank(self.reader, query, hits, self.document)

    def diagnose(
        self, question: str, history: list[dict] | None = None, top: int = 5
    ) -> list[dict]:
        """The reader's best candidates per part of the question: why it answered or withheld."""
        standalone = condense(validate_question(question), history or [])
        hits = self.retriever.search(standalone, RETRIEVE_K)
        out = []
        for part in _parts(standalone):
            for c in self._scored(part, hits)[:top]:
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

    def _scored(self, part: str, hits: list[Hit]) -> list[Candidate]:
        snap = self.retriever.snapshot()
        places = named_places(part, [r.meta.countries for r in snap.records.values()])
        return scored(self.reader, part, candidates(hits, part, self.document, places))

    def _extractive(self, question: str, standalone: str, hits: list[Hit]) -> Answer:
        chosen: list[Candidate] = []
        notes: dict[tuple[str, int], str] = {}
        for i, part in enumerate(_parts(standalone)):
            part_hits = hits if i == 0 else _merge(hits, self.retriever.search(part, RETRIEVE_K))
            picked, note = answer_part(part, self._scored(part, part_hits), self.document)
            for c in picked:
                if all(not same_unit(c, x) for x in chosen):
                    chosen.append(c)
            if note:
                notes[(picked[1].unit.doc_id, picked[1].unit.start)] = note
        if not chosen:  # the closest passages, ordered as search orders them
            if self.reranks(standalone):
                hits = self.rerank(standalone, hits)
            related = tuple(hits[:3])
            return abstention(question, standalone, related)
        chosen = with_rest_of_paragraph(chosen, self.document)
        chosen = in_reading_order(chosen, conflict=bool(notes))
        return cited_answer(question, standalone, chosen, notes, self.document)


def _parts(standalone: str) -> list[str]:
    parts = sub_questions(standalone)
    # A later part is read with the first one as context: "..., and when was it signed?"
    return [parts[0]] + [f"{p.rstrip('?')} ({parts[0].rstrip('?')})?" for p in parts[1:]]


def _merge(a: list[Hit], b: list[Hit]) -> list[Hit]:
    seen = {h.chunk.chunk_id for h in b}
    return b + [h for h in a if h.chunk.chunk_id not in seen]


# Terminal escape sequences (CSI, OSC, two-byte) as pasted from a shell. Control characters
# are dropped one by one below, which would leave "[0m" of "\x1b[0m" in the question.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)


def validate_question(question: str) -> str:
    """``question`` with terminal escapes, control characters and runs of spaces removed.

    Raises:
        QueryError: it is empty, or longer than ``MAX_QUESTION_CHARS``.
    """
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
