"""BM25 over chunks with bm25s: Snowball-stemmed English tokens, stopwords removed.

The index is always built from the chunks that are in Chroma (see ``retrieval.Snapshot``),
so BM25 and dense retrieval can never disagree about what exists.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

# Keep single digits ("5 per cent", "Scenario 2a" → "2a") that bm25s' default pattern drops.
TOKEN_PATTERN = r"(?u)\b(?:\w\w+|\d)\b"
# Ranking drops NLTK's 179 English stopwords (bm25s "en_plus"), not just Lucene's 33 ("en"):
# questions are full sentences ("what", "does", "should", "under" ...) and those words
# otherwise pull in any chunk that happens to repeat them. Measured: BM25 MRR@10 on the
# corpus gold set 0.787 → 0.815; SciFact train nDCG@10 0.700 → 0.702.
STOPWORDS = "en_plus"
# The composer's key terms drop the same list: with Lucene's 33 words, "from", "under", "it",
# "her", "been", "more" ... counted as key terms that no answer repeats, diluting every
# sentence's coverage by an amount that depended on the phrasing, not on the question.
TERM_STOPWORDS = "en_plus"
# bm25s's Lucene BM25 defaults. A k1 × b grid on SciFact train moved nDCG@10 by < 0.002,
# so the familiar values stay.
K1 = 1.5
B = 0.75


def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def describe() -> dict:
    """The lexical configuration, for benchmark reports."""
    return {
        "token_pattern": TOKEN_PATTERN,
        "stemmer": "snowball-english",
        "stopwords": STOPWORDS,
        "term_stopwords": TERM_STOPWORDS,
        "k1": K1,
        "b": B,
    }


class TermTokenizer:
    """Stemmed content words (Lucene's stopwords removed), for the composer's term statistics.

    Ranking drops more (see ``STOPWORDS``); this contract stays fixed for other stages.
    Results are memoised per text: the composer tokenises the same sentences and headings for
    every question, and bm25s' per-call set-up (a progress bar object, stopword set) costs more
    than the tokenising itself. Safe to share between threads.
    """

    def __init__(self, max_entries: int = 200_000) -> None:
        self._stem = _stemmer()
        self._memo: dict[str, tuple[str, ...]] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        fresh: dict[str, tuple[str, ...]] = {}
        if todo:
            import bm25s

            with self._lock:  # PyStemmer's stemmer object is not thread-safe
                tokens = bm25s.tokenize(
                    todo,
                    stopwords=TERM_STOPWORDS,
                    stemmer=self._stem,
                    token_pattern=TOKEN_PATTERN,
                    show_progress=False,
                    return_ids=False,
                )
                fresh = {t: tuple(toks) for t, toks in zip(todo, tokens, strict=True)}
                if len(self._memo) < self._max:  # bounded: past the cap, texts are re-tokenised
                    self._memo.update(fresh)
        return [fresh[t] if t in fresh else self._memo[t] for t in texts]

    def __call__(self, text: str) -> tuple[str, ...]:
        return self.many([text])[0]


class BM25Index:
    """A bm25s index over a fixed list of texts; search returns (position, score) pairs."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        # bm25s sets its logger to DEBUG on import and then logs every index build.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._stem = _stemmer()
        self.size = len(texts)
        self._bm25 = bm25s.BM25(k1=K1, b=B)
        if texts:
            self._bm25.index(self._tokens(texts, STOPWORDS), show_progress=False)

    def _tokens(self, texts: Sequence[str], stopwords: str) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(
            list(texts),
            stopwords=stopwords,
            stemmer=self._stem,
            token_pattern=TOKEN_PATTERN,
            show_progress=False,
            return_ids=False,
        )

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``n`` positions with a positive score. ``mask`` (0/1 per text) filters."""
        if self.size == 0:
            return []
        tokens = self._tokens([query], STOPWORDS)[0]
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
