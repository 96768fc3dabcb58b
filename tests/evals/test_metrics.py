"""Ranking metrics on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from evals.metrics import hit_at_k, mean, ndcg_at_k, recall_at_k, reciprocal_rank

RANKED = ["a", "b", "c", "d"]
BINARY = {"b": 1, "d": 1}


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (2, 1.0), (10, 1.0)])
def test_hit_at_k(k: int, expected: float) -> None:
    assert hit_at_k(RANKED, BINARY, k) == expected


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKED, BINARY) == 0.5
    assert reciprocal_rank(RANKED, {"d": 1}) == 0.25
    assert reciprocal_rank(RANKED, {"d": 1}, k=3) == 0.0  # MRR@3 stops before "d"
    assert reciprocal_rank(RANKED, {"z": 1}) == 0.0


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (2, 0.5), (3, 0.5), (4, 1.0), (100, 1.0)])
def test_recall_at_k(k: int, expected: float) -> None:
    assert recall_at_k(RANKED, BINARY, k) == expected


def test_ndcg_binary() -> None:
    # DCG = 1/log2(3) + 1/log2(5); ideal puts both relevant ids first: 1/log2(2) + 1/log2(3).
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, BINARY, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(RANKED, BINARY, 10) == pytest.approx(0.650921, abs=1e-6)
    assert ndcg_at_k(["b", "d", "a"], BINARY, 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, BINARY, 1) == 0.0


def test_ndcg_graded_and_cut_off() -> None:
    graded = {"x": 1, "y": 2}
    # DCG = 1/1 + 2/log2(3); ideal = 2/1 + 1/log2(3).
    assert ndcg_at_k(["x", "y"], graded, 10) == pytest.approx(
        (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    # At k=1 the ideal holds only the best grade: 1 / 2.
    assert ndcg_at_k(["x", "y"], graded, 1) == pytest.approx(0.5)
    # Three relevant ids but k=2: the ideal DCG uses two, so a perfect top 2 scores 1.
    assert ndcg_at_k(["p", "q"], {"p": 1, "q": 1, "r": 1}, 2) == pytest.approx(1.0)


def test_duplicates_and_non_relevant_grades() -> None:
    # A repeated id counts once, at its first rank (trec_eval's behaviour).
    assert reciprocal_rank(["a", "a", "b"], {"b": 1}) == 0.5
    assert recall_at_k(["a", "a", "b"], {"b": 1}, 2) == 1.0
    # Grade 0 (judged not relevant) and negative grades are not relevant.
    judged = {"a": 0, "b": -1, "c": 1}
    assert hit_at_k(RANKED, judged, 2) == 0.0
    assert recall_at_k(RANKED, judged, 3) == 1.0
    assert ndcg_at_k(RANKED, judged, 3) == pytest.approx(1 / math.log2(4))


def test_nothing_relevant_scores_zero() -> None:
    for fn in (hit_at_k, recall_at_k, ndcg_at_k):
        assert fn(RANKED, {}, 10) == 0.0
    assert reciprocal_rank([], BINARY) == 0.0
    assert ndcg_at_k([], BINARY, 10) == 0.0


def test_mean() -> None:
    assert mean([1.0, 0.0, 0.5]) == 0.5
    assert mean([]) == 0.0
    assert mean(x / 2 for x in range(3)) == 0.5
