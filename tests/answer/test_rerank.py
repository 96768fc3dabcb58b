"""Search re-ranked by the reader: hybrid order fused with the order of what the reader finds."""

from __future__ import annotations

import re

import pytest

from assistant.types import Hit, RetrievalMode

QUESTION = "How much of its taxable emissions may a company offset with international credits?"


def _first(hits: list[Hit], pattern: str, unless: str = "$^") -> Hit:
    return next(
        h for h in hits if re.search(pattern, h.chunk.text) and not re.search(unless, h.chunk.text)
    )


def test_the_passage_the_reader_answers_from_rises(corpus_assistant) -> None:
    a = corpus_assistant
    about_else = r"5%|five per cent|offset|emissions"
    off_topic = [
        _first(
            a.search("Supervisory Body membership", 10, rerank=False), "Supervisory", about_else
        ),
        _first(
            a.search("Joint Committee co-chairs for Peru", 10, rerank=False),
            r"co-chair",
            about_else,
        ),
    ]
    answering = _first(a.search(QUESTION, 10, rerank=False), r"5%|five per cent")
    pool = [*off_topic, answering]  # retrieval put the answer last
    reranked = a.answerer.rerank(QUESTION, pool)
    ids = [h.chunk.chunk_id for h in reranked]
    assert sorted(ids) == sorted(h.chunk.chunk_id for h in pool)
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)
    # fused with its retrieval rank (3rd) it passes the off-topic passage the reader ranks last
    assert ids.index(answering.chunk.chunk_id) < 2, [h.chunk.text[:60] for h in reranked]


def test_search_reranks_hybrid_only_and_only_when_on(corpus_assistant) -> None:
    a = corpus_assistant
    plain = a.retriever.search(QUESTION, 10)
    assert [h.chunk.chunk_id for h in a.search(QUESTION, 5, rerank=False)] == [
        h.chunk.chunk_id for h in plain[:5]
    ]
    reranked = a.search(QUESTION, 5)
    assert a.settings.rerank
    assert [h.chunk.chunk_id for h in reranked] == [
        h.chunk.chunk_id for h in a.answerer.rerank(QUESTION, plain)[:5]
    ]
    assert {h.chunk.chunk_id for h in reranked} <= {h.chunk.chunk_id for h in plain}
    for mode in (RetrievalMode.BM25, RetrievalMode.DENSE):
        assert [h.chunk.chunk_id for h in a.search(QUESTION, 5, mode=mode)] == [
            h.chunk.chunk_id for h in a.retriever.search(QUESTION, 5, mode=mode)
        ]


def test_an_abstention_shows_the_passages_search_would(corpus_assistant) -> None:
    question = "What is the price per tonne of ITMOs under the Singapore-Ghana agreement?"
    answer = corpus_assistant.ask(question)
    assert answer.abstained, answer.answer
    expected = corpus_assistant.answerer.rerank(
        question, corpus_assistant.retriever.search(question, 8)
    )
    assert [h.chunk.chunk_id for h in answer.related] == [h.chunk.chunk_id for h in expected[:3]]


def test_a_long_result_list_keeps_its_tail_as_retrieval_ranked_it(corpus_assistant) -> None:
    # Only the first RERANK_POOL are re-ordered: re-ranking a hundred hits (BEIR's depth)
    # lifted every passage the reader happened to read over better-retrieved ones (SciFact
    # nDCG@10 0.736 -> 0.700).
    from assistant.answer import RERANK_POOL

    a = corpus_assistant
    k = RERANK_POOL + 8
    plain = a.retriever.search(QUESTION, k)
    assert len(plain) == k
    hits = a.search(QUESTION, k)
    ids = [h.chunk.chunk_id for h in hits]
    assert ids[RERANK_POOL:] == [h.chunk.chunk_id for h in plain[RERANK_POOL:]]
    assert sorted(ids[:RERANK_POOL]) == sorted(h.chunk.chunk_id for h in plain[:RERANK_POOL])


@pytest.mark.parametrize(
    ("query", "question"),
    [
        ("How much may a company offset?", True),
        ("carbon tax rate in 2026?", True),
        ("Under 2/CMA.3, what is a first transfer", True),
        ("is VM0044 eligible for PNG", True),
        ("For those, how recent may it be? (Which list applies)", True),  # a follow-up
        ("carbon tax rate in 2026", False),  # keywords
        ("0-dimensional biomaterials lack inductive properties.", False),  # a SciFact claim
        ("howl of the wind", False),
    ],
)
def test_only_questions_are_re_ranked(corpus_assistant, query: str, question: bool) -> None:
    from assistant.answer import is_question

    assert is_question(query) is question
    a = corpus_assistant
    plain = [h.chunk.chunk_id for h in a.search(query, 5, rerank=False)]
    searched = [h.chunk.chunk_id for h in a.search(query, 5)]
    if not question:
        assert searched == plain
