"""The hand-off in ``ask``: which questions the compliance tools answer, and how the answer
reaches the API, the CLI's JSON and the audit trail."""

from __future__ import annotations

import re

import pytest

from assistant.compliance import EligibilityResult, OffsetResult, Verdict, load_rules
from assistant.compliance.handoff import ELIGIBILITY_TOOL, OFFSET_TOOL, tool_answer
from assistant.types import AnswerMode


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.mark.parametrize(("question", "verdict"), [
    ("Is the VCS biochar methodology VM0044 eligible for credits from Papua New Guinea?",
     Verdict.NOT_ELIGIBLE),
    ("Is VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0 eligible for a VCS "
     "project in Papua New Guinea?", Verdict.ELIGIBLE),
    ("Can a Verra project in PNG use VM0042 for credits under the carbon tax?",
     Verdict.CANNOT_DETERMINE),
])  # fmt: skip
def test_a_named_methodology_gets_the_checkers_verdict(rules, question, verdict) -> None:
    answer = tool_answer(question, rules)
    assert answer is not None and answer.mode is AnswerMode.TOOL
    assert answer.tool == ELIGIBILITY_TOOL and not answer.abstained
    assert isinstance(answer.result, EligibilityResult) and answer.result.verdict is verdict
    assert f": {str(verdict).upper()}." in answer.answer
    # A short answer: the reasons that decide the verdict, cited 1..n; the whole verdict, with
    # the list's and the programme's clauses and every condition, is the result.
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations} == set(range(1, len(markers) + 1))
    assert len(answer.citations) < len(answer.result.citations)
    by_quote = {c.quote: c for c in answer.result.citations}
    assert all(by_quote[c.quote].doc_id == c.doc_id for c in answer.citations)
    assert "Sources:" not in answer.answer and "Papua New Guinea has an eligibility list" \
        not in answer.answer  # fmt: skip


@pytest.mark.parametrize("question", [
    # A whole programme, or a list: the list's table row answers it, the checker cannot.
    "Is the Global Carbon Council accepted on Singapore's eligibility list for Papua New Guinea?",
    "Which Verra methodologies on grasslands are eligible for Papua New Guinea?",
    # A host country the rules hold no list for: the documents may say more than "no list".
    "Can I use the Gold Standard 'Methodology For Animal Waste Management and Biogas "
    "Application V1.1' for an eligible project in Ghana?",
    # Not an eligibility or offset question at all.
    "When did Singapore and Peru sign the agreement?",
])  # fmt: skip
def test_other_questions_are_left_to_retrieval(rules, question) -> None:
    assert tool_answer(question, rules) is None


def test_offset_questions_go_to_the_calculator(rules) -> None:
    answer = tool_answer("How much can 200,000 tCO2e offset in 2026?", rules)
    assert answer is not None and answer.tool == OFFSET_TOOL
    assert isinstance(answer.result, OffsetResult) and answer.result.max_credits == 10000
    assert "10,000" in answer.answer and answer.citations


def test_ask_answers_with_the_tool_and_audits_it(corpus_assistant) -> None:
    from assistant.serve.audit import audit_path, read_entries

    question = "Is the VCS biochar methodology VM0044 eligible for credits from Papua New Guinea?"
    answer = corpus_assistant.ask(question, user="applicant")
    assert answer.tool == ELIGIBILITY_TOOL and answer.result.verdict is Verdict.NOT_ELIGIBLE
    d = answer.to_dict()
    assert d["mode"] == "tool" and d["tool"] == ELIGIBILITY_TOOL
    assert d["result"]["verdict"] == "not eligible" and d["citations"]
    entry = [e for e in read_entries(audit_path(corpus_assistant.settings.data_dir))
             if e.get("question") == question][-1]  # fmt: skip
    assert entry["mode"] == "tool" and entry["user"] == "applicant"
    streamed = list(corpus_assistant.ask_stream(question))
    assert streamed[-1].tool == ELIGIBILITY_TOOL and streamed[-2] == streamed[-1].answer

    from assistant.serve.present import Turn

    turn = Turn.from_answer(answer)  # the chat shows the whole verdict, with its own markers
    assert turn.source == ELIGIBILITY_TOOL and turn.citations == answer.result.citations
    assert turn.body.startswith("**❌ Verdict: NOT ELIGIBLE**") and "Reasons" in turn.body


def test_tools_can_be_turned_off(corpus_assistant, embedder) -> None:
    from assistant.api import Assistant

    settings = corpus_assistant.settings.model_copy(update={"tools": False, "audit": False})
    answer = Assistant(settings, embedder=embedder).ask(
        "Is the VCS biochar methodology VM0044 eligible for credits from Papua New Guinea?"
    )
    assert answer.mode is AnswerMode.EXTRACTIVE and answer.tool is None


def test_a_corpus_without_rules_leaves_every_question_to_retrieval(fresh_assistant) -> None:
    assert fresh_assistant.rules is None
    answer = fresh_assistant.ask("Is VM0044 eligible for a VCS project in Papua New Guinea?")
    assert answer.mode is AnswerMode.EXTRACTIVE and answer.tool is None and answer.abstained


def test_an_eligible_short_answer_keeps_the_methodologys_own_condition(rules) -> None:
    answer = tool_answer(
        "Is VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0 eligible for a "
        "VCS project in Papua New Guinea?",
        rules,
    )
    assert answer is not None and answer.result.verdict is Verdict.ELIGIBLE
    # A named exception needs no date, but its cut-off is a condition: the short answer says so.
    assert "published before 31 March 2023" in answer.answer
    assert "further conditions apply" in answer.answer
    assert "Principle 1 of 7" not in answer.answer  # the rest are in the full verdict
