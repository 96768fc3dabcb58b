"""The same text in two files is cited once, from the preferred copy; a draft says it is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieval.copies import merge_copy, preference, shingles
from assistant.types import Chunk, DocType

AGREEMENT = (
    "Article 6\n\n"
    "1. Parties recognize that some Parties choose to pursue voluntary cooperation in the "
    "implementation of their nationally determined contributions to allow for higher "
    "ambition in their mitigation and adaptation actions and to promote sustainable "
    "development and environmental integrity.\n\n"
    "2. Parties shall, where engaging on a voluntary basis in cooperative approaches that "
    "involve the use of internationally transferred mitigation outcomes towards nationally "
    "determined contributions, promote sustainable development and ensure environmental "
    "integrity and transparency, including in governance.\n"
)
DECISION = (
    "Decision 1/CP.21 Adoption of the Paris Agreement\n\n"
    "36. Invites Parties to provide information on their cooperative approaches.\n\n"
    "Annex: Paris Agreement\n\n" + AGREEMENT
)
DRAFT = (
    "Draft text on guidance on cooperative approaches\n\n"
    "12. Each participating Party shall submit its initial report by 15 April 2026 [or upon "
    "authorization of the first transfer of mitigation outcomes].\n"
)
MANIFEST = """documents:
  - id: the-treaty
    file: treaty.md
    title: Paris Agreement
    published: 2015-12-12
    doc_type: treaty
  - id: the-decision
    file: decision.md
    title: Decision 1/CP.21
    published: 2016-01-29
    doc_type: decision
  - id: the-draft
    file: draft.md
    title: Draft text on Article 6.2 guidance
    published: 2024-11-14
    doc_type: draft_negotiating_text
"""


def _corpus(folder: Path) -> None:
    (folder / "treaty.md").write_text(AGREEMENT)
    (folder / "decision.md").write_text(DECISION)
    (folder / "draft.md").write_text(DRAFT)
    (folder / "manifest.yaml").write_text(MANIFEST)


def test_a_text_in_two_files_is_one_hit_from_the_preferred_copy(fresh_assistant) -> None:
    _corpus(fresh_assistant.settings.corpus_dir)
    assert not fresh_assistant.ingest().failed
    hits = fresh_assistant.search(
        "cooperative approaches internationally transferred mitigation outcomes", 5
    )
    copies = [h for h in hits if "internationally transferred mitigation" in h.chunk.text]
    assert [h.chunk.doc_id for h in copies] == ["the-treaty"]
    a = fresh_assistant.ask(
        "What must Parties promote when they use internationally transferred mitigation "
        "outcomes towards nationally determined contributions?"
    )
    assert not a.abstained
    assert "the-decision" not in {c.doc_id for c in a.citations}
    quotes = [c.quote for c in a.citations]
    assert len(quotes) == len(set(quotes))


SHARED = (
    "Singapore has concluded substantive negotiations on an Implementation Agreement with "
    "Bhutan, Paraguay and Vietnam, and has signed letters of intent on carbon credits "
    "collaboration with Cambodia, Chile, Colombia, Fiji, Kenya, Mongolia and Morocco."
)
OWN = (
    "The operationalisation of the Implementation Agreement will be overseen by a Joint "
    "Committee co-chaired by the Director-General of the Climate Change Secretariat."
)


def _release(day: int, text: str, cid: str = "c") -> tuple[Chunk, frozenset[int]]:
    from datetime import date

    chunk = Chunk(cid, f"r{day}", text, 0, len(text), doc_type=DocType.MEDIA_RELEASE,
                  published=date(2024, 1, day))  # fmt: skip
    return chunk, shingles(text)


def test_a_passage_that_holds_a_copied_paragraph_and_more_is_not_a_copy() -> None:
    newer, older = _release(20, SHARED), _release(1, OWN + "\n\n" + SHARED)
    assert merge_copy([newer], *older) is None  # its own place: the co-chairs are in it
    # the newer release's paragraph, after the passage holding it, adds nothing
    assert merge_copy([older], *newer) == -1
    # the same text (another chunking of it) is one place, the preferred (newer) copy
    assert merge_copy([_release(1, SHARED)], *newer) == 0
    assert merge_copy([newer], *_release(1, SHARED)) == -1
    # a preferred copy that holds all of a kept hit replaces it
    official = (Chunk("p", "pdf", OWN + " " + SHARED, 0, 9, doc_type=DocType.TREATY),
                shingles(OWN + " " + SHARED))  # fmt: skip
    assert merge_copy([newer], *official) == 0


def test_a_passage_sharing_a_paragraph_with_a_newer_release_is_found(fresh_assistant) -> None:
    folder = fresh_assistant.settings.corpus_dir
    (folder / "png.md").write_text(f"# PNG agreement signed\n\n{OWN}\n\n{SHARED}\n")
    (folder / "ghana.md").write_text(f"# Ghana agreement signed\n\n{SHARED}\n")
    (folder / "manifest.yaml").write_text(
        "documents:\n"
        "  - {id: png, file: png.md, title: PNG, published: 2023-12-07, doc_type: media_release}\n"
        "  - {id: ghana, file: ghana.md, title: Ghana, published: 2024-05-27,"
        " doc_type: media_release}\n"
    )
    assert not fresh_assistant.ingest().failed
    hits = fresh_assistant.search("Who co-chairs the Joint Committee for the agreement?", 5)
    assert any("co-chaired" in h.chunk.text for h in hits)


def test_an_answer_citing_a_draft_says_so_every_time(fresh_assistant) -> None:
    _corpus(fresh_assistant.settings.corpus_dir)
    assert not fresh_assistant.ingest().failed
    a = fresh_assistant.ask("When shall each participating Party submit its initial report?")
    assert not a.abstained
    drafts = [c.n for c in a.citations if c.doc_id == "the-draft"]
    assert drafts
    for n in drafts:
        assert f"(draft negotiating text, not agreed) [{n}]" in a.answer


def test_preference_orders_authority_then_published_form_then_date() -> None:
    def chunk(doc_type: DocType, page: int | None = None) -> Chunk:
        return Chunk("c", "d", "t", 0, 1, doc_type=doc_type, page=page)

    ordered = [
        chunk(DocType.TREATY),
        chunk(DocType.DECISION, page=3),
        chunk(DocType.ELIGIBILITY_LIST, page=2),
        chunk(DocType.ELIGIBILITY_LIST),
        chunk(DocType.MEDIA_RELEASE),
        chunk(DocType.DRAFT),
    ]
    assert sorted(ordered, key=preference) == ordered


DECISIONS = """# Decisions of the third session

## Decision 2/CMA.3 Guidance on cooperative approaches

7. Each participating Party shall apply corresponding adjustments for the first transfer of
internationally transferred mitigation outcomes that it authorizes.

## Decision 3/CMA.3 Rules of the mechanism

8. The host Party shall report on emission reductions issued by the Supervisory Body.
"""


@pytest.mark.parametrize(
    ("question", "decision"),
    [
        ("Under 3/CMA.3, who shall apply corresponding adjustments for the first transfer "
         "of internationally transferred mitigation outcomes?", "3/CMA.3"),
        ("Under 2/CMA.3, who shall apply corresponding adjustments for the first transfer "
         "of internationally transferred mitigation outcomes?", "2/CMA.3"),
    ],
)  # fmt: skip
def test_a_question_naming_a_decision_looks_there_first(
    fresh_assistant, question: str, decision: str
) -> None:
    (fresh_assistant.settings.corpus_dir / "decisions.md").write_text(DECISIONS)
    assert not fresh_assistant.ingest().failed
    hits = fresh_assistant.search(question, 3)
    assert decision in hits[0].chunk.section


def _chunk(cid: str, section: str, paragraph: str | None = None) -> Chunk:
    return Chunk(cid, "decisions", "text", 0, 4, section=section, paragraph=paragraph,
                 title="Decisions of CMA 3")  # fmt: skip


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the n-th session's decisions are x/CMA.n: "a decision of CMA 3" names 2/CMA.3 and 3/CMA.3
        ("What does the decision of CMA 3 say about first transfers?", {"c2", "c3"}),
        ("What did the COP 21 decision adopt?", {"c21"}),  # COP n -> x/CP.n
        ("Under 3/CMA.3, who applies adjustments?", {"c3"}),  # a decision named outright
        # a session named without the word "decision" steers nothing
        ("What was agreed at CMA 3 about first transfers?", set()),
        ("What did 13/CMA.3 decide?", set()),  # 13/CMA.3 is not 3/CMA.3
        # an article named as a place to read; its paragraph when one is given
        ("What does Article 6.2 say about reporting?", {"a62"}),
        ("Under Article 6, paragraph 4, what is established?", {"a64"}),
        ("What does Article 6 of the Paris Agreement cover?", {"a62", "a64"}),
        # an article's number used as a name ("the Article 6.4 mechanism") steers nothing
        ("Who develops the rules of the Article 6.4 mechanism?", set()),
        ("What status labels show Article 6 review results?", set()),
    ],
)
def test_a_named_session_decision_or_article_is_read_first(
    question: str, expected: set[str]
) -> None:
    from assistant.retrieval.named import named_chunks

    chunks = [
        _chunk("c2", "Decision 2/CMA.3 > Annex > I. Participation"),
        _chunk("c3", "Decision 3/CMA.3 > Annex > V. Transfers"),
        _chunk("c21", "Decision 1/CP.21 > Adoption of the Paris Agreement"),
        _chunk("a62", "Paris Agreement > Article 6", "2"),
        _chunk("a64", "Paris Agreement > Article 6", "4–4(d)"),
    ]
    assert named_chunks(question, chunks, None) == expected
