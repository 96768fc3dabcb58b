"""The same text in two files is one place in the ranking: which copy to cite, and what
counts as a copy."""

from __future__ import annotations

import re

from assistant.types import Chunk, DocType

# Which copy of a text to cite: the most authoritative kind of document, then the published
# (paginated) form, then the newest. A draft comes last: adopted text always wins.
_AUTHORITY = {
    DocType.TREATY: 0,
    DocType.DECISION: 1,
    DocType.AGREEMENT: 2,
    DocType.ANNEX: 2,
    DocType.ELIGIBILITY_LIST: 3,
    DocType.MEDIA_RELEASE: 4,
    DocType.WEB_PAGE: 5,
    DocType.ARTICLE: 6,
    DocType.OTHER: 7,
    DocType.DRAFT: 9,
}


def preference(chunk: Chunk) -> tuple[int, bool, int]:
    """Sort key of copies of the same text: lowest is the copy to cite."""
    day = chunk.published.toordinal() if chunk.published else 0
    return (_AUTHORITY.get(chunk.doc_type, 7), chunk.page is None, -day)


def shingles(text: str, n: int = 5) -> frozenset[int]:
    """Hashes of the text's runs of ``n`` words (lower-cased, punctuation ignored)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(hash(tuple(words[i : i + n])) for i in range(max(len(words) - n + 1, 1)))


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Most of the shorter text's 5-word runs (:func:`shingles`) recur in the other: a copy,
    whatever the layout or chunk boundaries. Exact word runs, not embeddings: paraphrases
    stay apart."""
    return bool(a and b) and len(a & b) >= 0.6 * min(len(a), len(b))
