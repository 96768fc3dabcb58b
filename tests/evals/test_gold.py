"""Gold-set hygiene: every supporting quote occurs in its document; facts sit in the quotes."""

from __future__ import annotations

import json

import pytest

from assistant.answer.citations import contains
from assistant.ingest.loaders import load_folder
from evals.splits import SPLITS
from tests.conftest import CORPUS, ROOT

GOLD = ROOT / "evals" / "gold"
DOCS = load_folder(CORPUS)


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / name).read_text().splitlines() if line.strip()]


RETRIEVAL = _rows("retrieval.jsonl")
ANSWERS = _rows("answers.jsonl")


def test_sizes_and_ids() -> None:
    assert len(RETRIEVAL) >= 40
    assert len(ANSWERS) >= 60
    assert sum(1 for r in ANSWERS if not r["answerable"]) >= 12
    for rows in (RETRIEVAL, ANSWERS, _rows("eligibility.jsonl")):
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids))
        assert {r["split"] for r in rows} <= set(SPLITS) - {"all"}
        assert {"dev", "test"} <= {r["split"] for r in rows}


@pytest.mark.parametrize("row", RETRIEVAL, ids=lambda r: r["id"])
def test_retrieval_quote_in_document(row: dict) -> None:
    assert contains(DOCS[row["doc_id"]].text, row["quote"]), row["quote"]


@pytest.mark.parametrize("row", [r for r in ANSWERS if r["answerable"]], ids=lambda r: r["id"])
def test_answer_support_quotes_in_documents_and_facts_in_quotes(row: dict) -> None:
    assert row["support"] and row["facts"]
    for s in row["support"]:
        assert contains(DOCS[s["doc_id"]].text, s["quote"]), s["quote"]
    quotes = " ".join(s["quote"] for s in row["support"]).lower()
    for alternatives in row["facts"]:
        assert any(alt.lower() in quotes for alt in alternatives), alternatives


def test_unanswerable_items_are_marked() -> None:
    for r in ANSWERS:
        if not r["answerable"]:
            assert r["facts"] == [] and r["kind"] == "unanswerable" and r.get("why")


def test_followups_carry_history() -> None:
    followups = [r for r in ANSWERS if r["kind"] == "followup"]
    assert len(followups) >= 3 and all(r["history"] for r in followups)
