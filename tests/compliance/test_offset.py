"""Offset calculator: each rate period, the year before the framework, unstated years, maths."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from assistant.compliance import ComplianceInputError, calculate_offset
from assistant.ingest.loaders import load_folder
from tests.conftest import CORPUS

DOCS = load_folder(CORPUS)
SOURCE_DATE = date(2023, 12, 19)  # the release all rates come from

PERIODS = [
    # year, rate, ICCs usable, the quote the rate cites
    (2023, 5, False, "from the current S$5 per tonne of emissions"),
    (2024, 25, True, "to S$25 per tonne in 2024 and 2025"),
    (2025, 25, True, "to S$25 per tonne in 2024 and 2025"),
    (2026, 45, True, "S$45 per tonne in 2026 and beyond"),
    (2030, 45, True, "S$45 per tonne in 2026 and beyond"),
    (2050, 45, True, "S$45 per tonne in 2026 and beyond"),
]


@pytest.mark.parametrize(("year", "rate", "available", "quote"), PERIODS)
def test_each_rate_period(year: int, rate: int, available: bool, quote: str) -> None:
    result = calculate_offset(200_000, year)
    assert result.rate == rate
    assert result.currency == "SGD"
    assert result.available is available
    assert quote in [c.quote for c in result.citations]
    assert result.as_of == SOURCE_DATE


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2030])
def test_five_per_cent_of_taxable_emissions(year: int) -> None:
    result = calculate_offset(200_000, year)
    assert result.max_credits == 10_000
    assert result.max_offset_value == 10_000 * result.rate
    assert result.limit_percent == 5
    assert any("offset up to five per cent of their taxable emissions" in c.quote
               for c in result.citations)  # fmt: skip


@pytest.mark.parametrize(("emissions", "year", "credits", "value"), [
    (200_000, 2025, Decimal("10000"), Decimal("250000")),
    (200_000, 2026, Decimal("10000"), Decimal("450000")),
    (12_345, 2026, Decimal("617.25"), Decimal("27776.25")),
    (123_457, 2024, Decimal("6172.85"), Decimal("154321.25")),  # exact, no float noise
    ("1,000,000", 2025, Decimal("50000"), Decimal("1250000")),
    (0, 2025, Decimal("0"), Decimal("0")),
    (25_000.5, 2030, Decimal("1250.025"), Decimal("56251.125")),
])  # fmt: skip
def test_arithmetic(emissions: object, year: int, credits: Decimal, value: Decimal) -> None:
    result = calculate_offset(emissions, year)
    assert result.max_credits == credits
    assert result.max_offset_value == value


@pytest.mark.parametrize("year", [2023, 2022, 2019, 2015])
def test_years_before_the_framework_cannot_use_iccs(year: int) -> None:
    result = calculate_offset(200_000, year)
    assert result.available is False
    assert result.max_credits == 0 and result.max_offset_value == 0
    notes = " ".join(n.text for n in result.notes)
    assert f"ICCs cannot be used for {year}" in notes and "1 January 2024" in notes
    assert any("effective from 1 January 2024" in c.quote for c in result.citations)


@pytest.mark.parametrize("year", [2022, 2019, 2015, 1990])
def test_years_the_documents_do_not_cover_get_no_rate(year: int) -> None:
    result = calculate_offset(200_000, year)
    assert result.rate is None
    notes = " ".join(n.text for n in result.notes)
    assert f"do not state the carbon tax rate for {year}" in notes
    assert result.to_dict()["rate"] is None


def test_2023_reports_the_rate_the_text_calls_current() -> None:
    result = calculate_offset(100_000, 2023)
    assert result.rate == 5 and not result.available
    assert "current rate" in " ".join(n.text for n in result.notes)


def test_2026_and_beyond_notes_the_source_date() -> None:
    notes = " ".join(n.text for n in calculate_offset(1, 2031).notes)
    assert "2026 and beyond" in notes and "19 Dec 2023" in notes


@pytest.mark.parametrize(("emissions", "year", "message"), [
    (-1, 2025, "negative"),
    ("abc", 2025, "number"),
    (float("nan"), 2025, "finite"),
    ("inf", 2025, "finite"),
    (True, 2025, "number"),
    (100, "20x5", "year such as 2025"),
    (100, 1800, "between"),
    (100, 12025, "between"),
    (100, "2025.5", "year such as 2025"),
])  # fmt: skip
def test_bad_input_is_an_input_error(emissions: object, year: object, message: str) -> None:
    with pytest.raises(ComplianceInputError, match=message):
        calculate_offset(emissions, year)  # type: ignore[arg-type]


def test_year_as_text_is_accepted() -> None:
    assert calculate_offset(100, "2025").year == 2025


def test_json_contract() -> None:
    data = calculate_offset(200_000, 2025).to_dict()
    assert {"year", "emissions", "rate", "currency", "max_credits", "max_offset_value",
            "available", "citations"} <= set(data)  # fmt: skip
    assert data["year"] == 2025 and data["emissions"] == 200_000 and data["rate"] == 25
    assert data["max_credits"] == 10_000 and data["max_offset_value"] == 250_000
    assert data["available"] is True and data["as_of"] == "2023-12-19"
    assert isinstance(data["max_credits"], int)
    json.dumps(data)


def test_citations_are_exact_spans_and_notes_cite_them() -> None:
    for year in (2015, 2023, 2025, 2030):
        result = calculate_offset(200_000, year)
        assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
        for c in result.citations:
            assert DOCS[c.doc_id].text[c.start : c.end] == c.quote
        assert all(n.citations for n in result.notes)
