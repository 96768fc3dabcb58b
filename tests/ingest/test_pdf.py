"""The layout-aware PDF reader: running headers, footnotes, hyphens, numbering, tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.answer.citations import cite_span
from assistant.errors import CorruptFileError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_file
from assistant.types import BlockKind, Document
from tests.conftest import CORPUS, ROOT

OFFICIAL = ROOT.parent / "shared/corpus-sources/official"

JOB_NUMBER = re.compile(r"GE\.\d{2}-\d{5}")
PAGE_NUMBER = re.compile(r"(?:Page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?")


def _make_report(path: Path) -> Path:
    """Two pages laid out like a UN document: running header, footer with job and page
    number, a title, a decision heading, numbered paragraphs with (a)/(b), a superscript
    footnote marker, a footnote in small type, a line-end hyphen and a ruled table."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "B", 8)
            self.cell(0, 6, "FCCC/TEST/2024/7", align="R")
            self.ln(14)

        def footer(self) -> None:
            self.set_font("Helvetica", size=8)
            if self.page_no() == 1:
                self.set_y(-20)
                self.cell(0, 5, "GE.24-01234(E)")
            self.set_y(-13)
            self.cell(0, 5, str(self.page_no()), align="C")

    pdf = Report()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, "Report of the Test Conference", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, "Decision 9/CMA.9", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 7, "Guidance on testing", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(
        0,
        6,
        "1. Decides that participating Parties shall ensure environ-\nmental",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0, 6, "integrity and apply long-term safeguards, as follows:", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)
    pdf.multi_cell(
        0,
        6,
        "(a) Reporting every year on each cooperative approach;",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.write(6, "(b) Recording every first transfer")
    pdf.char_vpos = "SUP"
    pdf.write(6, "1")
    pdf.char_vpos = "LINE"
    pdf.write(6, " in the registry of the Party.")
    pdf.ln(10)
    pdf.multi_cell(
        0,
        6,
        "2. Requests the secretariat to publish the authorities below:",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    with pdf.table(col_widths=(40, 90)) as table:
        for cells in (("Party", "Authority"), ("Testland", "Ministry of Environment")):
            row = table.row()
            for c in cells:
                row.cell(c)
    pdf.set_y(-40)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(
        0,
        4,
        "1 A first transfer is the first international transfer of a mitigation",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(0, 4, "outcome.", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, "Annex", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 7, "I. Reporting", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(
        0,
        6,
        "3. Each participating Party shall submit an initial report.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return load_file(_make_report(tmp_path_factory.mktemp("pdf") / "report.pdf"))


def _blocks(doc: Document, kind: BlockKind | None = None) -> list[tuple[str, object]]:
    return [(doc.text[b.start : b.end], b) for b in doc.blocks if kind is None or b.kind is kind]


def test_running_header_footer_and_page_numbers_never_reach_a_block(report: Document) -> None:
    for text, _ in _blocks(report):
        assert "FCCC/TEST" not in text and not JOB_NUMBER.search(text), text
        assert not PAGE_NUMBER.fullmatch(text), text
    assert {b.page for b in report.blocks} == {1, 2}


def test_title_headings_and_levels(report: Document) -> None:
    headings = [(t, b.level) for t, b in _blocks(report, BlockKind.HEADING)]
    assert headings[0] == ("Report of the Test Conference", 1)
    assert ("Decision 9/CMA.9 Guidance on testing", 2) in headings
    assert ("Annex", 3) in headings and ("I. Reporting", 4) in headings
    assert report.meta.title == "Report of the Test Conference"


def test_paragraphs_are_numbered_and_hyphenation_undone(report: Document) -> None:
    numbered = {b.number: (t, b.page) for t, b in _blocks(report, BlockKind.PARAGRAPH) if b.number}
    assert set(numbered) >= {"1", "1(a)", "1(b)", "2", "3"}
    first, page = numbered["1"]
    assert "ensure environmental integrity" in first and "long-term safeguards" in first
    assert page == 1 and numbered["3"][1] == 2
    # The superscript marker is gone from the body text.
    assert numbered["1(b)"][0] == "(b) Recording every first transfer in the registry of the Party."


def test_sub_paragraphs_stay_with_the_paragraph_that_introduces_them(report: Document) -> None:
    # A chunk target smaller than paragraph 1 with its (a) and (b): they still travel
    # together ("(a) Reporting every year ..." alone does not say what it is a list of).
    chunks = chunk_document(report, target_chars=120)
    [c] = [c for c in chunks if "(a) Reporting every year" in c.text]
    assert "1. Decides that participating Parties" in c.text
    assert "(b) Recording every first transfer" in c.text and "2. Requests" not in c.text
    assert c.paragraph == "1–1(b)"


def test_footnote_is_its_own_block_chunk_and_citation(report: Document) -> None:
    [(text, note)] = _blocks(report, BlockKind.FOOTNOTE)
    assert text == "A first transfer is the first international transfer of a mitigation outcome."
    assert note.number == "1" and note.page == 1
    assert note.start < report.text.index("Annex")  # after its page's body, before page 2
    assert all(text not in t for t, b in _blocks(report) if b is not note)
    [chunk] = [c for c in chunk_document(report) if "first international transfer" in c.text]
    assert chunk.text == text and chunk.section.endswith("footnote 1") and chunk.page == 1
    citation = cite_span(1, report, note.start, note.end)
    assert citation.section.endswith("> footnote 1") and citation.page == 1


def test_table_rows_are_not_prose(report: Document) -> None:
    rows = [t for t, _ in _blocks(report, BlockKind.TABLE_ROW)]
    assert rows == ["Party | Authority", "Testland | Ministry of Environment"]
    assert all("Testland" not in t for t, _ in _blocks(report, BlockKind.PARAGRAPH))


def test_a_table_cut_by_a_page_break_reads_on(tmp_path: Path) -> None:
    # Page 1 ends inside a table; page 2 goes on with the rest of the cut cell and a row
    # whose host cell spans from page 1 (printed empty), as in the ICC Eligibility List.
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    pages = [
        [("Host", "Programme", "Methodologies"), ("Testland", "Standard A", "All except M1.")],
        [("", "", "Where Standard A is used, a report is due."), ("", "Standard B", "All.")],
    ]
    for k, rows in enumerate(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, "Eligible credits are listed below." if k == 0 else "")
        if k == 0:
            pdf.set_y(240)
        with pdf.table(col_widths=(40, 40, 90)) as table:
            for cells in rows:
                row = table.row()
                for c in cells:
                    row.cell(c)
    pdf.output(str(tmp_path / "list.pdf"))
    doc = load_file(tmp_path / "list.pdf")
    rows = [t for t, _ in _blocks(doc, BlockKind.TABLE_ROW)]
    assert rows == [
        "Host | Programme | Methodologies",
        "Testland | Standard A | All except M1.",
        "Testland | Standard A | Where Standard A is used, a report is due.",
        "Testland | Standard B | All.",
    ]


def test_a_number_that_ends_a_reference_does_not_open_a_paragraph(tmp_path: Path) -> None:
    # The Paris Agreement, Article 3: "... as set out in Article" / "2. The efforts of all
    # Parties ..." is one sentence, not a paragraph 2.
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    lines = [
        "1. Parties shall report on their efforts with a view to achieving the purpose",
        "of this Agreement as set out in Article",
        "2. The efforts of all Parties will represent a progression over time.",
        "2. Each Party shall communicate its contribution every five years.",
    ]
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "refs.pdf"))
    doc = load_file(tmp_path / "refs.pdf")
    paras = _blocks(doc, BlockKind.PARAGRAPH)
    assert [b.number for _, b in paras] == ["1", "2"]
    assert paras[0][0].endswith("as set out in Article 2. The efforts of all Parties will "
                                 "represent a progression over time.")  # fmt: skip


def test_a_table_header_wrapped_onto_two_rows_is_one_row(tmp_path: Path) -> None:
    # As in the Eligibility List: "Host | Carbon Crediting" over "country | Programme", with
    # the "Methodologies" header cell spanning both.
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Eligible credits are listed below.")
    with pdf.table(col_widths=(40, 40, 90), first_row_as_headings=False) as table:
        row = table.row()
        row.cell("Host")
        row.cell("Carbon Crediting")
        row.cell("Methodologies", rowspan=2)
        row = table.row()
        row.cell("country")
        row.cell("Programme")
        row = table.row()
        for c in ("Testland", "Standard A", "All active methodologies except M1."):
            row.cell(c)
    pdf.output(str(tmp_path / "wrap.pdf"))
    doc = load_file(tmp_path / "wrap.pdf")
    rows = [t for t, _ in _blocks(doc, BlockKind.TABLE_ROW)]
    assert rows == [
        "Host country | Carbon Crediting Programme | Methodologies",
        "Testland | Standard A | All active methodologies except M1.",
    ]


def test_a_subscript_in_a_table_cell_stays_in_its_word(tmp_path: Path) -> None:
    # "N2O" with a lowered, smaller "2" in a ruled table, as in the Eligibility List's
    # methodology names: read by pdfplumber's fixed tolerance it became "N O ... 2".
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Methodologies are listed below.")
    x0, y0, w, h = 20, 40, 80, 14
    for r in range(2):
        for c in range(2):
            pdf.rect(x0 + c * w, y0 + r * h, w, h)
    pdf.text(x0 + 2, y0 + 9, "Code")
    pdf.text(x0 + w + 2, y0 + 9, "Name")
    pdf.text(x0 + 2, y0 + h + 9, "M22")
    x, y = x0 + w + 2, y0 + h + 9
    for text, size, drop in (("Reducing N", 11, 0.0), ("2", 7, 1.5), ("O emissions", 11, 0.0)):
        pdf.set_font_size(size)
        pdf.text(x, y + drop, text)
        x += pdf.get_string_width(text)
    pdf.output(str(tmp_path / "sub.pdf"))
    doc = load_file(tmp_path / "sub.pdf")
    rows = [t for t, _ in _blocks(doc, BlockKind.TABLE_ROW)]
    assert rows == ["Code | Name", "M22 | Reducing N2O emissions"]


def test_lettered_sub_paragraphs_are_the_list_their_paragraph_introduces(
    report: Document,
) -> None:
    # "1. Decides ... as follows:" then (a) and (b): a list question is answered with all
    # three, and paragraph 2 is not part of it.
    from assistant.answer.candidates import Candidate
    from assistant.answer.selection import whole_list
    from assistant.answer.sentences import units_of

    intro = next(u for u in units_of(report, 0, len(report.text)) if u.text.endswith("follows:"))
    listed = whole_list(Candidate(intro, None, 1, intro.text), report)  # type: ignore[arg-type]
    assert listed is not None
    assert listed.unit.text.startswith("Decides that participating Parties")
    assert "(a) Reporting every year" in listed.unit.text
    assert listed.unit.text.rstrip().endswith("in the registry of the Party.")
    assert cite_span(1, report, listed.unit.start, listed.unit.end).section.endswith("para. 1")


def test_citation_names_sub_paragraph(report: Document) -> None:
    start = report.text.index("(a) Reporting every year")
    citation = cite_span(1, report, start, start + 10)
    assert citation.section == "Decision 9/CMA.9 Guidance on testing > para. 1(a)"


def test_password_protected_pdf_is_a_clear_error(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Confidential")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    with pytest.raises(CorruptFileError, match="encrypted") as info:
        load_file(path)
    assert "locked.pdf" in str(info.value)


# --------------------------------------------------------------------- the official PDFs


def _official() -> list[Path]:
    for folder in (OFFICIAL, CORPUS):
        found = sorted(folder.glob("0[1237]_*.pdf")) if folder.is_dir() else []
        if found:
            return found
    pytest.skip(f"the official PDFs are in neither {OFFICIAL} nor {CORPUS}")


def _running_symbols(path: Path) -> set[str]:
    """Document symbols printed in the top band of most pages (the running header)."""
    import pdfplumber

    seen: dict[str, int] = {}
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            top = " ".join(
                w["text"] for w in page.extract_words() if w["bottom"] < 0.1 * page.height
            )
            for s in set(re.findall(r"FCCC/[A-Za-z0-9/.]*\d", top)):
                seen[s] = seen.get(s, 0) + 1
        return {s for s, n in seen.items() if n >= len(pdf.pages) // 2}


@pytest.fixture(scope="module")
def official() -> dict[str, tuple[Document, set[str]]]:
    return {p.name[:2]: (load_file(p), _running_symbols(p)) for p in _official()}


def test_official_chunks_carry_no_running_headers_or_page_numbers(official: dict) -> None:
    for name, (doc, symbols) in official.items():
        chunks = chunk_document(doc)
        debris = [
            c.text[:80]
            for c in chunks
            if JOB_NUMBER.search(c.text)
            or any(s in c.text.replace(" ", "") for s in symbols)
            or any(PAGE_NUMBER.fullmatch(part.strip()) for part in c.text.split("\n\n"))
            or re.search(r"Page \d+ of \d+", c.text)
        ]
        assert debris == [], name
        assert all(c.page for c in chunks), name
    assert official["03"][1] == {"FCCC/PA/CMA/2021/10/Add.1"}  # the check had a header to find


def test_decisions_file_is_split_into_decisions_with_annex_paths(official: dict) -> None:
    doc, _ = official["03"]
    headings = [doc.text[b.start : b.end] for b in doc.blocks if b.kind is BlockKind.HEADING]
    for n in range(1, 5):
        assert any(h.startswith(f"Decision {n}/CMA.3 ") for h in headings), n
    assert (
        "Decision 2/CMA.3 Guidance on cooperative approaches referred to in Article 6, "
        "paragraph 2, of the Paris Agreement"
    ) in headings
    annex = doc.text.index("Annex", doc.text.index("Decision 2/CMA.3 Guidance"))
    para = next(b for b in doc.blocks if b.start > annex and b.number == "18")
    citation = cite_span(1, doc, para.start, para.end)
    assert "2/CMA.3" in citation.section and "Annex" in citation.section
    assert citation.section.endswith("para. 18") and citation.page == 18
    chunk = next(c for c in chunk_document(doc) if c.start <= para.start < c.end)
    assert "2/CMA.3" in chunk.section and chunk.paragraph and chunk.paragraph.startswith("18")


def test_a_preambular_paragraph_is_cited_by_its_ordinal(official: dict) -> None:
    # UN texts cite their unnumbered preambles by ordinal: 2/CMA.3 recalls "the tenth
    # preambular paragraph of the Paris Agreement", the one on a just transition. Both
    # copies of the Agreement (01, and the annex of decision 1/CP.21 in 02) agree.
    from assistant.answer.citations import cite_quote

    just_transition = "Taking into account the imperatives of a just transition of the workforce"
    for key in ("01", "02"):
        doc, _ = official[key]
        citation = cite_quote(1, doc, just_transition)
        assert citation is not None and citation.section.endswith("preambular para. 10"), key
        first = cite_quote(1, doc, "Being Parties to the United Nations Framework Convention")
        assert first is not None and first.section.endswith("preambular para. 1"), key
    doc, _ = official["02"]
    recognizing = cite_quote(1, doc, "Recognizing that climate change represents an urgent")
    assert recognizing is not None
    assert recognizing.section.endswith(
        "1/CP.21 Adoption of the Paris Agreement > preambular para. 5"
    )
    # an operative paragraph keeps its number; a web text has no preamble
    article = cite_quote(1, official["01"][0], "This Agreement, in enhancing the implementation")
    assert article is not None and "preambular" not in article.section
    from assistant.answer.citations import preambular_ordinal
    from assistant.ingest.loaders import load_file as load

    web = load(next((Path(__file__).parents[2] / "corpus").glob("002_*.txt")))
    assert not any(preambular_ordinal(web, b) for b in web.blocks)
