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


def within(a: frozenset[int], b: frozenset[int]) -> bool:
    """Most of ``a``'s 5-word runs (:func:`shingles`) recur in ``b``: ``b`` holds the text of
    ``a``, whatever the layout or chunk boundaries. Exact word runs, not embeddings:
    paraphrases stay apart."""
    return bool(a and b) and len(a & b) >= 0.6 * len(a)


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """The shorter text is :func:`within` the other."""
    return within(a, b) if len(a) <= len(b) else within(b, a)


def merge_copy(
    hits: list[tuple[Chunk, frozenset[int]]], chunk: Chunk, sh: frozenset[int]
) -> int | None:
    """Where ``chunk`` (with its :func:`shingles` ``sh``), ranked after ``hits``, goes among
    them: the index of the hit it replaces (a copy of it, preferred), ``-1`` to drop it (its
    text is already there), or None to add it as a hit of its own.

    A chunk that holds a copied paragraph and more is not a copy: a release's passage that
    ends in the paragraph another release repeats ("Singapore has concluded substantive
    negotiations with ...") keeps its own place, or its first paragraph (the Joint
    Committee's co-chairs) could never be found. It replaces the copy only when preferred."""
    for i, (kept, seen) in enumerate(hits):
        if within(sh, seen):
            # Already there: the preferred copy takes its place only when it holds all of it.
            return i if within(seen, sh) and preference(chunk) < preference(kept) else -1
        if within(seen, sh) and preference(chunk) < preference(kept):
            return i
    return None
