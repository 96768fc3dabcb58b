"""Agreement tracker: partners, dates, sources with as-of dates, and sources that disagree."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.compliance import (
    AgreementKind,
    AgreementStatus,
    AgreementTable,
    agreement_table,
    agreements_for,
)
from assistant.ingest.loaders import load_folder
from tests.conftest import CORPUS

DOCS = load_folder(CORPUS)
TEN_IAS = ["Papua New Guinea", "Ghana", "Bhutan", "Chile", "Peru", "Rwanda", "Paraguay",
           "Thailand", "Vietnam", "Mongolia"]  # fmt: skip


@pytest.fixture(scope="module")
def table() -> AgreementTable:
    return agreement_table()


def _doc_ids(entry) -> set[str]:  # noqa: ANN001
    return {s.doc_id for s in entry.sources}


def test_papua_new_guinea_has_an_ia(table: AgreementTable) -> None:
    row = table.row("Papua New Guinea")
    assert row is not None and row.mou is None
    ia = row.implementation_agreement
    assert ia is not None and ia.status is AgreementStatus.SIGNED
    assert ia.date is None  # no document dates it...
    assert "19 Dec 2023" in ia.date_text  # ...but the list's release follows the signing
    assert _doc_ids(ia) == {"sg-international-collaboration", "sg-icc-eligibility-list-2023"}


def test_peru_mou_2022_and_ia_2025(table: AgreementTable) -> None:
    row = table.row("Peru")
    assert row is not None and row.mou and row.implementation_agreement
    assert row.mou.date == "2022-11-18"
    assert _doc_ids(row.mou) == {"sg-peru-mou-2022"}
    assert row.implementation_agreement.date == "2025-03-31"
    assert "sg-peru-ia-overview" in _doc_ids(row.implementation_agreement)
    quotes = {table.citations[s.n - 1].quote for s in row.implementation_agreement.sources}
    assert any("31 March 2025" in q for q in quotes)


@pytest.mark.parametrize("country", TEN_IAS)
def test_the_ten_ias_as_of_october_2025(table: AgreementTable, country: str) -> None:
    row = table.row(country)
    assert row is not None and row.implementation_agreement is not None
    assert row.implementation_agreement.status is AgreementStatus.SIGNED
    assert "sg-international-collaboration" in _doc_ids(row.implementation_agreement)


@pytest.mark.parametrize(("country", "kind", "when"), [
    ("Thailand", AgreementKind.IMPLEMENTATION_AGREEMENT, "2025-08"),
    ("Vietnam", AgreementKind.IMPLEMENTATION_AGREEMENT, "2025-09"),
    ("Philippines", AgreementKind.MOU, "2024-08"),
    ("Malaysia", AgreementKind.MOU, "2025"),
])  # fmt: skip
def test_dates_from_the_article(
    table: AgreementTable, country: str, kind: AgreementKind, when: str
) -> None:
    row = table.row(country)
    assert row is not None
    entry = row.mou if kind is AgreementKind.MOU else row.implementation_agreement
    assert entry is not None and entry.date == when
    assert "reccessary-asia-pacific-article6" in _doc_ids(entry)


def test_an_anticipated_ia_is_not_shown_as_signed(table: AgreementTable) -> None:
    row = table.row("Malaysia")
    assert row is not None and row.implementation_agreement is not None
    assert row.implementation_agreement.status is AgreementStatus.ANTICIPATED


@pytest.mark.parametrize("country", ["Cambodia", "Chile", "Mongolia", "Rwanda"])
def test_carbon_credit_mous(table: AgreementTable, country: str) -> None:
    row = table.row(country)
    assert row is not None and row.mou is not None
    assert row.mou.status is AgreementStatus.SIGNED


def test_cambodia_has_an_mou_but_no_ia(table: AgreementTable) -> None:
    row = table.row("Cambodia")
    assert row is not None and row.implementation_agreement is None


@pytest.mark.parametrize("country", ["Australia", "Brunei", "Japan", "Lao PDR"])
def test_energy_mous_are_not_carbon_credit_agreements(table: AgreementTable, country: str) -> None:
    assert table.row(country) is None


def test_the_ten_versus_nine_disagreement_is_shown_with_both_dates(table: AgreementTable) -> None:
    ias = [c for c in table.counts if c.kind is AgreementKind.IMPLEMENTATION_AGREEMENT]
    by_count = {c.count: c.source for c in ias}
    assert set(by_count) == {10, 9}
    assert by_count[10].doc_id == "sg-international-collaboration"
    assert by_count[10].as_of == date(2025, 10, 31)
    assert by_count[9].doc_id == "reccessary-asia-pacific-article6"
    assert by_count[9].as_of == date(2025, 9, 30)
    (note,) = [n for n in table.notes if "disagree" in n.text]
    assert "10" in note.text and "9" in note.text
    assert "2025-10-31" in note.text and "2025-09-30" in note.text
    assert set(note.citations) == {by_count[10].n, by_count[9].n}


def test_mou_count_and_named_partners(table: AgreementTable) -> None:
    (mous,) = [c for c in table.counts if c.kind is AgreementKind.MOU]
    assert mous.count == 15
    assert any("name 7" in n.text and "15" in n.text for n in table.notes)


def test_every_entry_is_cited_with_an_as_of_date(table: AgreementTable) -> None:
    for row in table.rows:
        for entry in (row.mou, row.implementation_agreement):
            if entry is None:
                continue
            assert entry.sources
            for s in entry.sources:
                assert s.as_of is not None and s.date_kind in {"published", "as_of"}
                assert table.citations[s.n - 1].doc_id == s.doc_id
    for c in table.citations:
        assert DOCS[c.doc_id].text[c.start : c.end] == c.quote


def test_agreements_for_accepts_aliases() -> None:
    png = agreements_for("PNG")
    assert png is not None and png.country == "Papua New Guinea"
    vn = agreements_for("Viet Nam")
    assert vn is not None and vn.country == "Vietnam"
    assert agreements_for("Atlantis") is None


def test_json_and_text(table: AgreementTable) -> None:
    data = table.to_dict()
    assert {"rows", "counts", "notes", "citations"} <= set(data)
    peru = next(r for r in data["rows"] if r["country"] == "Peru")
    assert peru["mou"]["date"] == "2022-11-18"
    assert peru["implementation_agreement"]["sources"][0]["as_of"]
    json.dumps(data)
    text = table.to_text()
    assert "18 November 2022" in text and "31 March 2025" in text and "as of 2025-10-31" in text
