"""Recognising eligibility and offset questions in chat text (and leaving the rest alone)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.compliance import (
    EligibilityQuery,
    OffsetQuery,
    Verdict,
    load_rules,
    parse_intent,
    run_query,
)

APPLICANT = (
    "My project in Papua New Guinea uses VM0042 under Verra. "
    "Can its credits be used against Singapore's carbon tax?"
)


@pytest.mark.parametrize("with_rules", [False, True])
def test_the_applicants_question(with_rules: bool) -> None:
    query = parse_intent(APPLICANT, rules=load_rules() if with_rules else None)
    assert query == EligibilityQuery("Papua New Guinea", "Verra", "VM0042")
    result = run_query(query)
    assert result is not None and result.verdict is Verdict.CANNOT_DETERMINE
    assert result.missing == ("published",)


ELIGIBILITY = [
    ("Is VM0044 eligible?", EligibilityQuery(None, None, "VM0044")),
    ("Can Plan Vivo credits from Ghana be used?", EligibilityQuery("Ghana", "Plan Vivo", None)),
    ("Our PNG project is registered with the Gold Standard. Does it qualify?",
     EligibilityQuery("Papua New Guinea", "Gold Standard", None)),
    ("JNR Scenario 2a project in PNG under VCS, published 2022-05-01, sectoral scope 14: eligible?",
     EligibilityQuery("Papua New Guinea", "VCS", "JNR Scenario 2a", date(2022, 5, 1),
                      "sectoral scope 14")),
    ("Does a VM0033 v2.1 project in Papua New Guinea, published on 15 March 2022, count against "
     "the carbon tax?",
     EligibilityQuery("Papua New Guinea", None, "VM0033 v2.1", date(2022, 3, 15))),
    ("Is GCCM004 from PNG accepted under the Global Carbon Council?",
     EligibilityQuery("Papua New Guinea", "Global Carbon Council", "GCCM004")),
    ("Can ACR credits from Peru be used, methodology published March 30, 2023?",
     EligibilityQuery("Peru", "ACR", None, date(2023, 3, 30))),
    # the country the project is in is the one named first, not the longest name
    ("Could our project in Ghana use VM0044? I read it is excluded for Papua New Guinea.",
     EligibilityQuery("Ghana", None, "VM0044")),
    ("Which version of VM0042 is allowed for Papua New Guinea?",
     EligibilityQuery("Papua New Guinea", None, "VM0042")),
    # the version after the title, as the list prints a named exception, is kept...
    ("Is VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0 eligible in PNG?",
     EligibilityQuery("Papua New Guinea", None,
                      "VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0")),
    # ... but a "version" after ordinary words is not the methodology's
    ("Is VM0042 for our farm in PNG eligible? This is version 3 of our plan.",
     EligibilityQuery("Papua New Guinea", None, "VM0042")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ELIGIBILITY)
def test_eligibility_questions(text: str, expected: EligibilityQuery) -> None:
    assert parse_intent(text) == expected


def test_a_named_methodology_is_recognised_with_rules() -> None:
    text = (
        "Our PNG project uses the Methodology for Animal Waste Management and Biogas "
        "Application under Gold Standard. Is it eligible?"
    )
    query = parse_intent(text, rules=load_rules())
    assert isinstance(query, EligibilityQuery)
    assert query.methodology == "Methodology For Animal Waste Management and Biogas Application"
    result = run_query(query)
    assert result is not None and result.verdict is Verdict.NOT_ELIGIBLE


OFFSET = [
    ("How many credits can I use if I emit 200,000 tonnes in 2025?", Decimal(200_000), 2025),
    ("We emit 1.2 million tonnes of CO2e. How much tax can ICCs offset in 2026?",
     Decimal(1_200_000), 2026),
    ("Emissions of 50k tCO2e in 2024: how much can we offset?", Decimal(50_000), 2024),
    ("How much carbon tax can 5 MtCO2e offset with credits in 2030?", Decimal(5_000_000), 2030),
    ("The company emitted 30000 t in 2023, can it use ICCs?", Decimal(30_000), 2023),
    ("How many ICCs for 80 000 tonnes?", Decimal(80_000), None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "emissions", "year"), OFFSET)
def test_offset_questions(text: str, emissions: Decimal, year: int | None) -> None:
    assert parse_intent(text) == OffsetQuery(emissions, year)


def test_offset_query_runs() -> None:
    query = parse_intent("How many credits can I use if I emit 200,000 tonnes in 2025?")
    assert isinstance(query, OffsetQuery)
    result = run_query(query)
    assert result is not None and result.max_credits == 10_000 and result.rate == 25


def test_an_offset_query_without_a_year_is_not_run() -> None:
    query = parse_intent("How many ICCs for 80 000 tonnes?")
    assert isinstance(query, OffsetQuery) and run_query(query) is None


@pytest.mark.parametrize("text", [
    "When did Singapore sign the MOU with Peru?",
    "What is the carbon tax rate in 2025?",
    "What does Verra do?",
    "Tell me about the Gold Standard",
    "How many implementation agreements has Singapore signed?",
    "What are the seven principles of the Eligibility Criteria?",
    "Who co-chairs the Singapore-Peru Joint Committee?",
    # a programme and a country, but nothing the checker judges
    "How many JCM partner countries did Japan have before India joined?",
    "When did Indonesia sign its mutual recognition agreement with Gold Standard?",
    # tonnes that are not the user's emissions
    "What price per tonne did Singapore pay for the 2.175 million tonnes of nature-based credits?",
    # a list is retrieval's: the checker judges one named methodology
    "Which VCS methodologies are allowed as exceptions for Papua New Guinea?",
    "I bought a car in 2024 for 30000 dollars.",
    "",
    "   ",
])  # fmt: skip
def test_ordinary_questions_are_left_to_retrieval(text: str) -> None:
    assert parse_intent(text) is None
