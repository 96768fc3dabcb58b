"""Two ranked lists (dense, BM25) → one: RRF, weighted RRF or a convex combination."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.types import FusionMethod


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    method: FusionMethod,
    rrf_k: int = 60,
    dense_weight: float = 0.5,
) -> list[tuple[str, float]]:
    """Fuse two ranked lists of (id, score) into one, best first.

    RRF: sum of 1/(k + rank). Weighted RRF: the same with ``dense_weight`` and its
    complement. Convex: ``w·dense + (1-w)·bm25`` on min-max normalised scores.
    """
    scores: dict[str, float] = {}
    if method is FusionMethod.CONVEX:
        for weight, ranked in ((dense_weight, dense), (1 - dense_weight, lexical)):
            if not ranked:
                continue
            vals = np.array([s for _, s in ranked], dtype=np.float64)
            lo, hi = float(vals.min()), float(vals.max())
            span = hi - lo or 1.0
            for cid, s in ranked:
                scores[cid] = scores.get(cid, 0.0) + weight * ((s - lo) / span if hi > lo else 1.0)
    else:
        wd, wl = (
            (dense_weight, 1 - dense_weight) if method is FusionMethod.WEIGHTED_RRF else (1.0, 1.0)
        )
        for weight, ranked in ((wd, dense), (wl, lexical)):
            for rank, (cid, _) in enumerate(ranked, 1):
                scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
