from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from assistant.answer.followup import condense, is_followup
from assistant.answer.sentences import answer_type, is_pointer, source_words, sub_questions
from assistant.errors import QueryError

if TYPE_CHECKING:
    from assistant.answer.candidates import Candidate
    from assistant.types import Document


def test_short_cited_answer(corpus_assistant) -> None:
    a = corpus_assistant.ask(
        "What share of taxable emissions can a company offset with international credits?"
    )
    assert not a.abstained and a.mode == "extractive"
    assert re.search(r"five per cent|5%", a.answer) and "[1]" in a.answer
    assert len(a.answer) <= 400
    c = a.citations[0]
    doc = corpus_assistant.document(c.doc_id)
    assert doc.text[c.start : c.end] == c.quote
    assert c.title and c.published and re.search(r"para\. \d+$", c.section)


def test_every_citation_is_an_exact_span_and_every_marker_has_one(corpus_assistant) -> None:
    for q in (
        "Who signed the Singapore–Peru MOU?",
        "What is the carbon tax rate in 2026?",
        "Which VCS methodologies are excluded for Papua New Guinea?",
    ):
        a = corpus_assistant.ask(q)
        markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", a.answer)}
        assert markers == {c.n for c in a.citations}
        for c in a.citations:
            assert corpus_assistant.document(c.doc_id).text[c.start : c.end] == c.quote


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "Who won the 2018 FIFA World Cup?",
    ],
)
def test_abstains_on_questions_the_corpus_cannot_answer(corpus_assistant, question: str) -> None:
    a = corpus_assistant.ask(question)
    assert a.abstained and a.answer.startswith("The documents do not state")
    assert a.citations == () and a.related


# Near misses: the corpus gives a neighbouring fact (a tax rate per tonne, the agreement's
# signing date for its deadline) but not the one asked. The reader, trained on Wikipedia
# questions, scores the neighbour above the calibrated threshold (0.165 for the signing
# date, against 0.1; evals/README.md, "The reader"): a known gap, kept here so that fixing
# it shows.
@pytest.mark.xfail(strict=True, reason="reader answers near-miss questions (issue 12)")
@pytest.mark.parametrize(
    "question",
    [
        "What price per tonne is Singapore paying for the 2.175 million tonnes of credits?",
        "What is the deadline for project applications under the Singapore–Peru agreement?",
    ],
)
def test_abstains_on_near_misses(corpus_assistant, question: str) -> None:
    a = corpus_assistant.ask(question)
    assert a.abstained and a.answer.startswith("The documents do not state")


def test_headings_captions_and_pointers_are_never_answers(corpus_assistant) -> None:
    a = corpus_assistant.ask("What does Annex B illustrate?")
    assert "Please see Annex B" not in a.answer
    a = corpus_assistant.ask("What does Figure 1 show?")
    assert "Figure 1." not in a.answer


def test_conflicting_counts_lead_with_the_most_recent_source(corpus_assistant) -> None:
    a = corpus_assistant.ask(
        "How many countries has Singapore signed Implementation Agreements with?"
    )
    assert not a.abstained
    assert a.answer.index("ten countries") < a.answer.index("9 implementation agreements")
    assert "older source" in a.answer
    assert [c.doc_id for c in a.citations] == [
        "sg-international-collaboration",
        "reccessary-asia-pacific-article6",
    ]


def test_a_named_source_is_what_is_answered_from(corpus_assistant) -> None:
    # Without the source, this count conflicts between two documents (test above); naming
    # one asks what that one says, so the other is neither cited nor called "older".
    a = corpus_assistant.ask(
        "According to the RECCESSARY article, how many implementation agreements has "
        "Singapore signed?"
    )
    assert "9 implementation agreements" in a.answer
    assert "older source" not in a.answer
    assert {c.doc_id for c in a.citations} == {"reccessary-asia-pacific-article6"}


# Since the release is read from its official PDF (the preferred copy), the answering sentence
# is read under the PDF's all-capitals title, and the reader gives it 0.16: answered since
# the threshold is 0.1 (2026-12-05).
def test_a_why_question_is_answered_with_a_reason(corpus_assistant) -> None:
    a = corpus_assistant.ask("Why was the Eligibility List published?")
    assert not a.abstained
    assert "follows the signing of an Implementation Agreement with Papua New Guinea" in a.answer


def test_list_questions_get_the_whole_list(corpus_assistant) -> None:
    a = corpus_assistant.ask("Which GS4GG methodologies are excluded for Papua New Guinea?")
    for item in (
        "Animal Waste Management",
        "Macroalgae",
        "Accelerated Carbonation",
        "Two And Three Wheeled",
    ):
        assert item in a.answer


def test_followups_are_made_standalone(corpus_assistant) -> None:
    history = [
        {"role": "user", "content": "When did Singapore and Peru sign their carbon credits MOU?"},
        {"role": "assistant", "content": "On 18 November 2022 [1]."},
    ]
    a = corpus_assistant.ask("And who signed it for Peru?", history)
    assert "Wilbert Rozas" in a.answer
    assert a.standalone_question and "MOU" in a.standalone_question


def test_condense_rules() -> None:
    hist = [{"role": "user", "content": "When was the Implementation Agreement with Ghana signed?"}]
    assert (
        condense("And for Peru?", hist) == "When was the Implementation Agreement with Peru signed?"
    )
    assert "Ghana" in condense("Who signed it?", hist)
    assert (
        condense("What is the carbon tax rate in 2026?", hist)
        == "What is the carbon tax rate in 2026?"
    )
    assert not is_followup("Which programmes are eligible for Papua New Guinea credits?")


def test_question_analysis() -> None:
    assert answer_type("When did Peru sign?") == "date"
    assert answer_type("Who co-chairs the committee?") == "person"
    assert answer_type("How many MOUs has Singapore signed?") == "count"
    assert answer_type("Which countries have an IA?") == "list"
    assert answer_type("What prompted the new list?") == "cause"
    assert source_words("How many MOUs, according to the RECCESSARY article?") == {"reccessary"}
    assert source_words("How many MOUs has Singapore signed?") == set()
    assert sub_questions("Who signed the MOU, and when was the IA signed?") == [
        "Who signed the MOU?",
        "when was the IA signed?",
    ]
    assert is_pointer("Please see Annex B for an illustration of some project types.")
    assert not is_pointer(
        "The Eligibility Criteria (see Annex A) requires ICCs to meet seven principles."
    )


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x01", "x" * 100_000])
def test_bad_questions_raise_clear_errors(corpus_assistant, bad: str) -> None:
    with pytest.raises(QueryError):
        corpus_assistant.ask(bad)


def test_stream_yields_growing_text_then_the_answer(corpus_assistant) -> None:
    parts = list(corpus_assistant.ask_stream("What is the carbon tax rate in 2026?"))
    texts, final = parts[:-1], parts[-1]
    assert texts and all(isinstance(t, str) for t in texts)
    assert texts[-1] == final.answer and final.citations
    assert all(texts[i] in texts[i + 1] for i in range(len(texts) - 1))


def test_answer_json_contract(corpus_assistant) -> None:
    d = corpus_assistant.ask("What is the carbon tax rate in 2026?").to_dict()
    assert {"question", "answer", "abstained", "mode", "citations", "related", "latency_ms"} <= set(
        d
    )
    keys = {
        "n",
        "chunk_id",
        "doc_id",
        "title",
        "section",
        "page",
        "published",
        "url",
        "quote",
        "start",
        "end",
    }
    assert keys <= set(d["citations"][0])
    json.dumps(d)


TABLE_DOC = """# Criteria

{intro}

{between}

| Principle | Definition |
| --- | --- |
| Real | Reductions must be real. |
| Permanent | Reductions must not be reversible. |

Closing paragraph after the table.
"""


@pytest.mark.parametrize(
    ("intro", "between", "joined"),
    [
        # The table a sentence points to, past its title and a note above it.
        ("The principles are listed in Table 1 below.",
         "*Table 1: Criteria*\n\nReductions must occur between 2021 and 2030.", True),
        ("Credits must meet two principles (see Table below).", "", True),
        # A list intro reaches only the list right after it.
        ("Credits must meet these principles:", "", True),
        ("Credits must meet these principles:", "A paragraph between them.", False),
        # A heading that is not the table's title ends the search.
        ("The principles are listed in Table 1 below.", "## Another section", False),
        # No pointer, no intro: a plain sentence is not the table's intro.
        ("Credits are issued by programmes.", "A paragraph between them.", False),
    ],
)  # fmt: skip
def test_a_sentence_that_introduces_a_table_answers_with_the_table(
    tmp_path, intro: str, between: str, joined: bool
) -> None:
    from assistant.answer.candidates import Candidate
    from assistant.answer.selection import whole_list
    from assistant.answer.sentences import units_of
    from assistant.ingest.loaders import load_file

    path = tmp_path / "criteria.md"
    path.write_text(TABLE_DOC.format(intro=intro, between=between))
    doc = load_file(path)
    unit = next(u for u in units_of(doc, 0, len(doc.text)) if u.text == intro)
    listed = whole_list(Candidate(unit, None, 1, unit.text), doc)  # type: ignore[arg-type]
    if not joined:
        assert listed is None
        return
    assert listed is not None and listed.unit.text.startswith(intro)
    assert listed.unit.text.endswith("Reductions must not be reversible.")
    assert "Closing paragraph" not in listed.unit.text


@pytest.mark.parametrize(
    "question",
    [
        "Which crediting programmes and methodologies are eligible for carbon credits hosted in Peru?",
        "What are the seven principles of Singapore's Eligibility Criteria?",
        "How many Implementation Agreements has Singapore signed so far?",
    ],
)
def test_a_statement_is_cited_once_even_when_two_files_hold_it(
    corpus_assistant, question: str
) -> None:
    a = corpus_assistant.ask(question)
    quotes = [" ".join(re.findall(r"\w+", c.quote.lower())) for c in a.citations]
    assert len(quotes) == len(set(quotes)), a.answer


# The PDF's sentence "The Eligibility Criteria (see Annex A) requires ICCs to meet seven ...
# principles" is what the reader ranks first; its pointer leads to the annex's table, which
# is cited beside it (the web text's "(see Table below)" reaches its table the same way).
def test_the_seven_principles_are_answered_from_their_table(corpus_assistant) -> None:
    a = corpus_assistant.ask("What are the seven principles of Singapore's Eligibility Criteria?")
    assert not a.abstained
    for principle in ("Not double-counted", "Additional", "Real", "Quantified and verified",
                      "Permanent", "No net harm", "No leakage"):  # fmt: skip
        assert principle in a.answer
    table = next(c for c in a.citations if "No leakage" in c.quote)
    assert "Not double-counted" in table.quote
    doc = corpus_assistant.document(table.doc_id)
    assert doc.text[table.start : table.end] == table.quote
    assert len(a.citations) <= 2


POINTER_DOC = """# Release

Credits must meet two principles {pointer}.

Another paragraph of the release.

## Annex A

## Criteria of credits

| Principle | Definition |
| --- | --- |
| Real | Reductions must be real. |
| Permanent | Reductions must not be reversible. |

## Annex B

*Table 2: Project types*

| Type | Example |
| --- | --- |
| Landfill gas | Methane capture. |
| Mangroves | Restoration. |
"""


@pytest.mark.parametrize(
    ("pointer", "first", "last"),
    [
        ("(see Annex A)", "Principle | Definition", "Reductions must not be reversible."),
        ("as set out in Annex B", "Type | Example", "Restoration."),
        ("listed in Table 2", "Type | Example", "Restoration."),
        ("(see Annex C)", None, None),  # no such part: nothing is pointed to
        ("under Article 6", None, None),  # an article is not a list
    ],
)
def test_a_pointer_to_an_annex_or_table_reaches_its_rows(
    tmp_path, pointer: str, first: str | None, last: str | None
) -> None:
    from assistant.answer.candidates import Candidate
    from assistant.answer.selection import pointed_list
    from assistant.answer.sentences import units_of
    from assistant.ingest.loaders import load_file

    path = tmp_path / "release.md"
    path.write_text(POINTER_DOC.format(pointer=pointer))
    doc = load_file(path)
    unit = next(u for u in units_of(doc, 0, len(doc.text)) if pointer in u.text)
    pointed = pointed_list(Candidate(unit, None, 1, unit.text), doc)  # type: ignore[arg-type]
    if first is None:
        assert pointed is None
        return
    assert pointed is not None
    assert pointed.unit.text.startswith(first) and pointed.unit.text.endswith(last)
    assert doc.text[pointed.unit.start : pointed.unit.end] == pointed.unit.text


def _candidates_of(doc: Document) -> Callable[[str], Candidate]:
    """A function giving the candidate of ``doc``'s unit with exactly this text."""
    from assistant.answer.candidates import Candidate
    from assistant.answer.sentences import units_of

    units = {u.text: u for u in units_of(doc, 0, len(doc.text))}
    return lambda text: Candidate(units[text], None, 1, text)  # type: ignore[arg-type]


def test_an_answering_sentence_comes_with_the_rest_of_its_paragraph(tmp_path) -> None:
    # The next sentence joins while the whole stays within ANSWER_CHARS; a sentence that
    # is itself chosen keeps its own citation; a list intro is left to its list.
    from assistant.answer.selection import ANSWER_CHARS, with_rest_of_paragraph
    from assistant.ingest.loaders import load_file

    long = "It also sets out " + "many further conditions, " * 20 + "in the end."
    path = tmp_path / "release.md"
    path.write_text(
        "# Release\n\nSingapore signed the agreement in 2024. It covers carbon credits. "
        f"{long}\n\nThe fee is set in another paragraph of the release.\n"
    )
    doc = load_file(path)
    cand = _candidates_of(doc)

    [one] = with_rest_of_paragraph([cand("Singapore signed the agreement in 2024.")], lambda _: doc)
    assert one.unit.text == "Singapore signed the agreement in 2024. It covers carbon credits."
    assert doc.text[one.unit.start : one.unit.end] == one.unit.text
    assert len(long) > ANSWER_CHARS
    first, second = with_rest_of_paragraph(
        [cand("Singapore signed the agreement in 2024."), cand("It covers carbon credits.")],
        lambda _: doc,
    )
    assert first.unit.text == "Singapore signed the agreement in 2024."
    assert second.unit.text == "It covers carbon credits."


def test_an_answer_that_needs_its_antecedent_or_its_items_gets_them(tmp_path) -> None:
    # A sentence that opens with a pronoun starts at the sentence before it; one that ends
    # in a colon takes the items after it (a flat list: up to 1.5 x ANSWER_CHARS in all).
    from assistant.answer.selection import with_rest_of_paragraph
    from assistant.ingest.loaders import load_file

    path = tmp_path / "factsheet.md"
    path.write_text(
        "# Factsheet\n\nCORSIA was set up by ICAO. It was adopted in 2016.\n\n"
        "- The credits may be used for several purposes, such as:\n"
        "- To offset up to 5% of a company's taxable emissions.\n"
        "- To meet Nationally Determined Contributions and CORSIA.\n"
        f"- {'A long further point about the agreement, ' * 12}ending here.\n"
    )
    doc = load_file(path)
    cand = _candidates_of(doc)

    [it] = with_rest_of_paragraph([cand("It was adopted in 2016.")], lambda _: doc)
    assert it.unit.text == "CORSIA was set up by ICAO. It was adopted in 2016."
    intro = "The credits may be used for several purposes, such as:"
    [listed] = with_rest_of_paragraph([cand(intro)], lambda _: doc)
    assert listed.unit.text.startswith(intro)
    assert listed.unit.text.endswith("Nationally Determined Contributions and CORSIA.")
    assert doc.text[listed.unit.start : listed.unit.end] == listed.unit.text


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Who signed the Singapore–Thailand agreement?", ["Thailand"]),
        ("Which Peruvian authority issues Letters of Authorisation?", ["Peru"]),
        ("What did the Ghanaian minister say?", ["Ghana"]),
        ("Is a Chilean project eligible?", ["Chile"]),
        ("Which credits are eligible from Papua New Guinea?", ["Papua New Guinea"]),
        ("Do children benefit from the projects?", []),  # "children" is not "Chile"
        ("What does Singapore require?", []),  # what most documents are about names nothing
    ],
)
def test_the_countries_a_question_names(question: str, named: list[str]) -> None:
    from assistant.answer.sentences import named_places

    countries = [("Singapore", "Thailand"), ("Singapore", "Peru", "Ghana"), ("Singapore", "Chile"),
                 ("Singapore", "Papua New Guinea"), ()]  # fmt: skip
    found = named_places(question, countries)
    texts = ["Thailand", "Peru", "Ghana", "Chile", "Papua New Guinea", "Singapore"]
    assert sorted(t for t in texts if any(p.search(t.lower()) for p in found)) == sorted(named)


def test_a_question_about_one_country_is_not_answered_from_another(corpus_assistant) -> None:
    # The corpus names the signatories of the Ghana and PNG agreements, not Vietnam's: the
    # reader alone answered this with Ghana's.
    a = corpus_assistant.ask(
        "Which minister signed Singapore's Implementation Agreement with Vietnam?"
    )
    assert a.abstained, a.answer
    a = corpus_assistant.ask("Who signed the Implementation Agreement with Papua New Guinea?")
    assert "Simo Kilepa" in a.answer


@pytest.mark.parametrize(
    ("text", "countries", "about"),
    [
        # named only as one of a list of names: not about Vietnam
        ("Singapore has concluded negotiations with Bhutan, Ghana, Paraguay, and Vietnam.",
         (), False),
        ("Singapore signed an Implementation Agreement with Vietnam in September 2025.", (), True),
        # named outside the list as well
        ("Vietnam signed first. Talks go on with Bhutan, Ghana and Paraguay.", (), True),
        # the document is about it, whatever its text names
        ("Singapore has concluded negotiations with Bhutan, Ghana, Paraguay, and Vietnam.",
         ("Singapore", "Vietnam"), True),
    ],
)  # fmt: skip
def test_a_passage_naming_a_country_only_in_a_list_is_not_about_it(
    text: str, countries: tuple[str, ...], about: bool
) -> None:
    from assistant.answer.candidates import _about
    from assistant.answer.sentences import named_places
    from assistant.types import Chunk, Hit

    places = named_places("Who signed the agreement with Vietnam?", [("Vietnam",), (), ()])
    chunk = Chunk("c", "d", text, 0, len(text), title="Release", countries=countries)
    assert _about(Hit(chunk, 1.0), places) is about


def test_a_table_row_is_checked_whole_for_the_kind_of_fact_asked() -> None:
    # "By what date ...": the row's date is in its last cell, not its first.
    from assistant.answer.candidates import Candidate
    from assistant.answer.reader.runtime import load_reader
    from assistant.answer.scoring import scored
    from assistant.answer.sentences import Unit
    from assistant.types import BlockKind

    row = "Papua New Guinea | VCS | Methodologies published before 31 March 2023"
    unit = Unit("list", 0, len(row), row, BlockKind.TABLE_ROW, 0, len(row))
    cand = Candidate(unit, None, 1, f"{row} | Eligibility List")  # type: ignore[arg-type]
    [c] = scored(load_reader(), "By what date must a methodology have been published?", [cand])
    assert c.prob > 0
