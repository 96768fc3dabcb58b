"""How answers look in the app: Markdown with clickable ``[n]`` markers, passages highlighted in
their context, the sources panel, "copy as Markdown", the documents table and the status line.

Pure functions of the API's types (plus :class:`Turn`, one chat exchange), so tests check
exactly what users see. Everything taken from documents or users is escaped: HTML with
``html.escape``, Markdown with backslashes.

Marker links use fragment addresses the app's click handler understands: ``#cite-<turn>-<n>``
opens citation ``n`` of chat turn ``turn``; ``#rel-<turn>-<i>`` its ``i``-th related passage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from assistant.index import DocRecord
from assistant.retrieval import Filters
from assistant.types import Answer, Citation, DocMeta, Hit, IndexStatus

if TYPE_CHECKING:  # the compliance tools load only when the app uses them
    from assistant.compliance import AgreementTable, EligibilityResult, OffsetResult

CONTEXT_CHARS = 700  # shown on each side of a highlighted passage
_MARKER = re.compile(r"\[(\d{1,3})\]")
_REF = re.compile(r"^(cite|rel)-(\d{1,5})-(\d{1,3})$")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")
_WIDE_SPACE = re.compile(r"[ \t]*\n[ \t]*\n\s*")


@dataclass(frozen=True)
class Turn:
    """One answered chat message, whichever tool answered it.

    ``text`` is plain text with ``[n]`` markers (what follow-ups, feedback and the export use);
    ``body`` the same as Markdown when the tool gives structure (lists, bold), else None.
    """

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    related: tuple[Hit, ...] = ()
    abstained: bool = False
    source: str = "documents"
    body: str | None = None

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        """The turn of an answer. A compliance tool's answer keeps its tool's name and shows
        its whole result (every reason and condition, as Markdown), with the result's own
        citations, rather than the short answer."""
        if answer.result is not None:
            return cls(
                answer.question, answer.result.to_text(sources=False), answer.result.citations,
                source=answer.tool or "documents", body=tool_markdown(answer),
            )  # fmt: skip
        return cls(
            answer.question, answer.answer, answer.citations, answer.related, answer.abstained,
            source=answer.tool or "documents",
        )  # fmt: skip


@dataclass(frozen=True)
class Ref:
    """A click on a marker or a related passage: ``kind`` is "cite" or "rel"."""

    kind: str
    turn: int
    n: int


def parse_ref(value: str | None) -> Ref | None:
    """Parse a clicked reference (``"cite-0-2"``; anything after ``@`` is ignored)."""
    m = _REF.match((value or "").split("@", 1)[0].strip().lstrip("#"))
    return Ref(m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def lookup(turns: list[Turn], ref: Ref | None) -> Citation | Hit | None:
    """The citation or related passage a reference points at, if it still exists."""
    if ref is None or not 0 <= ref.turn < len(turns):
        return None
    turn = turns[ref.turn]
    if ref.kind == "cite":
        return next((c for c in turn.citations if c.n == ref.n), None)
    return turn.related[ref.n - 1] if 1 <= ref.n <= len(turn.related) else None


# ------------------------------------------------------------------------------ text helpers


def md_escape(text: str) -> str:
    """Text that Markdown shows literally (no emphasis, links, headings, HTML or maths)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def plural(n: int, word: str) -> str:
    """``"1 chunk"``, ``"2 chunks"``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_date(d: date | None, kind: str = "published") -> str:
    if d is None:
        return "undated"
    day = f"{d.day} {d:%B %Y}"
    return f"as of {day}" if kind == "as_of" else f"published {day}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _link_markers(escaped: str, turn: int, numbers: set[int]) -> str:
    # Markers are escaped to "\[n\]" by md_escape; only numbers the answer cites become links.
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[\\[{n}\\]](#cite-{turn}-{n})" if n in numbers else m.group(0)

    return re.sub(r"\\\[(\d{1,3})\\\]", link, escaped)


def _where(section: str, page: int | None) -> str:
    return " · ".join(x for x in (section, f"p. {page}" if page else "") if x)


# ------------------------------------------------------------------------------ chat bubbles


def streaming_markdown(partial: str) -> str:
    """An answer still arriving: its text so far, escaped, with a cursor."""
    return md_escape(partial) + " ▍"


def turn_markdown(turn: Turn, index: int) -> str:
    """The chat bubble of a finished turn: markers link to their passages; an abstention
    lists the related passages, which open the same way."""
    body = turn.body if turn.body is not None else md_escape(turn.text)
    out = _link_markers(body, index, {c.n for c in turn.citations})
    if turn.abstained and turn.related:
        items = [
            f"{i}. [{md_escape(h.chunk.title)}](#rel-{index}-{i})"
            + (f" — {md_escape(_where(h.chunk.section, h.chunk.page))}" if h.chunk.section else "")
            for i, h in enumerate(turn.related, 1)
        ]
        out += "\n\n**Related passages** (they may help, but do not answer the question):\n\n"
        out += "\n".join(items)
    if turn.source != "documents":
        out = f"*Answered by the {turn.source}.*\n\n{out}"
    return out


def chat_messages(turns: Iterable[Turn]) -> list[dict]:
    """The chat window's messages for the finished turns."""
    out: list[dict] = []
    for i, t in enumerate(turns):
        out += [
            {"role": "user", "content": md_escape(t.question)},
            {"role": "assistant", "content": turn_markdown(t, i)},
        ]
    return out


def history_for_ask(turns: Iterable[Turn]) -> list[dict]:
    """Earlier turns in the shape :meth:`Assistant.ask` takes for follow-up questions."""
    out: list[dict] = []
    for t in turns:
        out += [{"role": "user", "content": t.question}, {"role": "assistant", "content": t.text}]
    return out


# ------------------------------------------------------------------------------ side panels


def sources_html(turn: Turn | None, index: int) -> str:
    """The sources panel: every citation of the turn (or its related passages) as a card."""
    if turn is None:
        return '<p class="a6-empty">Sources of the latest answer appear here.</p>'
    if turn.citations:
        cards = [
            _card(f"#cite-{index}-{c.n}", f"[{c.n}]", c.title, _where(c.section, c.page),
                  format_date(c.published), c.quote)
            for c in turn.citations
        ]  # fmt: skip
        return '<ol class="a6-sources">' + "".join(cards) + "</ol>"
    if turn.related:
        cards = [
            _card(f"#rel-{index}-{i}", f"{i}.", h.chunk.title,
                  _where(h.chunk.section, h.chunk.page), format_date(h.chunk.published),
                  _clip(h.chunk.text, 220))
            for i, h in enumerate(turn.related, 1)
        ]  # fmt: skip
        return (
            '<p class="a6-abstained">The documents do not answer this. Related passages:</p>'
            '<ol class="a6-sources">' + "".join(cards) + "</ol>"
        )
    return '<p class="a6-empty">This answer cites no passages.</p>'


def _card(href: str, label: str, title: str, where: str, when: str, quote: str) -> str:
    e = html.escape
    meta = " · ".join(x for x in (where, when) if x)
    return (
        f'<li class="a6-source"><a class="a6-cite" href="{e(href)}">{e(label)}</a> '
        f'<a class="a6-title" href="{e(href)}">{e(title)}</a>'
        f'<div class="a6-meta">{e(meta)}</div>'
        f'<div class="a6-quote">“{e(_clip(quote, 240))}”</div></li>'
    )


def _clip(text: str, n: int) -> str:
    text = _one_line(text)
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def passage_placeholder() -> str:
    return '<p class="a6-empty">Click a marker such as [1] to see the passage in its document.</p>'


def passage_gone() -> str:
    return '<p class="a6-empty">That document has been removed from the index since.</p>'


def passage_html(
    text: str,
    start: int,
    end: int,
    meta: DocMeta,
    *,
    label: str = "",
    section: str = "",
    page: int | None = None,
    context: int = CONTEXT_CHARS,
) -> str:
    """A passage ``text[start:end]`` highlighted with ``<mark>`` in its surrounding text, under
    the document's title, section, page, date and a link to the source."""
    e = html.escape
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lo, hi = _window(text, start, end, context)
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    meta_line = " · ".join(
        x
        for x in (
            section and f"Section: {section}",
            f"Page {page}" if page else "",
            _upper_first(format_date(meta.published, meta.date_kind)),
            str(meta.doc_type).replace("_", " "),
        )
        if x
    )
    url = meta.url or ""
    if url.startswith(("http://", "https://")):
        link = f'<a class="a6-source-link" href="{e(url)}" target="_blank" rel="noopener">Open the source ↗</a>'
    else:
        link = '<span class="a6-meta">No source link is recorded for this document.</span>'
    return (
        '<div class="a6-passage">'
        f'<div class="a6-passage-title">{e(label + " ") if label else ""}{e(meta.title)}</div>'
        f'<div class="a6-meta">{e(meta_line)}</div><div>{link}</div>'
        f'<div class="a6-text">{"… " if lo else ""}{_paras(before)}'
        f'<mark class="a6-mark">{_paras(quote)}</mark>{_paras(after)}{" …" if hi < len(text) else ""}'
        "</div></div>"
    )


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _paras(text: str) -> str:
    # Blank lines separate blocks; the panel shows them as one visible break (pre-line).
    return html.escape(_WIDE_SPACE.sub("\n\n", text))


def _window(text: str, start: int, end: int, context: int) -> tuple[int, int]:
    """Bounds around [start, end) that end on block or word boundaries."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    if lo > 0:
        para = text.find("\n\n", lo, start)
        lo = para + 2 if para >= 0 else (text.find(" ", lo, start) + 1 or lo)
    if hi < len(text):
        para = text.rfind("\n\n", end, hi)
        hi = (
            para
            if para >= 0
            else (text.rfind(" ", end, hi) if text.rfind(" ", end, hi) > 0 else hi)
        )
    return lo, hi


# ------------------------------------------------------------------------------ export


def export_markdown(turn: Turn) -> str:
    """ "Copy as Markdown": the question, the answer with its markers, and its sources."""
    lines = [f"**Question:** {md_escape(turn.question)}", "", turn.body or md_escape(turn.text)]
    if turn.citations:
        lines += ["", "**Sources**", ""]
        for c in turn.citations:
            where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
            title = f"[{md_escape(c.title)}]({c.url})" if c.url else md_escape(c.title)
            head = " — ".join(x for x in (title, md_escape(where), format_date(c.published)) if x)
            lines += [f"\\[{c.n}\\] {head}  ", f"> {md_escape(_one_line(c.quote))}", ""]
    elif turn.related:
        lines += ["", "**Related passages** (the documents do not answer this)", ""]
        for i, h in enumerate(turn.related, 1):
            lines.append(f"{i}. {md_escape(h.chunk.title)} — {md_escape(_clip(h.chunk.text, 200))}")
    if turn.source != "documents":
        lines += ["", f"*Answered by the {turn.source}.*"]
    # Pasted Markdown is read as text too: markers and amounts stay plain ("[1]", "S$45");
    # "[1]" without a link definition renders literally anyway.
    text = re.sub(r"\\\[(\d{1,3})\\\]", r"[\1]", "\n".join(lines)).replace("\\$", "$")
    return text.strip() + "\n"


# ------------------------------------------------------------------------------ index views


def status_markdown(status: IndexStatus) -> str:
    """The footer line: documents, chunks and the last update."""
    when = "never"
    if status.last_updated:
        try:
            t = datetime.strptime(status.last_updated, "%Y-%m-%dT%H:%M:%S%z")
            when = f"{t.day} {t:%b %Y, %H:%M} UTC"
        except ValueError:
            when = status.last_updated
    return (
        f"Index: **{status.documents}** documents · **{status.chunks}** chunks · "
        f"last updated {when}"
    )


DOCUMENT_COLUMNS = ["Title", "Type", "Date", "Countries", "Chunks", "ID"]


def document_rows(records: Mapping[str, DocRecord]) -> list[list]:
    """One row per indexed document (columns :data:`DOCUMENT_COLUMNS`), newest first."""
    rows = []
    for rec in sorted(records.values(), key=lambda r: r.meta.published or date.min, reverse=True):
        m = rec.meta
        when = m.published.isoformat() if m.published else ""
        if when and m.date_kind == "as_of":
            when += " (as of)"
        rows.append(
            [m.title, str(m.doc_type).replace("_", " "), when, ", ".join(m.countries),
             rec.n_chunks, m.doc_id]
        )  # fmt: skip
    return rows


def filter_choices(records: Mapping[str, DocRecord]) -> dict[str, list]:
    """Choices for the filters: documents as (title, id), and the types and countries used."""
    metas = [r.meta for r in records.values()]
    return {
        "documents": sorted(((m.title, m.doc_id) for m in metas), key=lambda t: t[0].lower()),
        "types": sorted({str(m.doc_type) for m in metas}),
        "countries": sorted({c for m in metas for c in m.countries}),
    }


def make_filters(
    doc_ids: Iterable[str] | None, doc_types: Iterable[str] | None, countries: Iterable[str] | None
) -> Filters | None:
    """Filters from the chat's selections; None when nothing is selected."""
    f = Filters(tuple(doc_ids or ()), tuple(doc_types or ()), tuple(countries or ()))
    return f or None


# ------------------------------------------------------------------------------ compliance

_VERDICT_ICON = {"eligible": "✅", "not eligible": "❌", "cannot determine": "❔"}


def tool_markdown(answer: Answer) -> str | None:
    """A compliance tool's result as Markdown; None for an answer from the documents, or a
    tool's request for a missing input (its plain text is shown)."""
    from assistant.compliance import EligibilityResult

    if answer.result is None:
        return None
    if isinstance(answer.result, EligibilityResult):
        return eligibility_markdown(answer.result)
    return offset_markdown(answer.result)


def _findings(title: str, findings: Iterable) -> list[str]:
    items = [f"- {md_escape(f.render())}" for f in findings]
    return [f"**{title}**", "", *items, ""] if items else []


def eligibility_markdown(result: EligibilityResult) -> str:
    """A verdict with the inputs it was given, its reasons and conditions (markers kept)."""
    q, verdict = result.query, str(result.verdict)
    given = [
        ("Host country", q.host_country), ("Programme", q.programme),
        ("Methodology", q.methodology),
        ("Published", q.published.isoformat() if q.published else None),
        ("Category", q.category),
    ]  # fmt: skip
    lines = [
        f"**{_VERDICT_ICON.get(verdict, '')} Verdict: {verdict.upper()}**",
        "",
        " · ".join(f"{k}: {md_escape(v)}" for k, v in given if v) or "No inputs recognised.",
        "",
    ]
    if result.missing:
        lines += [f"**Missing input:** {md_escape(', '.join(result.missing))}", ""]
    lines += _findings("Reasons", result.reasons)
    if result.conditions:
        head = "Conditions" if verdict == "eligible" else "Conditions (if eligible)"
        lines += _findings(head, result.conditions)
    return "\n".join(lines).strip()


def _amount(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.2f}"


def offset_markdown(result: OffsetResult) -> str:
    """The calculator's figures for one year and the notes that explain them."""
    s = result.currency_symbol
    rate = f"{s}{_amount(result.rate)} per tonne" if result.rate is not None else "not stated"
    value = (
        f"{s}{_amount(result.max_offset_value)}" if result.max_offset_value is not None else "n/a"
    )
    rows = [
        ("Taxable emissions", f"{_amount(result.emissions)} tCO2e"),
        ("Carbon tax rate", rate),
        ("ICCs usable this year", "yes" if result.available else "no"),
        (
            f"Most ICCs usable ({_amount(result.limit_percent)}%)",
            f"{_amount(result.max_credits)} tCO2e",
        ),
        ("Most tax liability offset", value),
        ("Source as of", result.as_of.isoformat() if result.as_of else "n/a"),
    ]
    table = ["| Year " + str(result.year) + " | |", "|---|---|"]
    table += [f"| {md_escape(k)} | {md_escape(v)} |" for k, v in rows]
    return "\n".join([*table, "", *_findings("Notes", result.notes)]).strip()


def agreements_markdown(table: AgreementTable) -> str:
    """Partners with their MOU and Implementation Agreement, the totals each source states,
    and where sources disagree."""
    lines = ["| Country | MOU | Implementation Agreement |", "|---|---|---|"]
    for r in table.rows:
        mou = md_escape(r.mou.render()) if r.mou else "—"
        ia = r.implementation_agreement
        lines.append(
            f"| {md_escape(r.country)} | {mou} | {md_escape(ia.render()) if ia else '—'} |"
        )
    lines += ["", "**Totals as each source states them**", ""]
    for c in table.counts:
        when = format_date(c.source.as_of, c.source.date_kind)
        lines.append(
            f"- {c.count} {c.kind.label}s ({md_escape(c.source.doc_id)}, {when}) \\[{c.source.n}\\]"
        )
    lines += ["", *_findings("Notes", table.notes)]
    return "\n".join(lines).strip()


def sources_markdown(citations: Iterable[Citation]) -> str:
    """Numbered sources with their exact quotes, for the compliance tabs."""
    out = []
    for c in citations:
        link = f" [source ↗]({c.url})" if c.url else ""
        out.append(
            f"\\[{c.n}\\] **{md_escape(c.title)}** — {format_date(c.published)}{link}  \n"
            f"> “{md_escape(_one_line(c.quote))}”"
        )
    return ("**Sources**\n\n" + "\n\n".join(out)) if out else ""
