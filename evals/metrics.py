"""Ranking metrics: pure functions of one ranked list and its relevance judgements.

Every function takes ``ranked`` (ids, best first; duplicates after the first occurrence
are ignored, as trec_eval does) and ``relevant`` ({id: grade}; a grade ≤ 0 means not
relevant, as in BEIR qrels). Averaging over queries is the caller's job (:func:`mean`).
The definitions are the standard ones used by BEIR/MTEB (pytrec_eval), so figures are
comparable with published baselines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

Relevance = Mapping[str, float]


def _unique(ranked: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for x in ranked:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _positive(relevant: Relevance) -> set[str]:
    return {d for d, g in relevant.items() if g > 0}


def hit_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """1.0 when any relevant id is among the first ``k``, else 0.0."""
    wanted = _positive(relevant)
    return float(any(d in wanted for d in _unique(ranked)[:k]))


def reciprocal_rank(ranked: Sequence[str], relevant: Relevance, k: int | None = None) -> float:
    """1/rank of the first relevant id (within the first ``k`` if given), else 0.0.

    The mean of this over queries is MRR (MRR@k with ``k``).
    """
    wanted = _positive(relevant)
    for rank, d in enumerate(_unique(ranked)[:k], 1):
        if d in wanted:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """Share of the relevant ids found in the first ``k``; 0.0 when nothing is relevant."""
    wanted = _positive(relevant)
    if not wanted:
        return 0.0
    return len(wanted.intersection(_unique(ranked)[:k])) / len(wanted)


def ndcg_at_k(ranked: Sequence[str], relevant: Relevance, k: int) -> float:
    """Normalised DCG over the first ``k``, with linear gains (the grade) and log2 discounts.

    DCG = Σ grade(d_i) / log2(i + 1) for i = 1..k; the ideal ranking sorts all judged ids by
    grade. This is trec_eval's ``ndcg_cut`` (what BEIR reports); with binary qrels the gain
    choice (linear or 2^g − 1) makes no difference. 0.0 when nothing is relevant.
    """
    gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(gains, 1))
    if ideal == 0:
        return 0.0
    dcg = sum(
        relevant.get(d, 0) / math.log2(i + 1)
        for i, d in enumerate(_unique(ranked)[:k], 1)
        if relevant.get(d, 0) > 0
    )
    return dcg / ideal


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values (an empty evaluation scores nothing)."""
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def pct(values: Sequence[float], q: float) -> float:
    """The benchmarks' latency percentile (``q`` in 0..1): the value at rank
    ``round(q * (n - 1))`` of the sorted values; NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]
