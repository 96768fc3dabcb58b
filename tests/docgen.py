"""Make real test documents (PDF with pages, DOCX with headings/lists/tables) on the fly."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A text PDF: one list of paragraphs per page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for para in paragraphs:
            pdf.multi_cell(0, 6, para)
            pdf.ln(4)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF with a drawing and no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Implementation Agreement between Singapore and Testland", level=1)
    d.add_heading("Article 1 Definitions", level=2)
    d.add_paragraph(
        "1. In this Agreement, ITMO means an internationally transferred mitigation outcome."
    )
    d.add_paragraph("The Parties agree to the following:")
    d.add_paragraph("corresponding adjustments for every first transfer;", style="List Bullet")
    d.add_paragraph("a registry operated by each Party.", style="List Bullet")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Party", "Authority"
    t.cell(1, 0).text, t.cell(1, 1).text = "Testland", "Ministry of Environment of Testland"
    d.save(str(path))
    return path
