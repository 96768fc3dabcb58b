from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from assistant.api import IndexStatus
from assistant.index.store import DocRecord
from assistant.serve import present
from assistant.serve.feedback import feedback_path, read_feedback, record_feedback
from assistant.serve.present import Ref, Turn
from assistant.types import Answer, AnswerMode, Chunk, Citation, DocMeta, DocType, Hit

TEXT = (
    "Intro <b>bold</b> & more.\n\n"
    "2. The ICC Framework allows companies to offset up to five per cent of taxable emissions.\n\n"
    "3. Later text."
)
QUOTE = "The ICC Framework allows companies to offset up to five per cent of taxable emissions."
START = TEXT.index(QUOTE)
META = DocMeta(
    doc_id="doc-1",
    title="Eligibility <List>",
    doc_type=DocType.ELIGIBILITY_LIST,
    published=date(2023, 12, 19),
    url="https://example.org/list",
    countries=("Singapore", "Papua New Guinea"),
)


def citation(n: int = 1, **kw: object) -> Citation:
    base = dict(
        n=n, chunk_id="c1", doc_id="doc-1", title="Eligibility <List>", section="para. 2",
        page=3, published=date(2023, 12, 19), url="https://example.org/list", quote=QUOTE,
        start=START, end=START + len(QUOTE),
    )  # fmt: skip
    return Citation(**{**base, **kw})


def hit(title: str = "Related doc", section: str = "Part 1") -> Hit:
    chunk = Chunk("c9", "doc-9", "Some related passage text.", 0, 26, section=section, title=title)
    return Hit(chunk, 0.5)


def answer(text: str = "Up to five per cent. [1]", **kw: object) -> Answer:
    base = dict(question="How much?", answer=text, abstained=False, mode=AnswerMode.EXTRACTIVE,
                citations=(citation(),))  # fmt: skip
    return Answer(**{**base, **kw})


# ------------------------------------------------------------------------------ references


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cite-0-1", Ref("cite", 0, 1)),
        ("#cite-12-3", Ref("cite", 12, 3)),
        ("rel-2-1@1700000000", Ref("rel", 2, 1)),
        ("cite-a-1", None),
        ("cite-1", None),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_ref(value: str | None, expected: Ref | None) -> None:
    assert present.parse_ref(value) == expected


def test_lookup() -> None:
    turns = [Turn.from_answer(answer()), Turn("q", "no", related=(hit(),), abstained=True)]
    assert present.lookup(turns, Ref("cite", 0, 1)) == citation()
    assert present.lookup(turns, Ref("rel", 1, 1)) == hit()
    assert present.lookup(turns, Ref("cite", 0, 2)) is None
    assert present.lookup(turns, Ref("rel", 1, 0)) is None
    assert present.lookup(turns, Ref("cite", 5, 1)) is None
    assert present.lookup([], None) is None


# ------------------------------------------------------------------------------ chat text


def test_markers_become_links_only_for_cited_numbers() -> None:
    turn = Turn.from_answer(answer("It says 5% [1] and [2] in [2023]."))
    md = present.turn_markdown(turn, 4)
    assert "[\\[1\\]](#cite-4-1)" in md
    assert "(#cite-4-2)" not in md  # [2] is not one of the answer's citations
    assert "\\[2023\\]" in md


def test_markdown_and_html_in_answers_are_shown_literally() -> None:
    md = present.turn_markdown(Turn("q", "<img src=x onerror=alert(1)> *not bold* [1]"), 0)
    assert re.search(r"(?<!\\)<", md) is None  # every "<" is escaped
    assert "\\<img" in md and "\\*not bold\\*" in md


def test_abstention_lists_related_passages_as_links() -> None:
    turn = Turn.from_answer(
        answer(
            "The documents do not state this.",
            abstained=True,
            citations=(),
            related=(hit("A <doc>"), hit("B", section="")),
        )  # fmt: skip
    )
    md = present.turn_markdown(turn, 2)
    assert md.startswith("The documents do not state this.")
    assert "**Related passages**" in md
    assert "1. [A \\<doc\\>](#rel-2-1) — Part 1" in md
    assert "2. [B](#rel-2-2)" in md
    html = present.sources_html(turn, 2)
    assert "do not answer this" in html and 'href="#rel-2-1"' in html and "A &lt;doc&gt;" in html


def test_streaming_and_history() -> None:
    assert present.streaming_markdown("Up to *five*") == "Up to \\*five\\* ▍"
    turns = [Turn.from_answer(answer())]
    assert present.history_for_ask(turns) == [
        {"role": "user", "content": "How much?"},
        {"role": "assistant", "content": "Up to five per cent. [1]"},
    ]
    messages = present.chat_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "(#cite-0-1)" in messages[1]["content"]


def test_sources_panel_lists_every_citation() -> None:
    turn = Turn.from_answer(
        answer("A [1]. B [2].", citations=(citation(1), citation(2, page=None)))
    )
    html = present.sources_html(turn, 0)
    assert html.count('class="a6-source"') == 2
    assert 'href="#cite-0-1"' in html and 'href="#cite-0-2"' in html
    assert "Eligibility &lt;List&gt;" in html
    assert "para. 2 · p. 3 · published 19 December 2023" in html
    assert "Sources of the latest answer" in present.sources_html(None, 0)


# ------------------------------------------------------------------------------ passages


def test_passage_is_highlighted_in_context_and_escaped() -> None:
    c = citation()
    html = present.passage_html(TEXT, c.start, c.end, META, label="[1]", section=c.section, page=3)
    assert f'<mark class="a6-mark">{QUOTE}</mark>' in html
    assert "Intro &lt;b&gt;bold&lt;/b&gt; &amp; more." in html  # surrounding text, escaped
    assert "3. Later text." in html
    assert "[1] Eligibility &lt;List&gt;" in html
    assert "Section: para. 2 · Page 3 · Published 19 December 2023 · eligibility list" in html
    assert 'href="https://example.org/list"' in html


def test_passage_window_is_cut_at_block_boundaries() -> None:
    text = "A" * 50 + "\n\n" + "before. " * 100 + QUOTE + " after." * 100 + "\n\nZ"
    start = text.index(QUOTE)
    html = present.passage_html(text, start, start + len(QUOTE), META, context=120)
    inner = re.search(r'<div class="a6-text">(.*)</div></div>$', html, re.S).group(1)
    assert inner.startswith("… ") and inner.endswith(" …")
    assert "A" * 50 not in inner
    assert len(inner) < len(QUOTE) + 2 * 120 + 60


@pytest.mark.parametrize("url", ["javascript:alert(1)", None, "file:///etc/passwd"])
def test_passage_links_only_web_sources(url: str | None) -> None:
    meta = DocMeta("d", "T", url=url)
    html = present.passage_html("some text", 0, 4, meta)
    assert "href" not in html and "No source link" in html


def test_as_of_dates_say_so() -> None:
    meta = DocMeta("d", "T", published=date(2025, 10, 31), date_kind="as_of")
    assert "As of 31 October 2025" in present.passage_html("text", 0, 4, meta)
    assert present.format_date(None) == "undated"


# ------------------------------------------------------------------------------ export


def test_export_markdown_has_question_answer_and_sources() -> None:
    md = present.export_markdown(Turn.from_answer(answer()))
    assert md.startswith("**Question:** How much?\n\nUp to five per cent. [1]")
    assert "**Sources**" in md
    assert (
        "[1] [Eligibility \\<List\\>](https://example.org/list) — para. 2, p. 3 — "
        "published 19 December 2023" in md
    )
    assert f"> {QUOTE}" in md


def test_export_keeps_markers_and_amounts_plain() -> None:
    md = present.export_markdown(Turn("q", "S$45 per tonne [1][2], *not* bold.", (citation(1),)))
    assert "S$45 per tonne [1][2], \\*not\\* bold." in md


def test_export_of_an_abstention_lists_related_passages() -> None:
    turn = Turn("q?", "The documents do not state this.", related=(hit(),), abstained=True)
    md = present.export_markdown(turn)
    assert "**Related passages**" in md and "1. Related doc — Some related passage text." in md


# ------------------------------------------------------------------------------ index views


def records() -> dict[str, DocRecord]:
    other = DocMeta("doc-2", "Article", DocType.ARTICLE, date(2025, 9, 30), "as_of",
                    countries=("Japan", "Singapore"))  # fmt: skip
    return {
        "doc-1": DocRecord(META, "h1", 12, "2025-01-01T00:00:00+0000"),
        "doc-2": DocRecord(other, "h2", 7, "2025-01-01T00:00:00+0000"),
    }


def test_document_rows_newest_first() -> None:
    assert present.document_rows(records()) == [
        ["Article", "article", "2025-09-30 (as of)", "Japan, Singapore", 7, "doc-2"],
        ["Eligibility <List>", "eligibility list", "2023-12-19", "Singapore, Papua New Guinea",
         12, "doc-1"],
    ]  # fmt: skip


def test_filter_choices_and_filters() -> None:
    choices = present.filter_choices(records())
    assert choices["documents"] == [("Article", "doc-2"), ("Eligibility <List>", "doc-1")]
    assert choices["types"] == ["article", "eligibility_list"]
    assert choices["countries"] == ["Japan", "Papua New Guinea", "Singapore"]
    assert present.make_filters(None, [], None) is None
    f = present.make_filters(["doc-1"], ["article"], ["Japan"])
    assert (f.doc_ids, f.doc_types, f.countries) == (("doc-1",), ("article",), ("Japan",))


def test_status_line() -> None:
    s = IndexStatus(6, 53, "2026-11-22T03:33:05+0000", "/x")
    assert present.status_markdown(s) == (
        "Index: **6** documents · **53** chunks · last updated 22 Nov 2026, 03:33 UTC"
    )
    assert present.status_markdown(IndexStatus(0, 0, None, "/x")).endswith("last updated never")


# ------------------------------------------------------------------------------ compliance


@pytest.fixture(scope="module")
def rules():
    from assistant.compliance import load_rules

    return load_rules()


def _tool_turn(question: str, rules) -> present.Turn | None:
    from assistant.compliance.handoff import tool_answer

    answer = tool_answer(question, rules)
    return None if answer is None else present.Turn.from_answer(answer)


def test_eligibility_question_is_handed_to_the_checker(rules) -> None:
    turn = _tool_turn("Is a VCS VM0007 project in Papua New Guinea eligible?", rules)
    assert turn is not None and turn.source == "eligibility checker"
    assert turn.citations and turn.body.startswith("**❔ Verdict: CANNOT DETERMINE**")
    md = present.turn_markdown(turn, 3)
    assert md.startswith("*Answered by the eligibility checker.*")
    assert all(f"(#cite-3-{c.n})" in md for c in turn.citations)


def test_offset_question_is_handed_to_the_calculator(rules) -> None:
    turn = _tool_turn("How much can 200,000 tCO2e offset in 2026?", rules)
    assert turn is not None and turn.source == "offset calculator"
    assert "| Most ICCs usable (5%) | 10,000 tCO2e |" in turn.body
    assert "S\\$450,000" in turn.body


def test_offset_question_without_a_year_asks_for_it(rules) -> None:
    from assistant.compliance.handoff import NEED_OFFSET_INPUTS

    turn = _tool_turn("How much tax can 200,000 tonnes of emissions offset?", rules)
    assert turn is not None and turn.text == NEED_OFFSET_INPUTS and not turn.citations
    assert turn.body is None and turn.source == "offset calculator"


def test_ordinary_questions_are_not_handed_over(rules) -> None:
    assert _tool_turn("When did Singapore and Peru sign the agreement?", rules) is None


def test_agreements_table(rules) -> None:
    from assistant.compliance import agreement_table

    md = present.agreements_markdown(agreement_table(rules=rules))
    assert md.startswith("| Country | MOU | Implementation Agreement |")
    assert "| Peru |" in md and "**Totals as each source states them**" in md


# ------------------------------------------------------------------------------ feedback


def test_feedback_is_appended_as_jsonl(tmp_path: Path) -> None:
    path = feedback_path(tmp_path / "data")
    t = Turn.from_answer(answer())
    record_feedback(path, rating="up", question=t.question, answer=t.text, citations=t.citations)
    record_feedback(
        path, rating="down", question="q2", answer="a2", comment="  wrong  ", user="bob"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(x) for x in lines)
    first, second = read_feedback(path)
    assert first["rating"] == "up" and first["question"] == "How much?"
    assert first["citations"][0]["quote"] == QUOTE and first["citations"][0]["n"] == 1
    assert second["rating"] == "down" and second["comment"] == "wrong" and second["user"] == "bob"
    assert first["id"] != second["id"]


def test_feedback_rejects_unknown_ratings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        record_feedback(tmp_path / "f.jsonl", rating="meh", question="q", answer="a")
    assert read_feedback(tmp_path / "f.jsonl") == []
