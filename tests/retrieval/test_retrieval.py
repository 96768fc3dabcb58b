from __future__ import annotations

import re
import socket
from datetime import date

import pytest

from assistant.retrieval import Filters, fuse, make_llama_retriever
from assistant.types import FusionMethod, RetrievalMode


def test_hybrid_finds_the_offset_limit(corpus_assistant) -> None:
    hits = corpus_assistant.search(
        "How much of its taxable emissions may a company cover with foreign credits?", 3
    )
    # the limit is stated in the list's release and in the Eligibility Criteria release
    assert any(re.search(r"five per cent|5%", h.chunk.text) for h in hits[:1])
    assert {h.chunk.doc_id for h in hits} & {
        "sg-icc-eligibility-list-2023",
        "sg-icc-eligibility-list-2023-pdf",
        "mse-icc-eligibility-criteria-2023",
    }


@pytest.mark.parametrize("mode", list(RetrievalMode))
def test_every_mode_returns_ranked_unique_hits(corpus_assistant, mode: RetrievalMode) -> None:
    hits = corpus_assistant.search("Joint Committee co-chairs for Peru", 5, mode=mode)
    assert hits and len({h.chunk.chunk_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(h.chunk.doc_id == "sg-peru-ia-overview" for h in hits)


@pytest.mark.parametrize("fusion", list(FusionMethod))
def test_every_fusion_method(corpus_assistant, fusion: FusionMethod) -> None:
    hits = corpus_assistant.search("carbon tax rate in 2026", 3, fusion=fusion)
    assert any("S$45" in h.chunk.text for h in hits)


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (Filters(doc_ids=("sg-peru-mou-2022",)), {"sg-peru-mou-2022"}),
        (Filters(doc_types=("article",)), {"reccessary-asia-pacific-article6"}),
        (
            Filters(countries=("papua new guinea",)),
            {
                "sg-icc-eligibility-list-2023",
                "sg-icc-eligibility-list-2023-pdf",
                "sg-international-collaboration",
                "mse-png-implementation-agreement-2023",
            },
        ),
        (
            Filters(date_from=date(2025, 1, 1)),
            {
                "sg-international-collaboration",
                "sg-peru-ia-overview",
                "reccessary-asia-pacific-article6",
            },
        ),
        (
            Filters(date_to=date(2023, 12, 31)),
            {
                "sg-peru-mou-2022",
                "sg-icc-eligibility-list-2023",
                "sg-icc-eligibility-list-2023-pdf",
                "unfccc-paris-agreement",
                "unfccc-decision-1-cp21",
                "unfccc-decisions-1-4-cma3",
                "mse-icc-eligibility-criteria-2023",
                "mse-png-implementation-agreement-2023",
            },
        ),
    ],
)
def test_filters(corpus_assistant, filters: Filters, allowed: set[str]) -> None:
    for mode in RetrievalMode:
        hits = corpus_assistant.search(
            "Singapore carbon credits agreement", 10, mode=mode, filters=filters
        )
        assert hits and {h.chunk.doc_id for h in hits} <= allowed


def test_filter_matching_nothing_returns_nothing(corpus_assistant) -> None:
    assert corpus_assistant.search("carbon", 5, filters=Filters(countries=("Atlantis",))) == []


def test_rrf_and_convex_fusion_rules() -> None:
    dense = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    lexical = [("c", 12.0), ("a", 3.0)]
    rrf = dict(fuse(dense, lexical, FusionMethod.RRF, rrf_k=60))
    assert rrf["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert rrf["b"] == pytest.approx(1 / 62)
    convex = fuse(dense, lexical, FusionMethod.CONVEX, dense_weight=0.5)
    assert convex[0][0] in {"a", "c"} and dict(convex)["b"] == pytest.approx(0.5 * 0.5)
    weighted = dict(fuse(dense, lexical, FusionMethod.WEIGHTED_RRF, dense_weight=1.0))
    assert "c" in weighted and weighted["b"] > 0


def test_llama_index_retriever_composes(corpus_assistant) -> None:
    retriever = make_llama_retriever(corpus_assistant.retriever, k=2)
    nodes = retriever.retrieve("Who signed the Peru MOU?")
    assert len(nodes) == 2
    assert nodes[0].node.metadata["doc_id"]
    assert "start" in nodes[0].node.metadata and nodes[0].score > 0


def test_ingest_and_search_work_with_sockets_blocked(fresh_assistant, monkeypatch) -> None:
    """No network at run time: every socket (even loopback) is refused, and it still works."""

    def refuse(*args, **kwargs):
        raise OSError("network is disabled for this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    import shutil

    from tests.conftest import CORPUS

    shutil.copy(CORPUS / "002_b733d8bb322409ec.txt", fresh_assistant.settings.corpus_dir)
    report = fresh_assistant.ingest()
    assert report.added and not report.failed
    assert fresh_assistant.search("carbon tax rate", 1)


def test_an_answer_reads_the_index_generation_once(fresh_assistant, monkeypatch) -> None:
    """One question, one snapshot: search, re-ranking and the documents an answer quotes
    share it, and a change made meanwhile (by any process) shows from the next question on."""
    import shutil

    from tests.conftest import CORPUS

    shutil.copy(CORPUS / "002_b733d8bb322409ec.txt", fresh_assistant.settings.corpus_dir)
    assert fresh_assistant.ingest().added
    retriever, store = fresh_assistant.retriever, fresh_assistant.store
    reads = []
    real = store.generation
    monkeypatch.setattr(store, "generation", lambda: reads.append(1) or real())

    answer = fresh_assistant.ask("What carbon tax rate applies in 2024 and 2025?")
    assert not answer.abstained and answer.citations
    assert len(reads) == 1
    reads.clear()
    assert fresh_assistant.search("What carbon tax rate applies in 2026?", 3)
    assert len(reads) == 1

    with retriever.pinned() as snap:
        store.bump_generation()  # as another process's ingest would
        assert retriever.snapshot() is snap
        with retriever.pinned() as inner:
            assert inner is snap
        fresh_assistant.ask("What carbon tax rate applies in 2026?")
        assert retriever.snapshot() is snap
    after = retriever.snapshot()
    assert after is not snap and after.generation != snap.generation
