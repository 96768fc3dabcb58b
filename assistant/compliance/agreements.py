"""Agreement tracker: Singapore's carbon-credit MOUs and Implementation Agreements by partner.

Facts come from ``corpus/rules/agreements.yaml``. A partner's MOU or IA stated by several
sources is one entry citing all of them, each with its as-of date. Totals are shown as each
source gives them; where sources disagree (10 IAs as of October 2025 vs 9 in an article of
about late September 2025) both are shown with their dates, never reconciled silently.
"""

from __future__ import annotations

from collections import defaultdict

from assistant.compliance.models import (
    AgreementCount,
    AgreementEntry,
    AgreementKind,
    AgreementRow,
    AgreementStatus,
    AgreementTable,
    Finding,
    SourceRef,
)
from assistant.compliance.rules import AgreementFact, Clause, Ledger, RuleBook, load_rules


def _source(ledger: Ledger, clause: Clause) -> SourceRef:
    return SourceRef(ledger.ref(clause), clause.doc_id, clause.as_of, clause.date_kind)


def _entry(ledger: Ledger, facts: list[AgreementFact]) -> AgreementEntry:
    # The most precise date any source gives wins; its wording is kept alongside.
    dated = sorted((f for f in facts if f.date), key=lambda f: len(f.date or ""), reverse=True)
    worded = [f for f in facts if f.date_text and f.date_text != "not stated"]
    best = dated[0] if dated else (worded[0] if worded else facts[0])
    signed = any(f.status is AgreementStatus.SIGNED for f in facts)
    sources: list[SourceRef] = []
    for f in facts:
        ref = _source(ledger, f.clause)
        if ref not in sources:
            sources.append(ref)
    return AgreementEntry(
        kind=facts[0].kind,
        status=AgreementStatus.SIGNED if signed else AgreementStatus.ANTICIPATED,
        date=best.date,
        date_text=best.date_text,
        sources=tuple(sources),
    )


def _as_of(ref: SourceRef) -> str:
    when = ref.as_of.isoformat() if ref.as_of else "undated"
    return f"{ref.doc_id}, {'as of' if ref.date_kind == 'as_of' else 'published'} {when}"


def agreement_table(*, rules: RuleBook | None = None) -> AgreementTable:
    """Every partner with its MOU and/or IA, the totals each source states, and disagreements.

    Args:
        rules: the rule book; None loads the corpus's rules once.
    """
    book = rules or load_rules()
    ledger = Ledger()
    by_country: dict[str, dict[AgreementKind, list[AgreementFact]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for fact in book.agreements.facts:
        by_country[fact.country][fact.kind].append(fact)

    rows = []
    for country in book.agreements.countries:
        kinds = by_country.get(country.name)
        if not kinds:
            continue
        mou = kinds.get(AgreementKind.MOU)
        ia = kinds.get(AgreementKind.IMPLEMENTATION_AGREEMENT)
        rows.append(
            AgreementRow(
                country=country.name,
                mou=_entry(ledger, mou) if mou else None,
                implementation_agreement=_entry(ledger, ia) if ia else None,
            )
        )

    counts = tuple(
        AgreementCount(c.kind, c.count, _source(ledger, c.clause)) for c in book.agreements.counts
    )
    notes: list[Finding] = []
    gaps: list[Finding] = []  # listed after the disagreements, which matter more
    for kind in AgreementKind:
        stated = [c for c in counts if c.kind is kind]
        if len({c.count for c in stated}) > 1:
            told = " and ".join(f"{c.count} ({_as_of(c.source)})" for c in stated)
            dated = [c for c in stated if c.source.as_of]
            later = max(dated, key=lambda c: c.source.as_of, default=None)  # type: ignore[arg-type, return-value]
            latest = (
                f" The most recent statement ({later.source.doc_id}) gives {later.count}."
                if later
                else ""
            )
            notes.append(
                Finding(
                    f"Sources disagree on the number of {kind.label}s: {told}.{latest}",
                    tuple(c.source.n for c in stated),
                )
            )
        named = sum(
            1
            for r in rows
            if (e := r.mou if kind is AgreementKind.MOU else r.implementation_agreement)
            and e.status is AgreementStatus.SIGNED
        )
        most = max(stated, key=lambda c: c.count, default=None)
        if most and named < most.count:
            gaps.append(
                Finding(
                    f"The documents name {named} partner(s) with a signed {kind.label}, while "
                    f"{most.source.doc_id} counts {most.count}; the others are not named in "
                    "the corpus.",
                    (most.source.n,),
                )
            )
    return AgreementTable(tuple(rows), counts, tuple(notes + gaps), ledger.citations)


def agreements_for(country: str, *, rules: RuleBook | None = None) -> AgreementRow | None:
    """The row for ``country`` (name or alias), or None when the documents record none."""
    book = rules or load_rules()
    name = book.country_name(country)
    return agreement_table(rules=book).row(name) if name else None
