"""File → Document: clean text (no markup, no web debris) plus structural blocks with offsets.

Supported: ``.txt``, ``.md`` (YAML front matter; a body that is HTML is parsed as HTML),
``.html``/``.htm``, ``.pdf`` (page numbers kept) and ``.docx``. Every failure raises an
:class:`~assistant.errors.IngestError` subclass that names the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import CorruptFileError, EmptyDocumentError, UnsupportedFileError
from assistant.ingest.manifest import ManifestEntry, guess_meta
from assistant.types import ITEM_KINDS, Block, BlockKind, DocMeta, Document

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


@dataclass
class RawBlock:
    kind: BlockKind
    text: str
    page: int | None = None
    level: int = 0
    number: str | None = None  # a number the layout knows (a footnote's); else read from text


# ---------------------------------------------------------------------------- public API


def load_file(path: Path, entry: ManifestEntry | None = None) -> Document:
    """Load one file into a Document (memoised per process while the file is unchanged).

    Args:
        path: the file. Its suffix selects the parser.
        entry: the manifest entry describing it, if any; otherwise metadata comes from
            front matter, the first heading and the text itself.
    Raises:
        UnsupportedFileError, EmptyDocumentError, CorruptFileError (all name the file).
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return _load_file(path, entry)  # _load_file reports it
    # Reading a PDF by layout takes about 0.1 s a page; the rules, the ingest and the tests
    # all read the same corpus in one process, so an unchanged file is read once.
    return _load_cached(path, st.st_mtime_ns, st.st_size, entry)


@functools.lru_cache(maxsize=256)
def _load_cached(path: Path, mtime_ns: int, size: int, entry: ManifestEntry | None) -> Document:
    return _load_file(path, entry)


def _load_file(path: Path, entry: ManifestEntry | None) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileError(
            path,
            f"unsupported file type '{suffix or '(none)'}'; use {', '.join(SUPPORTED_SUFFIXES)}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorruptFileError(path, f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise EmptyDocumentError(path, "the file is empty")

    front: dict = {}
    if suffix == ".pdf":
        raw = _pdf_blocks(path, data)
    elif suffix == ".docx":
        raw = _docx_blocks(path, data)
    else:
        text = _decode(path, data)
        front, body = split_front_matter(text)
        if suffix in (".html", ".htm") or _looks_like_html(body):
            raw = html_blocks(body)
        else:
            raw = text_blocks(body)
    raw = _drop_debris(raw)
    text, blocks = _assemble(raw)
    if not text.strip():
        raise EmptyDocumentError(path, "no text could be extracted")

    first_heading = next((b.text for b in raw if b.kind is BlockKind.HEADING), None)
    meta = (
        entry.to_meta(path)
        if entry
        else guess_meta(path, front=front, first_heading=first_heading, text=text)
    )
    content_hash = _hash(data, meta)
    return Document(meta=meta, text=text, blocks=tuple(blocks), content_hash=content_hash)


def iter_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into the supported files they contain, sorted, no duplicates."""
    out: dict[Path, None] = {}
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(f, p):
                    out[f.resolve()] = None
        else:
            out[p.resolve()] = None
    return list(out)


def load_folder(folder: Path, doc_ids: Iterable[str] | None = None) -> dict[str, Document]:
    """Load every supported file under ``folder`` (with its manifest) into {doc_id: Document}.

    Args:
        folder: the corpus folder.
        doc_ids: only these documents (their manifest id, or for a file without an entry,
            the slug of its name); None loads all.
    Files that fail to load are skipped here; ingestion is where load errors are reported.
    """
    from assistant.errors import IngestError
    from assistant.ingest.manifest import entry_for, slugify

    wanted = None if doc_ids is None else set(doc_ids)
    manifests: dict = {}
    docs: dict[str, Document] = {}
    for f in iter_files([Path(folder)]):
        entry = entry_for(f, manifests)
        if wanted is not None and (entry.doc_id if entry else slugify(f.name)) not in wanted:
            continue
        try:
            doc = load_file(f, entry)
        except IngestError:
            continue
        docs[doc.doc_id] = doc
    return docs


def split_front_matter(text: str) -> tuple[dict, str]:
    """Split YAML front matter (``---`` … ``---``) from the body. Bad YAML is treated as none."""
    m = re.match(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", text, re.S)
    if not m:
        return {}, text
    try:
        front = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        front = {}
    return (front if isinstance(front, dict) else {}), text[m.end() :]


# ------------------------------------------------------------------------- text / markdown

# "o" then a tab or a capital: Word's second-level bullet, as pasted into a text file.
_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·]|[-*+](?=\s)|o(?=\t|\s+[A-Z]))\s*")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EMPHASIS_LINE = re.compile(r"^\s*(\*\*|__|\*|_)(?P<t>[^*_].*?)\1\s*$")
_RULE = re.compile(r"^\s*(?:\*\s*){3,}$|^\s*(?:-\s*){3,}$|^\s*(?:_\s*){3,}$")
# A Markdown pipe table: "| a | b |" rows and a "| --- | :-: |" rule under the header.
_PIPE_ROW = re.compile(r"^\|.*\|$")
_PIPE_RULE = re.compile(r"^\|?(?:\s*:?-+:?\s*\|)+\s*(?::?-+:?\s*)?$")
_MD_LINK = re.compile(r"!\[([^\]]*)\]\([^)]*\)|\[([^\]]+)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_SENTENCE_END = re.compile(r"[.!?:;,]['\"”’)]*\s*$")
_DATE_LINE = re.compile(r"^\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4}$")
_CAPTION_START = re.compile(
    r"^(?:Figure|Fig\.|Table|Chart|Exhibit|Image|Photo)\s*\d+[.:]\s.*\(Source:[^)]*\)$"
)


# Footnotes written in Markdown: the marker in the text ("adjusted<sup>1</sup> credits",
# "adjusted[^1] credits") and the note itself, a paragraph that opens with its number
# ("<sup>1</sup>Corresponding adjustment ...", "[^1]: ..."). The note becomes a footnote
# block, indexed and cited as such, as a PDF's footnotes are; the marker is dropped.
_MD_NOTE_MARK = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>|\[\^(\w{1,10})\]")
_MD_NOTE = re.compile(rf"^\s*(?:{_MD_NOTE_MARK.pattern}):?\s*")
_INLINE_TAG = re.compile(r"</?(?:sup|sub|u|b|i|em|strong|span|small)\b[^>]*>", re.I)


def _inline_md(s: str) -> str:
    s = _INLINE_TAG.sub("", _MD_NOTE_MARK.sub("", s))
    s = _MD_LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), s)
    s = _MD_EMPH.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(3), s)
    return s


def _is_heading_like(line: str) -> bool:
    """A short title-like line with no sentence punctuation: a heading in plain text."""
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and not _SENTENCE_END.search(line)
        and (line[0].isupper() or line[0].isdigit())
        and not _DATE_LINE.match(line)
    )


# The same in plain text: "adjusted(1) mitigation outcomes" with a paragraph "(1) Corresponding
# adjustment ..." below. Only a number that is both glued to a word and opens a paragraph is
# a note, so "(1) The Party shall ..." sub-paragraphs and "Article 6(2)" stay as they are.
_GLUED_MARK = r"(?<=[A-Za-z])\(({n})\)(?=[\s.,;:)]|$)"
_PAREN_NOTE = re.compile(r"^\((\d{1,2})\)\s+")


def _plain_notes(body: str) -> frozenset[str]:
    """The numbers of ``body``'s plain-text footnotes: glued to a word and opening a line."""
    opened = set(re.findall(r"(?m)^\s*\((\d{1,2})\)\s", body))
    return frozenset(re.findall(_GLUED_MARK.format(n=r"\d{1,2}"), body)) & opened


def text_blocks(body: str) -> list[RawBlock]:
    """Markdown or plain text → blocks. Paragraphs are separated by blank lines."""
    blocks: list[RawBlock] = []
    para: list[str] = []
    notes = _plain_notes(body)
    marks = re.compile(_GLUED_MARK.format(n="|".join(sorted(notes)))) if notes else None

    def inline(s: str) -> str:
        return _inline_md(marks.sub("", s) if marks else s)

    def flush() -> None:
        if para:
            text = " ".join(para)
            plain = _PAREN_NOTE.match(text)
            if note := _MD_NOTE.match(text):
                number = note.group(1) or note.group(2)
                body = _inline_md(text[note.end() :]).strip()
                blocks.append(RawBlock(BlockKind.FOOTNOTE, body, number=number))
            elif plain and plain.group(1) in notes:
                body = _inline_md(text[plain.end() :]).strip()
                blocks.append(RawBlock(BlockKind.FOOTNOTE, body, number=plain.group(1)))
            else:
                blocks.append(RawBlock(BlockKind.PARAGRAPH, inline(text)))
            para.clear()

    for line in body.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if _RULE.match(stripped):
            flush()
            continue
        if _PIPE_ROW.match(stripped) and stripped.count("|") >= 3:
            # A row of a Markdown table: one row, its cells joined as HTML and DOCX rows are.
            flush()
            if not _PIPE_RULE.match(stripped):
                cells = [_inline_md(c.strip()) for c in stripped[1:-1].split("|")]
                if cells := [c for c in cells if c]:
                    blocks.append(RawBlock(BlockKind.TABLE_ROW, " | ".join(cells)))
            continue
        if m := _MD_HEADING.match(stripped):
            flush()
            blocks.append(
                RawBlock(BlockKind.HEADING, _inline_md(m.group(2)), level=len(m.group(1)))
            )
            continue
        if m := _BULLET.match(line):
            flush()
            blocks.append(RawBlock(BlockKind.LIST_ITEM, inline(line[m.end() :].strip())))
            continue
        if len(stripped) <= 4 or stripped.lower() in _NAV_WORDS:
            flush()  # a lone nav word or glyph is its own block, so debris removal can drop it
            blocks.append(RawBlock(BlockKind.PARAGRAPH, stripped))
            continue
        if (m := _EMPHASIS_LINE.match(stripped)) and not para:
            flush()
            blocks.append(RawBlock(BlockKind.HEADING, m.group("t").strip(), level=4))
            continue
        para.append(stripped)
    flush()

    # Plain text has no heading markup: a lone short line with no sentence punctuation,
    # standing between blank lines, is taken as a heading. Within a run of such lines each
    # nests under the one before (a flattened table header: "Table 1 > Papua New Guinea >
    # VCS"); a heading after prose starts a new run at the top level.
    explicit = any(b.kind is BlockKind.HEADING for b in blocks)
    depth = 0
    for i, b in enumerate(blocks):
        if b.kind is not BlockKind.PARAGRAPH:
            continue
        first_title = i == 0 and len(b.text.split()) <= 20 and not b.text.endswith(".")
        if not explicit and (_is_heading_like(b.text) or first_title):
            depth = depth + 1 if i and blocks[i - 1].kind is BlockKind.HEADING else 0
            blocks[i] = RawBlock(BlockKind.HEADING, b.text, level=1 if i == 0 else 2 + depth)
        elif _CAPTION_START.match(b.text):
            blocks[i] = RawBlock(BlockKind.CAPTION, b.text)
    return blocks


# ------------------------------------------------------------------------------------ html


def _looks_like_html(body: str) -> bool:
    head = body.lstrip()[:2000].lower()
    return head.startswith("<") and bool(
        re.search(r"<(p|div|table|h[1-6]|ul|ol|html|body)\b", head)
    )


_HTML_DROP = ("script", "style", "nav", "footer", "header", "form", "aside", "noscript", "button")
_DEBRIS_ATTR = re.compile(r"cookie|consent|newsletter|subscribe|share|breadcrumb|menu|nav", re.I)


def html_blocks(html: str) -> list[RawBlock]:
    """HTML → blocks. Tables become one ``cell | cell`` row per ``<tr>``; no tags leak."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        attrs = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if attrs.strip() and _DEBRIS_ATTR.search(attrs):
            tag.decompose()

    blocks: list[RawBlock] = []

    def text_of(tag: Tag) -> str:
        return " ".join(tag.get_text(" ", strip=True).split())

    def walk(node: Tag) -> None:
        loose: list[str] = []

        def flush() -> None:
            t = " ".join(" ".join(loose).split())
            if t:
                blocks.append(RawBlock(BlockKind.PARAGRAPH, t))
            loose.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if child.strip() and type(child) is NavigableString:
                    loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in ("a", "span", "strong", "b", "em", "i", "u", "code", "small", "sup", "sub"):
                loose.append(text_of(child))
                continue
            flush()
            if re.fullmatch(r"h[1-6]", name):
                if t := text_of(child):
                    blocks.append(RawBlock(BlockKind.HEADING, t, level=int(name[1])))
            elif name == "table":
                for tr in child.find_all("tr"):
                    cells = [text_of(c) for c in tr.find_all(["td", "th"])]
                    cells = [c for c in cells if c]
                    if cells:
                        blocks.append(RawBlock(BlockKind.TABLE_ROW, " | ".join(cells)))
            elif name == "li":
                if t := text_of(child):
                    blocks.append(RawBlock(BlockKind.LIST_ITEM, t))
            elif name in ("p", "blockquote", "pre", "dt", "dd", "figcaption", "caption"):
                if t := text_of(child):
                    only_strong = child.find(["strong", "b"]) and text_of(child) == " ".join(
                        text_of(s) for s in child.find_all(["strong", "b"])
                    )
                    kind = (
                        BlockKind.HEADING
                        if only_strong and _is_heading_like(t)
                        else BlockKind.PARAGRAPH
                    )
                    blocks.append(RawBlock(kind, t, level=4 if kind is BlockKind.HEADING else 0))
            elif name == "img":
                continue  # an image carries no text; a missing alt must not become content
            else:
                walk(child)
        flush()

    walk(soup)
    return blocks


# ------------------------------------------------------------------------------------- pdf


def _pdf_blocks(path: Path, data: bytes) -> list[RawBlock]:
    from assistant.ingest.pdf import read_pdf  # pdfplumber loads only when a PDF is read

    return [RawBlock(b.kind, b.text, b.page, b.level, b.number) for b in read_pdf(path, data)]


# ------------------------------------------------------------------------------------ docx


def _docx_blocks(path: Path, data: bytes) -> list[RawBlock]:
    import io
    import zipfile

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorruptFileError(path, f"not a readable DOCX ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises assorted errors on bad files
        raise CorruptFileError(path, f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc

    blocks: list[RawBlock] = []
    notes = _docx_notes(data)
    numbers: dict[tuple[str, str], str] = {}

    def add_notes(element) -> None:  # noqa: ANN001 - the paragraph or row just read
        # Each note once, numbered in the order the text refers to it, right after the
        # block that refers to it (as a PDF's notes follow their page's text).
        for ref in element.iter(_W + "footnoteReference", _W + "endnoteReference"):
            key = (ref.tag.rsplit("}", 1)[-1], ref.get(_W + "id", ""))
            if key in numbers or not notes.get(key):
                continue
            kind_count = sum(k[0] == key[0] for k in numbers)
            numbers[key] = (
                str(kind_count + 1) if key[0].startswith("foot") else _roman(kind_count + 1)
            )
            blocks.append(RawBlock(BlockKind.FOOTNOTE, notes[key], number=numbers[key]))

    numbering = _DocxNumbering(data)
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            t = " ".join(_docx_text(para).split())
            if not t:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            label, fmt, level = numbering.label(child, para.style)
            if fmt == "bullet":
                blocks.append(RawBlock(BlockKind.LIST_ITEM, t))
            elif label and fmt in ("upperRoman", "upperLetter") and _is_label_title(t):
                blocks.append(RawBlock(BlockKind.HEADING, f"{label} {t}", level=level + 1))
            elif label:
                blocks.append(RawBlock(BlockKind.PARAGRAPH, f"{label} {t}"))
            elif style.lower().startswith(("heading", "title")):
                level = int(m.group()) if (m := re.search(r"\d", style)) else 1
                blocks.append(RawBlock(BlockKind.HEADING, t, level=level))
            elif "list" in style.lower() or _BULLET.match(t):
                blocks.append(RawBlock(BlockKind.LIST_ITEM, _BULLET.sub("", t, count=1)))
            else:
                blocks.append(RawBlock(BlockKind.PARAGRAPH, t))
            add_notes(child)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    ct = " ".join(" ".join(_docx_text(p) for p in cell.paragraphs).split())
                    if ct and (not cells or cells[-1] != ct):  # merged cells repeat their text
                        cells.append(ct)
                if cells:
                    blocks.append(RawBlock(BlockKind.TABLE_ROW, " | ".join(cells)))
                add_notes(row._tr)
    return blocks


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _DocxNumbering:
    """Word's automatic numbering ("1.", "(a)", "I.") as printed: python-docx gives a
    paragraph's text without it, and UN drafts number every paragraph this way. Read from
    the numbering part with lxml. Paragraphs of list instances (``w:num``) that share an
    abstract list continue one count, as Word shows them, unless an instance restarts it
    (``w:startOverride``); a level's count restarts below a higher level that moved on.
    """

    def __init__(self, data: bytes) -> None:
        import io
        import zipfile

        from lxml import etree

        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.abstract: dict[str, str] = {}
        self.restart: dict[str, dict[int, int]] = {}
        self.counts: dict[str, dict[int, int]] = {}
        self.used: set[str] = set()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/numbering.xml" not in z.namelist():
                return
            root = etree.fromstring(z.read("word/numbering.xml"))
        for a in root.iter(_W + "abstractNum"):
            levels = self.levels.setdefault(a.get(_W + "abstractNumId", ""), {})
            for lvl in a.iter(_W + "lvl"):
                fmt, text, start = (lvl.find(_W + k) for k in ("numFmt", "lvlText", "start"))
                levels[int(lvl.get(_W + "ilvl", "0"))] = (
                    fmt.get(_W + "val", "decimal") if fmt is not None else "decimal",
                    text.get(_W + "val", "") if text is not None else "",
                    int(start.get(_W + "val", "1")) if start is not None else 1,
                )
        for n in root.iter(_W + "num"):
            ref = n.find(_W + "abstractNumId")
            num_id = n.get(_W + "numId", "")
            self.abstract[num_id] = ref.get(_W + "val", "") if ref is not None else ""
            for o in n.iter(_W + "lvlOverride"):
                if (start := o.find(_W + "startOverride")) is not None:
                    level = int(o.get(_W + "ilvl", "0"))
                    self.restart.setdefault(num_id, {})[level] = int(start.get(_W + "val", "1"))

    def label(self, p, style) -> tuple[str, str, int]:  # noqa: ANN001 - lxml / python-docx
        """(printed label, number format, level) of paragraph ``p``; ("", "", 0) if none."""
        num_pr = p.find(f"{_W}pPr/{_W}numPr")
        while num_pr is None and style is not None:  # numbering that comes with the style
            num_pr = style.element.find(f"{_W}pPr/{_W}numPr")
            style = style.base_style
        if num_pr is None:
            return "", "", 0
        num_el, lvl_el = num_pr.find(_W + "numId"), num_pr.find(_W + "ilvl")
        num_id = num_el.get(_W + "val", "0") if num_el is not None else "0"
        level = int(lvl_el.get(_W + "val", "0")) if lvl_el is not None else 0
        levels = self.levels.get(self.abstract.get(num_id, ""), {})
        if num_id == "0" or level not in levels:
            return "", "", 0
        counts = self.counts.setdefault(self.abstract[num_id], {})
        if num_id not in self.used:
            self.used.add(num_id)
            for lv, start in self.restart.get(num_id, {}).items():
                counts[lv] = start - 1
        counts[level] = counts.get(level, levels[level][2] - 1) + 1
        for deeper in [lv for lv in counts if lv > level]:
            del counts[deeper]
        fmt, text, _ = levels[level]
        if fmt == "bullet":
            return "•", fmt, level

        def shown(m: re.Match) -> str:
            lv = int(m.group(1)) - 1
            n = counts.get(lv, levels.get(lv, ("decimal", "", 1))[2])
            return _number_as(n, levels.get(lv, ("decimal", "", 1))[0])

        return re.sub(r"%(\d)", shown, text).strip(), fmt, level


def _is_label_title(text: str) -> bool:
    """A short title, bracketed or not, after a chapter's or section's number ("I.", "A.")."""
    return len(text.split()) <= 16 and not re.search(r"[.;:,]\W*$", text)


def _number_as(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    return "" if fmt == "none" else str(n)


def _docx_notes(data: bytes) -> dict[tuple[str, str], str]:
    """The text of a DOCX's footnotes and endnotes, by (reference tag, id). python-docx does
    not read the notes parts, so they are read from the package with lxml (its dependency);
    the separator notes Word keeps there have no text and are left out."""
    import io
    import zipfile

    from lxml import etree

    out: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part, kind in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
            if part not in z.namelist():
                continue
            root = etree.fromstring(z.read(part))
            for note in root.iter(_W + kind):
                paras = [
                    "".join(t.text or "" for t in p.iter(_W + "t")) for p in note.iter(_W + "p")
                ]
                text = " ".join(" ".join(paras).split())
                if text:
                    out[(f"{kind}Reference", note.get(_W + "id", ""))] = text
    return out


def _roman(n: int) -> str:
    """Word's default endnote numbering: i, ii, iii, ..."""
    out = ""
    for value, letters in (
        (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"),
        (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out, n = out + letters, n - value
    return out


_ORDINAL = re.compile(r"\d(st|nd|rd|th)$")


def _docx_text(para) -> str:  # noqa: ANN001 - docx.text.paragraph.Paragraph, imported lazily
    """A paragraph's text without its note markers: a superscript run of one or two letters
    ("Authorization ID<sup>a</sup>", the draft's table notes) is dropped, as a PDF's raised
    footnote digits are; a superscript ordinal ("1<sup>st</sup>") stays."""
    from docx.text.run import Run

    out = ""
    for item in para.iter_inner_content():
        text = item.text
        if (
            isinstance(item, Run)
            and item.font.superscript
            and re.fullmatch(r"[A-Za-z]{1,2}", text.strip())
            and not _ORDINAL.search(out.rstrip() + text.strip())
        ):
            continue
        out += text
    return out


# ---------------------------------------------------------------------------------- debris

_NAV_WORDS = {
    "back", "top", "back to top", "en", "menu", "home", "share", "print", "search", "login",
    "log in", "sign in", "subscribe", "next", "previous", "related topics", "related articles",
    "article collection", "read more", "skip to content", "download request", "close",
}  # fmt: skip
_TAIL_TRIGGERS = re.compile(
    r"^(related topics|related articles|download request|you may also like)\b", re.I
)
_COOKIE = re.compile(
    r"\bcookies?\b.*\b(use|agree|accept|consent)|\b(use|agree|accept)\b.*\bcookies?\b", re.I
)
_FORM_HINT = re.compile(r"fill (out|in) the form|send your submission|subscribe to our", re.I)
_CAPTION = re.compile(r"\((?:image|photo|credit)\s*:[^)]*\)\s*$", re.I)


def _drop_debris(blocks: list[RawBlock]) -> list[RawBlock]:
    """Remove navigation words, cookie notices, download forms, image credits and repeats."""
    out: list[RawBlock] = []
    for i, b in enumerate(blocks):
        t = b.text.strip()
        low = t.lower().rstrip(".:")
        if _TAIL_TRIGGERS.match(t) and i >= len(blocks) // 2:
            break  # everything after a "related topics"/download-form footer is page chrome
        if low in _NAV_WORDS or _COOKIE.search(t) or _FORM_HINT.search(t):
            continue
        if len(t) <= 4 and not t[:1].isdigit() and b.kind not in ITEM_KINDS:
            continue  # language switchers, stray glyphs ("EN", "碳權"); not "Peru" in a list
        if _CAPTION.search(t):
            t = _CAPTION.sub("", t).strip()
            if not t:
                continue
            b = RawBlock(BlockKind.CAPTION, t, b.page, b.level, b.number)
        if out and out[-1].text == t:
            continue  # a caption or heading repeated by the page layout
        out.append(b if b.text == t else RawBlock(b.kind, t, b.page, b.level, b.number))
    return out


# -------------------------------------------------------------------------------- assembly

# A paragraph number: "36." or "3.1"; three digits only with a dot ("140. Decides").
_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*|\d{3}(?=\.))(?:\.|\s)\s*(?=[A-Z“\"(\[])")
_SUB_NUMBERED = re.compile(r"^\((?P<sub>[a-z]{1,2}|[ivxl]{1,6})\)\s")
# A third level under a roman sub-paragraph, printed "a." ("(i) Identification of NMAs:"
# then "a. Identifying focus areas ..."): only read as a number right under a roman one.
_DOTTED_SUB = re.compile(r"^(?P<sub>[a-z])\.\s+(?=[A-Z])")
_ROMAN = re.compile(r"[ivxl]+")


def _assemble(raw: list[RawBlock]) -> tuple[str, list[Block]]:
    """Join blocks into one clean text, separated by blank lines, recording offsets."""
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    numbers = _Numbering()
    for rb in raw:
        t = " ".join(rb.text.split())
        if not t:
            continue
        if rb.kind is BlockKind.LIST_ITEM:
            t = "• " + t
        number = rb.number or numbers.of(rb.kind, t)
        if parts:
            parts.append("\n\n")
            pos += 2
        blocks.append(Block(rb.kind, pos, pos + len(t), rb.page, rb.level, number))
        parts.append(t)
        pos += len(t)
    return "".join(parts), blocks


class _Numbering:
    """Printed paragraph numbers, sub-paragraphs qualified by their parent: "36", "36(a)",
    "36(a)(ii)", and a third level printed "a." under a roman one, "8(a)(i)(a)". A heading
    ends the parent's scope."""

    def __init__(self) -> None:
        self.parent: str | None = None
        self.letter: str | None = None
        self.roman: str | None = None  # the roman sub-paragraph a "a." item is under

    def of(self, kind: BlockKind, text: str) -> str | None:
        if kind is BlockKind.HEADING:
            self.parent = self.letter = self.roman = None
        if kind is not BlockKind.PARAGRAPH or _DATE_LINE.match(text):
            return None
        if m := _NUMBERED.match(text):
            self.parent, self.letter, self.roman = m.group("num"), None, None
            return self.parent
        if self.roman and (m := _DOTTED_SUB.match(text)):
            return f"{self.roman}({m.group('sub')})"
        if not (m := _SUB_NUMBERED.match(text)):
            return None
        sub = m.group("sub")
        self.roman = None
        if self.parent is None:  # a list under unnumbered text ("Article 1 ... (a)")
            return f"({sub})"
        follows = self.letter is not None and len(sub) == 1 and ord(sub) == ord(self.letter) + 1
        if _ROMAN.fullmatch(sub) and not follows:  # "(i)" after "(h)" is a letter
            self.roman = (
                f"{self.parent}({self.letter})({sub})" if self.letter else f"{self.parent}({sub})"
            )
            return self.roman
        self.letter = sub
        return f"{self.parent}({sub})"


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorruptFileError(path, "bad UTF-16 text") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(
            path,
            f"not UTF-8 text (invalid byte at position {exc.start}); re-save the file as UTF-8",
        ) from exc
    if "\x00" in text:
        raise CorruptFileError(path, "contains NUL bytes; this looks like a binary file, not text")
    return text


# Part of every content hash: bump it when a loader's output changes, so that an existing
# index reads its files again instead of keeping the text the older loader produced.
LOADER_VERSION = "2026-12-05k"  # third-level "a." items under "(i)" numbered; sub-paragraphs chunked with their paragraph (2026-12-05: DOCX automatic numbering, DOCX footnotes and endnotes, PDF "Article" + "2." runs on, PDF header rows wrapped onto two, plain-text "(1)" footnotes, DOCX note markers dropped, PDF table cells read by overlap lines, Markdown footnotes, PDF tables across a page break; 2026-12-04: Markdown pipe tables as rows; 2026-12-02: layout-aware PDFs)


def _hash(data: bytes, meta: DocMeta) -> str:
    h = hashlib.sha256(data)
    h.update(LOADER_VERSION.encode())
    meta_key = {k: v for k, v in meta.__dict__.items() if k != "source_path"}
    h.update(json.dumps(meta_key, sort_keys=True, default=str).encode())
    return h.hexdigest()[:24]


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)
