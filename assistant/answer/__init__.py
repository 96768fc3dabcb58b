"""Answer: question + hits → a cited ``Answer`` or an honest abstention.

The extractive path runs ``candidates`` → ``scoring`` (the trained ``reader``) →
``selection`` → ``render``; ``composer`` (:class:`Answerer`) drives it, after ``followup``
makes a follow-up standalone. ``llm`` is the optional LLM writer and its verification; it
shares ``render`` (abstention, draft marking) and ``citations`` with the extractive path and
imports neither the composer nor anything after it. ``sentences`` cuts passages into units.
``rerank`` re-orders retrieved passages by what the reader finds in them (search uses it).
"""

from assistant.answer.citations import cite_quote, cite_span
from assistant.answer.composer import Answerer, validate_question
from assistant.answer.render import DRAFT_NOTE, abstention
from assistant.answer.rerank import RERANK_POOL, is_question
from assistant.answer.selection import ANSWER_THRESHOLD

__all__ = [
    "ANSWER_THRESHOLD",
    "DRAFT_NOTE",
    "RERANK_POOL",
    "Answerer",
    "abstention",
    "cite_quote",
    "cite_span",
    "is_question",
    "validate_question",
]
