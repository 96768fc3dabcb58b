from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import CorruptFileError, EmptyDocumentError, UnsupportedFileError
from assistant.ingest.loaders import iter_files, load_file, load_folder
from assistant.types import BlockKind
from evals.official import OFFICIAL_DOCS
from tests.conftest import CORPUS, DATA
from tests.docgen import make_docx, make_image_only_pdf, make_pdf


def test_corpus_loads_with_manifest_metadata() -> None:
    docs = load_folder(CORPUS)
    assert set(docs) == {
        "sg-international-collaboration",
        "sg-peru-mou-2022",
        "sg-icc-eligibility-list-2023",
        "sg-peru-ia-overview",
        "reccessary-asia-pacific-article6",
        *OFFICIAL_DOCS,  # the official documents, as published (issue 13)
    }
    el = docs["sg-icc-eligibility-list-2023"]
    assert el.meta.published == date(2023, 12, 19)
    assert str(el.meta.doc_type) == "eligibility_list"
    assert "Papua New Guinea" in el.meta.countries
    kinds = {d: str(doc.meta.doc_type) for d, doc in docs.items()}
    assert kinds["unfccc-paris-agreement"] == "treaty"
    assert kinds["unfccc-decisions-1-4-cma3"] == kinds["unfccc-decision-1-cp21"] == "decision"
    assert kinds["unfccc-sbsta61-art62-draft"] == "draft_negotiating_text"
    assert kinds["mse-ghana-first-call-2024"] == "media_release"
    for doc in docs.values():  # real titles, never a UN job number or a document symbol
        assert not re.search(r"GE\.\d{2}-\d{5}|^FCCC/", doc.meta.title), doc.meta.title


def test_blocks_are_exact_spans_of_the_text() -> None:
    for doc in load_folder(CORPUS).values():
        for b in doc.blocks:
            span = doc.text[b.start : b.end]
            assert span and span == span.strip()


def test_markdown_front_matter_and_inline_markup_removed() -> None:
    doc = load_file(CORPUS / "000_fdf2f0a2f9d0b7b2.txt")  # no manifest entry passed
    assert doc.meta.title == "International Collaboration"  # from front matter
    assert "permalink" not in doc.text and "](" not in doc.text and "**" not in doc.text
    assert "Given our national circumstances, Singapore" in doc.text


def test_html_tables_stay_tables_and_no_tags_leak() -> None:
    doc = load_file(CORPUS / "003_c63dcd6adbea4436.txt")
    assert "<" not in doc.text and "href" not in doc.text
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert "Singapore | Peru" in rows
    assert any(
        r.startswith("Director (Carbon Planning Division), National Environment Agency | ")
        for r in rows
    )


def test_html_file_drops_nav_scripts_cookies_and_empty_images() -> None:
    doc = load_file(DATA / "sample.html")
    assert doc.meta.title == "Testland Overview"
    assert "script text" not in doc.text and "Home" not in doc.text
    assert "cookies" not in doc.text and "Copyright" not in doc.text
    assert "Party | Co-chair" in doc.text
    assert "Testland | Director-General of Climate & Environment" in doc.text
    assert "signed an Implementation Agreement on carbon credits" in doc.text


def test_web_debris_not_indexed() -> None:
    doc = load_file(CORPUS / "004_564c341eb3743fbe.txt")
    for debris in (
        "Download request",
        "Company email",
        "use of cookies",
        "Back\n",
        "TOP",
        "碳權",
        "Article Collection",
        "(Image: iStock)",
    ):
        assert debris not in doc.text, debris
    assert doc.text.count("Table 1. Key Asia-Pacific countries") == 1  # layout repeat removed
    captions = [doc.text[b.start : b.end] for b in doc.blocks if b.kind is BlockKind.CAPTION]
    assert any(c.startswith("Figure 1.") for c in captions)
    assert "Letters of Authorisation (LoAs)" in doc.text


def test_numbered_paragraphs_detected() -> None:
    doc = load_file(CORPUS / "002_b733d8bb322409ec.txt")
    numbers = [b.number for b in doc.blocks if b.number]
    assert numbers == ["2", "3", "4", "5", "6", "7", "8"]


def test_a_third_level_under_a_roman_sub_paragraph_is_numbered(tmp_path: Path) -> None:
    # Decision 4/CMA.3, paragraph 8: "(a)" > "(i)" > "a.". A "a." line that is not under a
    # roman sub-paragraph stays unnumbered.
    path = tmp_path / "decision.txt"
    paras = [
        "Work programme on non-market approaches",
        "7. The work programme will be initiated in 2022.",
        "8. The work programme will include the following activities:",
        "(a) Identifying measures:",
        "(i) Identification of NMAs:",
        "a. Identifying focus areas of the work programme activities;",
        "b. Identifying existing NMAs under the framework;",
        "(ii) Identification of measures:",
        "a. Identifying and evaluating positive experience;",
        "(b) Implementing measures:",
        "a. Not a third level, since no roman sub-paragraph is open.",
    ]
    path.write_text("\n\n".join(paras) + "\n")
    doc = load_file(path)
    numbers = [b.number for b in doc.blocks][2:]
    assert numbers == [
        "8", "8(a)", "8(a)(i)", "8(a)(i)(a)", "8(a)(i)(b)", "8(a)(ii)", "8(a)(ii)(a)", "8(b)", None,
    ]  # fmt: skip


def test_markdown_file(tmp_path: Path) -> None:
    doc = load_file(DATA / "sample.md")
    assert doc.meta.title == "Testland Media Release"
    assert doc.meta.published == date(2026, 2, 2)
    kinds = [b.kind for b in doc.blocks]
    assert kinds[0] is BlockKind.HEADING and kinds.count(BlockKind.LIST_ITEM) == 2
    assert "Singapore and Testland signed" in doc.text


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    pdf = make_pdf(
        tmp_path / "agreement.pdf",
        [
            [
                "Article 1",
                "The Parties shall apply corresponding adjustments to every first transfer.",
            ],
            ["Article 2", "The Joint Committee shall meet at least once a year."],
        ],
    )
    doc = load_file(pdf)
    assert "Joint Committee shall meet at least once a year" in doc.text
    pages = {doc.text[b.start : b.end][:20]: b.page for b in doc.blocks}
    assert pages["The Parties shall ap"] == 1
    assert pages["The Joint Committee "] == 2


def test_docx_headings_lists_tables(tmp_path: Path) -> None:
    doc = load_file(make_docx(tmp_path / "ia.docx"))
    kinds = {b.kind for b in doc.blocks}
    assert kinds >= {
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.LIST_ITEM,
        BlockKind.TABLE_ROW,
    }
    assert "Testland | Ministry of Environment of Testland" in doc.text
    assert doc.meta.doc_type == "agreement"


def test_docx_footnotes_are_footnote_blocks_after_their_paragraph(tmp_path: Path) -> None:
    # python-docx writes no notes: the reference goes into the paragraph's XML and the notes
    # part into the package, as Word stores them (the separator note has no text).
    import zipfile

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    p = d.add_paragraph("Parties shall report annually.")
    run = OxmlElement("w:r")
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), "2")
    run.append(ref)
    p._p.append(run)
    d.add_paragraph("Reports are reviewed.")
    d.save(str(tmp_path / "notes.docx"))
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (
        f'<w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="2"><w:p><w:r><w:t>See decision 2/CMA.3, para. 18.</w:t></w:r></w:p>'
        "</w:footnote></w:footnotes>"
    )
    with zipfile.ZipFile(tmp_path / "notes.docx", "a") as z:
        z.writestr("word/footnotes.xml", notes)
    doc = load_file(tmp_path / "notes.docx")
    kinds = [(b.kind, doc.text[b.start : b.end], b.number) for b in doc.blocks]
    assert kinds == [
        (BlockKind.PARAGRAPH, "Parties shall report annually.", None),
        (BlockKind.FOOTNOTE, "See decision 2/CMA.3, para. 18.", "1"),
        (BlockKind.PARAGRAPH, "Reports are reviewed.", None),
    ]


def test_docx_automatic_numbering_is_printed_and_numbers_the_paragraphs(tmp_path: Path) -> None:
    # Word numbers a UN draft's paragraphs itself: python-docx gives the text without "1.".
    import docx

    d = docx.Document()
    d.add_paragraph("Decides that Parties cooperate.", style="List Number")
    d.add_paragraph("[Requests][Invites] the secretariat to report.", style="List Number")
    d.add_paragraph("Tracking arrangements.", style="List Bullet")
    d.save(str(tmp_path / "draft.docx"))
    doc = load_file(tmp_path / "draft.docx")
    got = [(b.kind, b.number, doc.text[b.start : b.end]) for b in doc.blocks]
    assert got == [
        (BlockKind.PARAGRAPH, "1", "1. Decides that Parties cooperate."),
        (BlockKind.PARAGRAPH, "2", "2. [Requests][Invites] the secretariat to report."),
        (BlockKind.LIST_ITEM, None, "• Tracking arrangements."),
    ]


def test_docx_note_markers_leave_the_text_ordinals_stay(tmp_path: Path) -> None:
    # The SBSTA draft marks its table notes with superscript letters ("Authorization IDa").
    import docx

    d = docx.Document()
    p = d.add_paragraph("The 1")
    p.add_run("st").font.superscript = True
    p.add_run(" report names each Authorization ID")
    p.add_run("a").font.superscript = True
    p.add_run(".")
    row = d.add_table(rows=1, cols=2).rows[0]
    row.cells[0].paragraphs[0].add_run("Cooperative approach ID")
    row.cells[0].paragraphs[0].add_run("c").font.superscript = True
    row.cells[1].paragraphs[0].add_run("Vintage")
    d.save(str(tmp_path / "notes.docx"))
    doc = load_file(tmp_path / "notes.docx")
    assert "The 1st report names each Authorization ID." in doc.text
    assert "Cooperative approach ID | Vintage" in doc.text


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("empty.txt", b"", EmptyDocumentError, "empty"),
        ("blank.md", b"   \n\n  ", EmptyDocumentError, "empty"),
        ("latin1.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"), CorruptFileError, "not UTF-8"),
        (
            "broken.pdf",
            b"%PDF-1.4 this is not really a pdf",
            CorruptFileError,
            "not a readable PDF",
        ),
        ("broken.docx", b"PK\x03\x04 not a zip", CorruptFileError, "not a readable DOCX"),
        ("binary.txt", b"abc\x00\x01\x02def", CorruptFileError, "binary"),
        ("image.png", b"\x89PNG\r\n", UnsupportedFileError, "unsupported file type"),
    ],
)
def test_bad_files_raise_clear_errors_naming_the_file(
    tmp_path: Path, name: str, content: bytes, error: type, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as info:
        load_file(path)
    assert name in str(info.value) and message in str(info.value)


def test_pdf_without_text_layer_says_ocr_unsupported(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocumentError, match="OCR is not supported"):
        load_file(make_image_only_pdf(tmp_path / "scan.pdf"))


def test_iter_files_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("hidden")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.exe").write_text("b")
    assert [p.name for p in iter_files([tmp_path])] == ["a.txt"]


def test_short_list_items_and_table_rows_are_kept(tmp_path: Path) -> None:
    # Debris removal drops stray short lines ("EN"), but "Peru" in a list is content.
    md = tmp_path / "partners.md"
    md.write_text(
        "# Partners\n\nSingapore signed agreements with:\n\n- Peru\n- Fiji\n- EN\n- Ghana\n"
    )
    html = tmp_path / "partners.html"
    html.write_text("<h1>Partners</h1><table><tr><td>Chad</td></tr><tr><td>Mali</td></tr></table>")
    items = [b for b in load_file(md).blocks if b.kind is BlockKind.LIST_ITEM]
    assert [load_file(md).text[b.start : b.end] for b in items] == ["• Peru", "• Fiji", "• Ghana"]
    assert "Chad" in load_file(html).text and "Mali" in load_file(html).text


def test_markdown_pipe_tables_become_rows(tmp_path: Path) -> None:
    # As HTML and DOCX tables do: one row a block, cells joined, the header rule dropped.
    md = tmp_path / "criteria.md"
    md.write_text(
        "# Criteria\n\nThe principles are listed in Table 1 below.\n\n"
        "| Principle | Definition |\n| ---- | :---: |\n"
        "| **Additional**| Must exceed what the law requires. |\n"
        "| Permanent | Must not be reversible. |\n\nAfter the table.\n"
    )
    doc = load_file(md)
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind is BlockKind.TABLE_ROW]
    assert rows == [
        "Principle | Definition",
        "Additional | Must exceed what the law requires.",
        "Permanent | Must not be reversible.",
    ]
    assert "----" not in doc.text and "**" not in doc.text
    assert doc.text[doc.blocks[-1].start : doc.blocks[-1].end] == "After the table."


@pytest.mark.parametrize(
    ("marker", "note"),
    [("<sup>1</sup>", "<sup>1</sup>*Adjusted means counted once.*"),
     ("[^1]", "[^1]: Adjusted means counted once."),
     ("(1)", "(1)   *Adjusted means counted once.*")],
)  # fmt: skip
def test_markdown_footnotes_are_footnotes_and_markers_go(
    tmp_path: Path, marker: str, note: str
) -> None:
    from assistant.answer.citations import cite_span

    path = tmp_path / "release.md"
    path.write_text(
        f"# Factsheet\n\nCredits are correspondingly adjusted{marker} before transfer.\n\n"
        "Credits may be used:\n\no\tTo offset taxable emissions.\no\tTo comply with NDCs.\n\n"
        f"{note}\n"
    )
    doc = load_file(path)
    kinds = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert (BlockKind.PARAGRAPH, "Credits are correspondingly adjusted before transfer.") in kinds
    assert (BlockKind.LIST_ITEM, "• To offset taxable emissions.") in kinds
    [fn] = [b for b in doc.blocks if b.kind is BlockKind.FOOTNOTE]
    assert doc.text[fn.start : fn.end] == "Adjusted means counted once." and fn.number == "1"
    assert cite_span(1, doc, fn.start, fn.end).section.endswith("footnote 1")
    assert marker not in doc.text and "<sup>" not in doc.text


def test_numbered_paragraphs_without_a_glued_marker_are_not_footnotes(tmp_path: Path) -> None:
    path = tmp_path / "rules.md"
    path.write_text(
        "# Rules\n\nUnder Article 6(2) Parties cooperate.\n\n(1) The Party shall report.\n\n"
        "(2) The Party shall review.\n"
    )
    doc = load_file(path)
    assert not [b for b in doc.blocks if b.kind is BlockKind.FOOTNOTE]
    assert "Article 6(2) Parties" in doc.text and "(1) The Party shall report." in doc.text
