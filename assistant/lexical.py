"""BM25 over chunks with bm25s: stemmed English tokens, stopwords removed.

The index is always built from the chunks that are in Chroma (see ``retrieval.Snapshot``),
so BM25 and dense retrieval can never disagree about what exists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

# Keep single digits ("5 per cent", "Scenario 2a" → "2a") that bm25s' default pattern drops.
TOKEN_PATTERN = r"(?u)\b(?:\w\w+|\d)\b"


def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


class BM25Index:
    """A bm25s index over a fixed list of texts; search returns (position, score) pairs."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        # bm25s sets its logger to DEBUG on import and then logs every index build.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._stem = _stemmer()
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(
                list(texts),
                stopwords="en",
                stemmer=self._stem,
                token_pattern=TOKEN_PATTERN,
                show_progress=False,
            )
            self._bm25.index(tokens, show_progress=False)

    def tokenize(self, query: str) -> list[str]:
        import bm25s

        return bm25s.tokenize(
            [query],
            stopwords="en",
            stemmer=self._stem,
            token_pattern=TOKEN_PATTERN,
            show_progress=False,
            return_ids=False,
        )[0]

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``n`` positions with a positive score. ``mask`` (0/1 per text) filters."""
        if self.size == 0:
            return []
        tokens = self.tokenize(query)
        if not tokens:
            return []
        docs, scores = self._bm25.retrieve(
            [tokens],
            k=min(n, self.size),
            show_progress=False,
            weight_mask=None if mask is None else mask.astype(np.float32),
            n_threads=1,
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
