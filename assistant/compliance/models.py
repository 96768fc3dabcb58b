"""Results of the compliance tools: small frozen dataclasses with ``to_dict`` and ``to_text``.

``to_dict`` gives the JSON contracts of the CLI's ``--json`` output; ``to_text`` the
human-readable form used by the CLI and the chat. Reasons, conditions and notes are
:class:`Finding` objects that point at the result's numbered citations, so every statement
can be traced to the clause behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assistant.errors import QueryError
from assistant.types import Citation


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not eligible"
    CANNOT_DETERMINE = "cannot determine"


class AgreementKind(StrEnum):
    MOU = "mou"
    IMPLEMENTATION_AGREEMENT = "implementation_agreement"

    @property
    def label(self) -> str:
        return "MOU" if self is AgreementKind.MOU else "Implementation Agreement"


class AgreementStatus(StrEnum):
    SIGNED = "signed"
    ANTICIPATED = "anticipated"


class ComplianceInputError(QueryError, ValueError):
    """An input the compliance tools cannot work with (negative emissions, a malformed date)."""


def number(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an int when whole, else a float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.2f}"


def _markers(ns: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in ns)


def _sources(citations: tuple[Citation, ...]) -> list[str]:
    lines = ["Sources:"] if citations else []
    for c in citations:
        dated = c.published.isoformat() if c.published else "undated"
        lines.append(f"  [{c.n}] {c.title} ({c.doc_id}, {dated}): “{c.quote}”")
    return lines


@dataclass(frozen=True)
class Finding:
    """One statement of a result (a reason, a condition, a note) and the citations behind it."""

    text: str
    citations: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"text": self.text, "citations": list(self.citations)}

    def render(self) -> str:
        """The text followed by its citation markers, e.g. ``"… is excluded. [2]"``."""
        return f"{self.text} {_markers(self.citations)}".rstrip()


# ---------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class EligibilityQuery:
    """An eligibility question: where the project is, its programme and its methodology."""

    host_country: str | None
    programme: str | None
    methodology: str | None
    published: date | None = None
    category: str | None = None

    def to_dict(self) -> dict:
        return {
            "host_country": self.host_country,
            "programme": self.programme,
            "methodology": self.methodology,
            "published": self.published.isoformat() if self.published else None,
            "category": self.category,
        }


@dataclass(frozen=True)
class OffsetQuery:
    """An offset question: taxable emissions (tCO2e) and the tax year, either possibly unknown."""

    emissions: Decimal | None
    year: int | None

    def to_dict(self) -> dict:
        return {"emissions": number(self.emissions), "year": self.year}


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class EligibilityResult:
    """A verdict with its reasons, the conditions that apply and the clauses they cite.

    ``missing`` names the inputs whose absence prevents a verdict (``published``,
    ``category``, ...). ``conditions`` are empty when the verdict is ``not eligible``.
    """

    verdict: Verdict
    query: EligibilityQuery
    reasons: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    citations: tuple[Citation, ...]
    missing: tuple[str, ...] = ()
    # The findings that decide the verdict (what excludes the methodology, what vouches for it,
    # what is missing; for an eligible one, its own conditions such as a named exception's
    # cut-off), without those about the list and the programme: the short answer.
    decisive: tuple[Finding, ...] = ()

    def to_dict(self) -> dict:
        return {
            "verdict": str(self.verdict),
            "reasons": [r.to_dict() for r in self.reasons],
            "conditions": [c.to_dict() for c in self.conditions],
            "citations": [c.to_dict() for c in self.citations],
            "missing": list(self.missing),
            "query": self.query.to_dict(),
        }

    def to_text(self, sources: bool = True) -> str:
        """Plain text: verdict, inputs, reasons and conditions with ``[n]`` markers, then the
        numbered sources (left off with ``sources=False``, where the citations go apart)."""
        q = self.query
        lines = [
            f"Verdict: {str(self.verdict).upper()}",
            f"  host country: {q.host_country or '?'}; programme: {q.programme or '?'}; "
            f"methodology: {q.methodology or '?'}",
        ]
        if q.published or q.category:
            lines.append(
                f"  published: {q.published.isoformat() if q.published else '?'}; "
                f"category: {q.category or '?'}"
            )
        if self.missing:
            lines.append(f"Missing input: {', '.join(self.missing)}")
        lines.append("Reasons:")
        lines += [f"  - {r.render()}" for r in self.reasons]
        if self.conditions:
            head = (
                "Conditions:" if self.verdict is Verdict.ELIGIBLE else "Conditions (if eligible):"
            )
            lines.append(head)
            lines += [f"  - {c.render()}" for c in self.conditions]
        return "\n".join(lines + (_sources(self.citations) if sources else []))


@dataclass(frozen=True)
class OffsetResult:
    """How much carbon tax eligible ICCs can offset in a year, as the documents state it.

    ``rate`` is None when the documents state no rate for ``year``; ``available`` is False
    for years before the ICC framework took effect, and then ``max_credits`` is 0.
    ``max_offset_value`` is None only when credits are usable but the rate is unknown.
    ``as_of`` is the date of the source the rate (or, failing that, the limit) comes from.
    """

    year: int
    emissions: Decimal
    rate: Decimal | None
    currency: str
    max_credits: Decimal
    max_offset_value: Decimal | None
    available: bool
    limit_percent: Decimal
    as_of: date | None
    notes: tuple[Finding, ...]
    citations: tuple[Citation, ...]
    currency_symbol: str = "S$"

    def to_dict(self) -> dict:
        return {
            "year": self.year,
            "emissions": number(self.emissions),
            "rate": number(self.rate),
            "currency": self.currency,
            "max_credits": number(self.max_credits),
            "max_offset_value": number(self.max_offset_value),
            "available": self.available,
            "limit_percent": number(self.limit_percent),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "notes": [n.to_dict() for n in self.notes],
            "citations": [c.to_dict() for c in self.citations],
        }

    def to_text(self, sources: bool = True) -> str:
        """Plain text: the year's figures and notes, then the numbered sources (left off with
        ``sources=False``)."""
        s = self.currency_symbol
        rate = f"{s}{_fmt(self.rate)} per tonne" if self.rate is not None else "not stated"
        value = f"{s}{_fmt(self.max_offset_value)}" if self.max_offset_value is not None else "n/a"
        lines = [
            f"Year {self.year}: taxable emissions {_fmt(self.emissions)} tCO2e",
            f"  carbon tax rate:      {rate}",
            f"  ICCs usable:          {'yes' if self.available else 'no'}",
            f"  max ICCs ({_fmt(self.limit_percent)}%):        {_fmt(self.max_credits)} tCO2e",
            f"  max tax offset:       {value}",
            f"  source as of:         {self.as_of.isoformat() if self.as_of else 'n/a'}",
            "Notes:",
        ]
        lines += [f"  - {n.render()}" for n in self.notes]
        return "\n".join(lines + (_sources(self.citations) if sources else []))


@dataclass(frozen=True)
class SourceRef:
    """Where a fact comes from: its citation number and the source's as-of date."""

    n: int
    doc_id: str
    as_of: date | None
    date_kind: str

    def to_dict(self) -> dict:
        return {
            "citation": self.n,
            "doc_id": self.doc_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "date_kind": self.date_kind,
        }


@dataclass(frozen=True)
class AgreementEntry:
    """One agreement of one partner (an MOU or an IA) merged across the sources that state it.

    ``date`` is ISO and only as precise as the text (``"2025-08"``); None when not stated.
    """

    kind: AgreementKind
    status: AgreementStatus
    date: str | None
    date_text: str
    sources: tuple[SourceRef, ...]

    def to_dict(self) -> dict:
        return {
            "status": str(self.status),
            "date": self.date,
            "date_text": self.date_text,
            "citations": [s.n for s in self.sources],
            "sources": [s.to_dict() for s in self.sources],
        }

    def render(self) -> str:
        stated = self.date or (self.date_text and self.date_text != "not stated")
        when = self.date_text if stated else "date not stated"
        return f"{self.status} ({when}) {_markers(tuple(s.n for s in self.sources))}"


@dataclass(frozen=True)
class AgreementRow:
    """A partner country with its carbon-credit MOU and/or Implementation Agreement."""

    country: str
    mou: AgreementEntry | None
    implementation_agreement: AgreementEntry | None

    def to_dict(self) -> dict:
        return {
            "country": self.country,
            "mou": self.mou.to_dict() if self.mou else None,
            "implementation_agreement": (
                self.implementation_agreement.to_dict() if self.implementation_agreement else None
            ),
        }


@dataclass(frozen=True)
class AgreementCount:
    """A total as one source states it (e.g. 9 IAs, about late September 2025)."""

    kind: AgreementKind
    count: int
    source: SourceRef

    def to_dict(self) -> dict:
        return {"kind": str(self.kind), "count": self.count, **self.source.to_dict()}


@dataclass(frozen=True)
class AgreementTable:
    """Partner rows, the totals each source gives, and notes on where sources disagree."""

    rows: tuple[AgreementRow, ...]
    counts: tuple[AgreementCount, ...]
    notes: tuple[Finding, ...]
    citations: tuple[Citation, ...]

    def row(self, country: str) -> AgreementRow | None:
        return next((r for r in self.rows if r.country.lower() == country.lower()), None)

    def to_dict(self) -> dict:
        return {
            "rows": [r.to_dict() for r in self.rows],
            "counts": [c.to_dict() for c in self.counts],
            "notes": [n.to_dict() for n in self.notes],
            "citations": [c.to_dict() for c in self.citations],
        }

    def to_text(self) -> str:
        width = max((len(r.country) for r in self.rows), default=7) + 2
        lines = [f"{'Country':<{width}}{'MOU':<38}Implementation Agreement"]
        for r in self.rows:
            mou = r.mou.render() if r.mou else "—"
            ia = r.implementation_agreement.render() if r.implementation_agreement else "—"
            lines.append(f"{r.country:<{width}}{mou:<38}{ia}")
        lines.append("Totals as stated by each source:")
        for c in self.counts:
            as_of = c.source.as_of.isoformat() if c.source.as_of else "undated"
            lines.append(
                f"  - {c.count} {c.kind.label}s ({c.source.doc_id}, "
                f"{c.source.date_kind.replace('_', ' ')} {as_of}) [{c.source.n}]"
            )
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n.render()}" for n in self.notes]
        return "\n".join(lines + _sources(self.citations))
