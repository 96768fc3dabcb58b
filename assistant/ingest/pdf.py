"""PDF → blocks, read by layout as a person reads the page.

:func:`read_pdf` returns a PDF's blocks in reading order with their physical page (from 1).
Running headers and footers (in the page's top or bottom band *and* repeated across pages,
or shaped like a page number, UN job number or barcode) never reach a block. Wrapped lines
are re-joined; a line-end hyphen goes only when the document shows it broke a word.
Footnotes (smaller type at the page foot, opened by a number) become FOOTNOTE blocks after
the text they interrupt, and their markers leave the body. Headings are found by font
(bold or larger) and levelled by pattern (decision > annex > roman chapter or article >
lettered section); the first page's largest line is the title. Ruled tables become one
TABLE_ROW per row.

Why pdfplumber: measured on the four official PDFs (106 pages; medians of 3 runs on a
shared 2-core machine; debris counted in each extractor's plain page text):

    extractor    pages/s  words split apart (file 03)  header/footer lines*  sizes  tables
    pypdf             36                           83                   186  no     no
    pdfplumber        10                            0                   196  yes    yes
    pypdfium2        640                            0                   190  no**   no

    * job numbers + running document symbols + bare page-number lines in the plain text;
      this reader leaves 0 of them in any chunk. ** only through its C API, char by char.

pypdf splits words in decisions 1-4/CMA.3; pypdfium2 is fastest but has no word-level
font size or weight and finds no tables. pdfplumber gives each word's size, font and
position and finds ruled tables, which is what reading by layout needs; with it this
reader does 8-11 pages/s (the 106 pages in 12 s), nearly all of it pdfminer's parsing.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from assistant.errors import CorruptFileError, EmptyDocumentError
from assistant.types import BlockKind


@dataclass(frozen=True)
class PdfBlock:
    """One block of a PDF: its kind, clean text, page, heading level and printed number."""

    kind: BlockKind
    text: str
    page: int
    level: int = 0
    number: str | None = None  # set for footnotes; paragraph numbers come from the text


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    size: float  # the size most of its characters have
    bold: bool
    text: str
    lead: str | None = None  # a small raised number opening the line: a footnote's marker
    rows: list[list[str]] | None = None  # set when this "line" stands for a whole table


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)
    footnotes: list[tuple[str, list[str]]] = field(default_factory=list)  # number, lines


_TOP_BAND, _BOTTOM_BAND = 0.10, 0.86  # fractions of the page height
_PAGE_NO = re.compile(r"(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?", re.I)
_JOB_NO = re.compile(r"GE\.\d{2}-\d{5}.*|\*\d{5,}\*")  # UN job number and its barcode
_PARA_START = re.compile(r"\d{1,3}\.\s+[A-Z“\"(]|[•●▪◦‣∙·]\s")
_SUB_START = re.compile(r"\((?:[a-z]{1,2}|[ivxl]{1,6})\)\s")
# A line that ends in a word which a number completes ("... as set out in Article" / "2. The
# efforts ...") runs on: the number is the sentence's, not a new paragraph's.
_REFERS_ON = re.compile(
    r"\b(?:Articles?|paragraphs?|para\.|decisions?|chapters?|sections?|annex(?:es)?|and|or|to|"
    r"of|in|under|with)$",
    re.I,
)
_LEADER = re.compile(r"\s*(?:\.\s*){4,}\d*\s*$")  # a table of contents' dot leader
_FOOTNOTE_START = re.compile(r"(\d{1,3})\s+(\S.*)")
_DECISION = re.compile(r"Decision\s+\d+/[A-Z]+\.\d+")
_ANNEX = re.compile(r"(?:Annex|Appendix|Attachment)(?:es)?(?:\s+[A-Z0-9]{1,4})?", re.I)
_CHAPTER = re.compile(r"(?:[IVXL]+\.\s|(?:Article|Chapter)\s+\d+\b)")
_LETTER = re.compile(r"([A-Z])\.\s")
_LABEL = re.compile(
    rf"(?:Article|Chapter)\s+\d+|{_ANNEX.pattern}|{_DECISION.pattern}"
)  # in any type
_URL_END = re.compile(r"(?:https?://|www\.)\S*[-/_.%=&?]$")
_KEEP_HYPHEN_PREFIXES = {"pre", "post", "non", "mid", "multi", "self", "co", "cross", "anti"}


# ------------------------------------------------------------------------------ reading


def read_pdf(path: Path, data: bytes) -> list[PdfBlock]:
    """Read a PDF's text layer into blocks.

    Raises:
        CorruptFileError: unreadable or password-protected (names ``path``).
        EmptyDocumentError: no text layer, e.g. a scan (names ``path``).
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_read_page(p, n) for n, p in enumerate(pdf.pages, start=1)]
    except Exception as exc:  # noqa: BLE001 - pdfminer raises arbitrary errors on broken files
        cause = exc.__cause__ or exc.__context__ or exc
        if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError) or isinstance(
            cause, PDFPasswordIncorrect | PDFEncryptionError
        ):
            raise CorruptFileError(path, "the PDF is encrypted; save an unprotected copy") from exc
        raise CorruptFileError(path, f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(ln.text.strip() or ln.rows for p in pages for ln in p.lines):
        raise EmptyDocumentError(
            path, "the PDF has no text layer (a scan?); OCR is not supported, add a text PDF"
        )
    body_size = _body_size(pages)
    _drop_running(pages, body_size)
    for p in pages:
        _split_footnotes(p, body_size)
    return _Layout(pages, body_size).blocks()


def _read_page(page, number: int) -> _Page:
    words = page.extract_words(extra_attrs=["size", "fontname"])
    tables = _tables(page, words) if (page.rects or page.lines) else []
    boxes = [box for box, _ in tables]
    words = [w for w in words if not any(_inside(w, box) for box in boxes)]
    out = _Page(number, float(page.height), _group_lines(words, number))
    for (_, top, _, bottom), rows in tables:
        out.lines.append(_Line(number, top, bottom, 0.0, False, "", rows=rows))
    out.lines.sort(key=lambda ln: ln.top)
    return out


def _inside(w: dict, box: tuple) -> bool:
    cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _tables(page, words: list[dict]) -> list[tuple[tuple, list[list[str]]]]:
    """Ruled tables of two rows or more, one with two cells; not nested, not lossy."""
    found = []
    for t in page.find_tables():
        rows = _table_rows(_cells(t, words, page.page_number))
        inside = sum(len(w["text"]) for w in words if _inside(w, t.bbox))
        got = sum(len(c) - c.count(" ") - c.count("\n") for row in rows for c in row)
        # A table whose cells lost text is better read as prose.
        if len(rows) >= 2 and any(sum(map(bool, r)) >= 2 for r in rows) and got >= 0.9 * inside:
            found.append((t.bbox, rows))

    def nested(b: tuple) -> bool:
        inside = (
            o[0] <= b[0] + 1 and o[1] <= b[1] + 1 and o[2] >= b[2] - 1 and o[3] >= b[3] - 1
            for o, _ in found
            if o is not b
        )
        return any(inside)

    return [(box, rows) for box, rows in found if not nested(box)]


def _cells(table, words: list[dict], page: int) -> list[list[str | None]]:
    """A table's cells as ``Table.extract`` gives them (None where a cell is spanned), each
    read from the page's words by ``_group_lines``: pdfplumber's own extraction clusters a
    cell's characters by a fixed vertical tolerance, which puts a subscript on a line of its
    own ("N O ... through 2 Nitrogen" for N2O), where overlap-based lines keep it in place.
    """
    out: list[list[str | None]] = []
    for row in table.rows:
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            inside = [w for w in words if _inside(w, cell)]
            lines = sorted(_group_lines(inside, page), key=lambda ln: ln.top)
            texts.append("\n".join(ln.text for ln in lines if ln.text))
        out.append(texts)
    return out


def _table_rows(cells: list[list[str | None]]) -> list[list[str]]:
    """The cells of each row ("" where empty or spanned), their wrapped lines kept.

    pdfplumber marks a cell covered by a spanning one as None. A row with one text cell
    under a spanning first cell is a wrapped line of the row above; any other row under a
    spanning first cell repeats that cell, so each row reads on its own.
    """
    cells = _header_wrap(cells)
    merged: list[list[str]] = []
    for row in cells:
        texts = [(c or "").strip() for c in row]
        if not any(texts):
            continue
        if merged and row and row[0] is None and sum(map(bool, texts)) == 1:
            last = merged[-1]
            for i, t in enumerate(texts):
                last[i] = f"{last[i]}\n{t}" if last[i] and t else last[i] or t
            continue
        if merged and row and row[0] is None:
            texts[0] = merged[-1][0]
        merged.append(texts)
    return [row for row in merged if any(row)]


def _header_wrap(cells: list[list[str | None]]) -> list[list[str | None]]:
    """A table's header whose cells wrap onto a second row ("Host | Carbon Crediting |
    Methodologies" over "country | Programme"), read as one row. Taken as a wrap only when
    a header cell spans down into the second row (pdfplumber gives None under it) and both
    rows hold short labels: a data row under a tall cell has sentences or an empty first cell.
    """
    if len(cells) < 2 or not cells[1] or cells[1][0] is None:
        return cells
    first, second = cells[0], cells[1]
    spanned = any(b is None and a for a, b in zip(first, second, strict=False))
    labels = all(len(c.split()) <= 4 for c in (*first, *second) if c)
    if not spanned or not labels:
        return cells
    joined = [f"{a or ''}\n{b}".strip() if b else a for a, b in zip(first, second, strict=False)]
    return [joined, *cells[2:]]


def _group_lines(words: list[dict], page: int) -> list[_Line]:
    """Words → lines: a word belongs to a line its height overlaps (so superscripts do)."""
    groups: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        for g in reversed(groups[-3:]):
            top, bottom = g[0]["top"], g[0]["bottom"]  # the line's first (tallest-top) word
            overlap = min(bottom, w["bottom"]) - max(top, w["top"])
            if overlap > 0.4 * min(bottom - top, w["bottom"] - w["top"]):
                g.append(w)
                break
        else:
            groups.append([w])
    return [_make_line(g, page) for g in groups]


def _make_line(words: list[dict], page: int) -> _Line:
    sizes: Counter[float] = Counter()
    bold = 0
    for w in words:
        sizes[round(w["size"], 1)] += len(w["text"])
        bold += len(w["text"]) if "bold" in w["fontname"].lower() else 0
    size = sizes.most_common(1)[0][0]
    bottom = max(w["bottom"] for w in words if round(w["size"], 1) == size)
    parts: list[str] = []
    lead = None
    prev = None
    for w in sorted(words, key=lambda w: w["x0"]):
        small = w["size"] < 0.8 * size
        if small and w["text"].isdigit() and w["bottom"] < bottom - 0.15 * size:
            if prev is None:
                lead = w["text"]  # opens the line: the marker of a footnote
            prev = w  # a marker inside the text is dropped from it
            continue
        if parts and prev is not None and w["x0"] - prev["x1"] > 0.12 * size:
            parts.append(" ")
        parts.append(w["text"])
        prev = w
    top = min(w["top"] for w in words)
    text = "".join(parts).strip()
    return _Line(page, top, bottom, size, bold * 2 > sum(sizes.values()), text, lead)


def _body_size(pages: list[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for ln in (ln for p in pages for ln in p.lines):
        sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


# -------------------------------------------------------------------- headers and footers


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text.lower()))


def _drop_running(pages: list[_Page], body_size: float) -> None:
    """Remove running headers and footers: band lines that repeat or look like page chrome."""

    def bands(p: _Page) -> list[_Line]:
        return [
            ln
            for ln in p.lines
            if ln.rows is None
            and (ln.bottom < _TOP_BAND * p.height or ln.top > _BOTTOM_BAND * p.height)
        ]

    seen = Counter(k for p in pages for k in {_key(ln.text) for ln in bands(p)})
    exact = Counter(t for p in pages for t in {ln.text for ln in bands(p)})
    need = max(2, math.ceil(0.3 * len(pages)))
    running = {k for k, n in seen.items() if n >= need and k}

    def is_running(ln: _Line) -> bool:
        if _PAGE_NO.fullmatch(ln.text) or _JOB_NO.fullmatch(ln.text):
            return True
        # Repeated with other numbers, a line is chrome only in smaller type ("Article 1",
        # "Article 2" are headings); repeated word for word, only if short.
        if ln.size < body_size - 0.2:
            return _key(ln.text) in running
        return exact[ln.text] >= need and len(ln.text.split()) <= 8 and ln.size <= body_size

    for p in pages:
        band = bands(p)
        drop = set()
        for seq in (band, band[::-1]):  # from the top edge down, from the bottom edge up
            for ln in seq:
                if not is_running(ln):
                    break
                drop.add(id(ln))
        p.lines = [ln for ln in p.lines if id(ln) not in drop]
        for ln in p.lines:
            if ln.bottom < _TOP_BAND * p.height and ln.rows is None:
                # A masthead holds the running symbol among other words: strip just it.
                ln.text = " ".join(
                    t for t in ln.text.split() if len(t) < 6 or _key(t) not in running
                )


# ------------------------------------------------------------------------------ footnotes


def _split_footnotes(page: _Page, body_size: float) -> None:
    """Move the page-foot run of smaller lines, from its first numbered line, to footnotes."""
    lines = page.lines
    i = len(lines)
    while (
        i > 0
        and lines[i - 1].rows is None
        and lines[i - 1].size < body_size - 0.4
        and lines[i - 1].top > 0.5 * page.height
    ):
        i -= 1
    tail = lines[i:]
    starts = [_footnote_start(ln) for ln in tail]
    first = next((j for j, s in enumerate(starts) if s), None)
    if first is None:
        return
    page.lines = lines[:i] + tail[:first]
    for ln, start in zip(tail[first:], starts[first:], strict=True):
        if start:
            page.footnotes.append((start[0], [start[1]]))
        else:
            page.footnotes[-1][1].append(ln.text)


def _footnote_start(ln: _Line) -> tuple[str, str] | None:
    if ln.lead:
        return ln.lead, ln.text
    m = _FOOTNOTE_START.fullmatch(ln.text)
    return (m.group(1), m.group(2)) if m else None


# ------------------------------------------------------------------------------ line joins


def _join(a: str, b: str, vocab: set[str], compounds: set[str]) -> str:
    """Join two wrapped lines; a line-end hyphen goes only when it broke a word."""
    if not a or not b:
        return a or b
    m = re.search(r"([A-Za-z]+)-$", a)
    second = re.match(r"[A-Za-z]+", b)
    if m and second and not _keep_hyphen(m.group(1), second.group(), vocab, compounds):
        return a[:-1] + b
    if (m and second) or (_URL_END.search(a) and not b[:1].isupper()):
        return a + b  # a compound's hyphen, or a web address broken over two lines
    return f"{a} {b}"


def _keep_hyphen(first: str, second: str, vocab: set[str], compounds: set[str]) -> bool:
    # UN documents are not hyphenated by the typesetter: most line-end hyphens are real
    # ("capacity-\nbuilding"), so the document's own words decide.
    f, s = first.lower(), second.lower()
    if f"{f}-{s}" in compounds:
        return True
    if f + s in vocab:
        return False
    return second[0].isupper() or f in _KEEP_HYPHEN_PREFIXES or f in vocab or s in vocab


def _vocabulary(pages: list[_Page]) -> tuple[set[str], set[str]]:
    """The document's words and hyphenated compounds, leaving out the two pieces of every
    word broken at a line end (they would vouch for themselves)."""
    lines = [ln.text for p in pages for ln in p.lines if ln.rows is None]
    lines += [c for p in pages for ln in p.lines for row in ln.rows or [] for c in row]
    lines += [t for p in pages for _, note in p.footnotes for t in note]
    kept: list[str] = []
    broken = False
    for text in "\n".join(lines).split("\n"):
        if broken:
            text = re.sub(r"^[A-Za-z]+", "", text)
        broken = bool(re.search(r"[A-Za-z]-$", text))
        kept.append(re.sub(r"[A-Za-z]+-$", "", text))
    text = "\n".join(kept)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}
    compounds = {c.lower() for c in re.findall(r"[A-Za-z]+-[A-Za-z]+", text)}
    return words, compounds


# --------------------------------------------------------------------------------- layout


class _Layout:
    """Lines of all pages → blocks: paragraphs, headings with levels, footnotes, tables."""

    def __init__(self, pages: list[_Page], body_size: float) -> None:
        self.pages, self.body = pages, body_size
        self.vocab, self.compounds = _vocabulary(pages)
        self.pitch = _line_pitch(pages, body_size)
        self.out: list[PdfBlock] = []
        self.open: list[_Line] = []  # the lines of the block being read
        self.open_heading = False
        self.pending: list[PdfBlock] = []  # footnotes waiting for the text they interrupt
        self.stack: list[tuple[int, int]] = []  # (rank, level) of the headings in force
        self.last_letter = ""
        self.last_style: tuple | None = None
        self.title = _title_line(pages[0], body_size) if pages else None
        self.before_title = self.title is not None
        self.last_row: tuple[int, list[str]] | None = None  # the last table row: page, cells

    def blocks(self) -> list[PdfBlock]:
        for p in self.pages:
            for ln in p.lines:
                self._line(ln)
            self.pending += [
                PdfBlock(BlockKind.FOOTNOTE, self._lines(note), p.number, 0, n)
                for n, note in p.footnotes
            ]
            if not self.open or self.open_heading:  # no paragraph runs on: notes go here
                self._flush_footnotes()
        self._close()
        self.out += self.pending
        return self.out

    def _is_heading(self, ln: _Line) -> bool:
        big = ln.size >= self.body + 1.5 or (ln.bold and ln.size >= self.body - 0.2)
        numbered = _PARA_START.match(ln.text) or _SUB_START.match(ln.text)
        return (big and len(ln.text) <= 200 and not numbered) or bool(_LABEL.fullmatch(ln.text))

    def _line(self, ln: _Line) -> None:
        if ln is self.title:
            self.before_title = False
            self._close()
            self.open, self.open_heading = [ln], True
            return
        if ln.rows is not None:
            self._close()
            rows = self._continue_table(ln)
            self.out += [PdfBlock(BlockKind.TABLE_ROW, self._row(r), ln.page) for r in rows]
            if rows:
                self.last_row = (ln.page, rows[-1])
            self._flush_footnotes()
            return
        heading = self._is_heading(ln) and not self.before_title
        if self.open and self._continues(self.open[-1], ln, heading):
            self.open.append(ln)
            return
        self._close()
        self.open, self.open_heading = [ln], heading

    def _continues(self, prev: _Line, ln: _Line, heading: bool) -> bool:
        if heading != self.open_heading:
            return False
        if heading:
            same = (prev.size, prev.bold) == (ln.size, ln.bold) and prev.page == ln.page
            return same and ln.top - prev.top <= self._leading(prev)
        if _PARA_START.match(ln.text) and not _REFERS_ON.search(prev.text):
            return False
        if _SUB_START.match(ln.text) and (
            prev.text.endswith((";", ":", ".")) or prev.page != ln.page
        ):
            return False
        if prev.page != ln.page:  # a paragraph runs on over the page break
            last = prev.text[-1:]
            return bool(last) and (last.isalnum() or last in "-–" or ln.text[:1].islower())
        return ln.top - prev.top <= self._leading(prev)

    def _leading(self, prev: _Line) -> float:
        """The most a line may sit below the one before and still be in its paragraph."""
        return max(1.35 * prev.size, 1.25 * self.pitch)

    def _row(self, cells: list[str]) -> str:
        return " | ".join(self._lines(c.split("\n")) for c in cells if c)

    def _continue_table(self, ln: _Line) -> list[list[str]]:
        """The rows of a table, read on from the table that ended the page before.

        A page break cuts a table in two: the new page's part starts with the rest of the
        cut cell (a row whose only text is in a later column) and then rows whose first cell
        is empty because it spans from the page before ("Papua New Guinea" over its
        programmes). The rest of the cut cell becomes a row of its own under the cells
        before it (kept apart, it stays a candidate of readable length: a long cell's last
        sentence is often a condition of its own); the other rows repeat the first cell, as
        rows under a spanning cell on one page do.
        """
        rows = [list(r) for r in ln.rows or []]
        if self.last_row is None or self.last_row[0] != ln.page - 1:
            return rows
        prev, spanned = self.last_row[1], rows
        if rows and not rows[0][0] and sum(map(bool, rows[0])) == 1:
            cut = max(k for k, c in enumerate(prev) if c)
            rows[0], spanned = [*prev[:cut], next(c for c in rows[0] if c)], rows[1:]
        for r in spanned:
            if r[0]:
                break
            r[0] = prev[0]
        return rows

    def _close(self) -> None:
        if not self.open:
            return
        lines, self.open = self.open, []
        text = _LEADER.sub("", self._lines([ln.text for ln in lines])).strip()
        if not text:
            return
        self.last_row = None  # text between: a table after it is a new one
        page = lines[0].page
        if not self.open_heading:
            self.out.append(PdfBlock(BlockKind.PARAGRAPH, text, page))
            self._flush_footnotes()
        elif lines[0] is self.title:
            self.out.append(PdfBlock(BlockKind.HEADING, text, page, 1))
        else:
            self._heading(text, page, (lines[0].size, lines[0].bold))

    def _heading(self, text: str, page: int, style: tuple) -> None:
        prev = self.out[-1] if self.out else None
        if (
            prev is not None
            and prev.kind is BlockKind.HEADING
            and _DECISION.fullmatch(prev.text)
            and style == self.last_style
        ):  # "Decision 2/CMA.3" over its title: one heading
            self.out[-1] = PdfBlock(BlockKind.HEADING, f"{prev.text} {text}", prev.page, prev.level)
            return
        rank = self._rank(text)
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        level = min(6, self.stack[-1][1] + 1 if self.stack else 2)
        self.stack.append((rank, level))
        self.last_style = style
        self.out.append(PdfBlock(BlockKind.HEADING, text, page, level))

    def _rank(self, text: str) -> int:
        """0 decision, 1 annex, 2 roman chapter or article, 3 lettered section, 9 other."""
        if _DECISION.match(text) or _ANNEX.fullmatch(text):
            self.last_letter = ""
            return 0 if _DECISION.match(text) else 1
        letter = _LETTER.match(text)
        # "I." is a chapter unless it follows section "H." (likewise V after U, X after W).
        if letter and not (
            letter.group(1) in "IVX" and chr(ord(letter.group(1)) - 1) != self.last_letter
        ):
            self.last_letter = letter.group(1)
            return 3
        if _CHAPTER.match(text):
            self.last_letter = ""
            return 2
        return 9

    def _lines(self, texts: list[str]) -> str:
        text = ""
        for t in texts:
            text = _join(text, " ".join(t.split()), self.vocab, self.compounds)
        return text

    def _flush_footnotes(self) -> None:
        self.out += self.pending
        self.pending = []


def _line_pitch(pages: list[_Page], body_size: float) -> float:
    """The usual distance between two body lines of one paragraph."""
    gaps: Counter[float] = Counter()
    for p in pages:
        body = [ln for ln in p.lines if ln.rows is None and ln.size == body_size]
        for a, b in pairwise(body):
            if 0 < b.top - a.top < 3 * body_size:
                gaps[round(b.top - a.top)] += 1
    return float(gaps.most_common(1)[0][0]) if gaps else 1.2 * body_size


def _title_line(page: _Page, body_size: float) -> _Line | None:
    """The first page's first line in its largest (then boldest) type, if above the body's."""
    lines = [ln for ln in page.lines if ln.rows is None and len(ln.text) > 1]
    best = max(lines, key=lambda ln: (ln.size, ln.bold), default=None)
    return best if best and (best.size, best.bold) > (body_size, False) else None
