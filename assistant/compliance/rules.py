"""Loading the compliance rules: ``corpus/rules/**/*.yaml`` → a validated, cited RuleBook.

Layout (see ``corpus/rules/README.md``)::

    corpus/rules/eligibility/<host-country>.yaml   one host country's eligibility list
    corpus/rules/carbon_tax.yaml                   tax rates, the 5% limit, the effective date
    corpus/rules/agreements.yaml                   MOUs / IAs and the totals the sources give

Every rule or fact is a mapping with ``doc_id`` and a verbatim ``quote``. When the rules load,
each quote is located in its document with :func:`assistant.answer.citations.cite_quote`; if any is
not found, or a file is malformed, loading fails with a :class:`RulesError` that names the
file and the entry. Rules load lazily, once per corpus folder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from assistant.answer import cite_quote
from assistant.compliance.models import AgreementKind, AgreementStatus
from assistant.errors import ConfigError
from assistant.ingest import load_folder
from assistant.types import Citation, Document

RULES_DIRNAME = "rules"
ELIGIBILITY_DIRNAME = "eligibility"
TAX_FILE = "carbon_tax.yaml"
AGREEMENTS_FILE = "agreements.yaml"


class RulesError(ConfigError):
    """The rules files are missing or malformed, or quote text their documents do not contain."""


class CategoryKind(StrEnum):
    """How a programme's excluded categories are named, which decides what an unknown one means.

    NAME: categories are named, so a category matching no exclusion is not excluded.
    SCOPE: the exclusion is a numbered sectoral scope, so a category that neither states a
    scope number nor matches a known name cannot be decided.
    """

    NAME = "name"
    SCOPE = "scope"


# ------------------------------------------------------------------------------ matching


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def norm(text: str) -> str:
    """Lower-case, ``&`` → ``and``, punctuation → space: the form every matcher compares."""
    t = text.translate(_QUOTES).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


def has_phrase(text: str, phrase: str) -> bool:
    """True when ``phrase`` occurs in ``text`` as whole words (both compared after ``norm``)."""
    p = norm(phrase)
    return bool(p) and f" {p} " in f" {norm(text)} "


# ----------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Clause:
    """A cited rule or fact: the located quote (``n`` is 0; answers number their own)."""

    citation: Citation
    date_kind: str = "published"

    @property
    def doc_id(self) -> str:
        return self.citation.doc_id

    @property
    def as_of(self) -> date | None:
        return self.citation.published


@dataclass(frozen=True)
class Condition:
    text: str
    clause: Clause


@dataclass(frozen=True)
class MethodologyRule:
    """A methodology named by a list, as an exclusion or as an allowable exception.

    ``scenarios`` restricts a framework to some of its scenarios (VCS JNR: 2a and 3).
    """

    name: str
    clause: Clause
    code: str | None = None
    version: str | None = None
    terms: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        head = f"{self.code} {self.name}" if self.code else self.name
        return f"{head} v{self.version}" if self.version else head


@dataclass(frozen=True)
class CategoryRule:
    """An excluded category, sectoral scope or project type, with its allowable exceptions."""

    label: str
    clause: Clause
    scope: int | None = None
    terms: tuple[str, ...] = ()
    match_methodology: bool = False
    exceptions: tuple[MethodologyRule, ...] = ()


@dataclass(frozen=True)
class ProgrammeRules:
    """One crediting programme on a host country's list."""

    code: str
    name: str
    aliases: tuple[str, ...]
    listed: Clause
    published_before: date
    cutoff: Clause
    category_kind: CategoryKind
    category_exclusions: tuple[CategoryRule, ...] = ()
    methodology_exclusions: tuple[MethodologyRule, ...] = ()
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class EligibilityList:
    """One host country's eligibility list, loaded from ``rules/eligibility/<country>.yaml``."""

    host_country: str
    aliases: tuple[str, ...]
    source: Path
    listed: Clause
    effective_from: date
    effective: Clause
    programmes: tuple[ProgrammeRules, ...]
    general_conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class RatePeriod:
    """A carbon tax rate for the years ``from_year``..``to_year`` (None: "and beyond")."""

    from_year: int
    to_year: int | None
    rate: Decimal
    clause: Clause
    note: str = ""

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


@dataclass(frozen=True)
class TaxRules:
    currency: str
    currency_symbol: str
    unit: str
    effective_from: date
    effective: Clause
    per_host_country_lists: Clause
    list_contents: Clause
    limit_percent: Decimal
    limit_basis: str
    limit: Clause
    rates: tuple[RatePeriod, ...]

    def rate_for(self, year: int) -> RatePeriod | None:
        return next((p for p in self.rates if p.covers(year)), None)


@dataclass(frozen=True)
class Country:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgreementFact:
    country: str
    kind: AgreementKind
    status: AgreementStatus
    date: str | None
    date_text: str
    clause: Clause


@dataclass(frozen=True)
class CountFact:
    kind: AgreementKind
    count: int
    clause: Clause


@dataclass(frozen=True)
class AgreementRules:
    countries: tuple[Country, ...]
    facts: tuple[AgreementFact, ...]
    counts: tuple[CountFact, ...]


@dataclass(frozen=True)
class RuleBook:
    """Everything the compliance tools know, each rule tied to the clause it cites."""

    corpus_dir: Path
    eligibility: tuple[EligibilityList, ...]
    tax: TaxRules
    agreements: AgreementRules

    def eligibility_list(self, host_country: str) -> EligibilityList | None:
        """The list for ``host_country`` (name or alias, tolerant of case and punctuation)."""
        key = norm(host_country)
        for lst in self.eligibility:
            if key in {norm(a) for a in (lst.host_country, *lst.aliases)}:
                return lst
        return None

    def country_name(self, text: str) -> str | None:
        """The canonical name of a country the rules know (host lists and partners), or None."""
        if lst := self.eligibility_list(text):
            return lst.host_country
        key = norm(text)
        for c in self.agreements.countries:
            if key in {norm(a) for a in (c.name, *c.aliases)}:
                return c.name
        return None

    def clauses(self) -> Iterable[Clause]:
        """Every clause in the rule book (for checks and tests)."""
        for lst in self.eligibility:
            yield lst.listed
            yield lst.effective
            yield from (c.clause for c in lst.general_conditions)
            for p in lst.programmes:
                yield p.listed
                yield p.cutoff
                yield from (c.clause for c in p.conditions)
                yield from (m.clause for m in p.methodology_exclusions)
                for cat in p.category_exclusions:
                    yield cat.clause
                    yield from (e.clause for e in cat.exceptions)
        t = self.tax
        yield from (t.effective, t.per_host_country_lists, t.list_contents, t.limit)
        yield from (r.clause for r in t.rates)
        yield from (f.clause for f in self.agreements.facts)
        yield from (c.clause for c in self.agreements.counts)


@dataclass
class Ledger:
    """Numbers the clauses one answer cites, 1..n in order of first use, without duplicates."""

    _cited: dict[tuple[str, int, int], Citation] = field(default_factory=dict)

    def cite(self, *clauses: Clause) -> tuple[int, ...]:
        ns: list[int] = []
        for clause in clauses:
            c = clause.citation
            key = (c.doc_id, c.start, c.end)
            if key not in self._cited:
                self._cited[key] = replace(c, n=len(self._cited) + 1)
            if (n := self._cited[key].n) not in ns:
                ns.append(n)
        return tuple(ns)

    def ref(self, clause: Clause) -> int:
        return self.cite(clause)[0]

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(self._cited.values())


# ------------------------------------------------------------------------------- loading


def load_rules(corpus_dir: Path | None = None) -> RuleBook:
    """Load, validate and cite every rules file under ``corpus_dir/rules`` (cached per folder).

    Args:
        corpus_dir: the corpus folder; None means ``Settings().corpus_dir``.
    Raises:
        RulesError: a rules file is missing or malformed, names an unknown document, or quotes
            text its document does not contain. The message names every offending entry.
    """
    if corpus_dir is None:
        from assistant.config import Settings

        corpus_dir = Settings().corpus_dir
    return _load_cached(Path(corpus_dir).expanduser().resolve())


def _cited_doc_ids(files: list[Path]) -> set[str]:
    """Every ``doc_id`` value in the rules files (unreadable files are reported later)."""
    out: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("doc_id"), str):
                out.add(node["doc_id"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for f in files:
        try:
            walk(yaml.safe_load(f.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
    return out


def clear_cache() -> None:
    """Forget loaded rules, e.g. after editing a rules file in a long-running process."""
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=8)
def _load_cached(corpus_dir: Path) -> RuleBook:
    rules_dir = corpus_dir / RULES_DIRNAME
    if not rules_dir.is_dir():
        raise RulesError(
            f"{rules_dir}: no rules folder; the compliance tools need "
            f"{RULES_DIRNAME}/{TAX_FILE}, {RULES_DIRNAME}/{AGREEMENTS_FILE} and "
            f"{RULES_DIRNAME}/{ELIGIBILITY_DIRNAME}/<host-country>.yaml"
        )
    files = [
        *sorted((rules_dir / ELIGIBILITY_DIRNAME).glob("*.yaml")),
        rules_dir / TAX_FILE,
        rules_dir / AGREEMENTS_FILE,
    ]
    # Only the documents the rules cite are read: the corpus also holds long PDFs.
    docs = load_folder(corpus_dir, _cited_doc_ids(files))
    errors: list[str] = []
    hosts = [
        _Reader(f, docs, errors) for f in sorted((rules_dir / ELIGIBILITY_DIRNAME).glob("*.yaml"))
    ]
    tax_file = _Reader(rules_dir / TAX_FILE, docs, errors)
    agreements_file = _Reader(rules_dir / AGREEMENTS_FILE, docs, errors)
    if not errors:  # unreadable files would only add noise about their missing keys
        lists = tuple(_eligibility(r) for r in hosts)
        tax = _tax(tax_file)
        agreements = _agreements(agreements_file)
        _check_unique_hosts(lists, errors)
    if errors:
        raise RulesError(
            f"{len(errors)} problem(s) in the rules under {rules_dir}:\n  " + "\n  ".join(errors)
        )
    return RuleBook(corpus_dir, lists, tax, agreements)


_PLACEHOLDER = Clause(
    Citation(0, "", "", "", "", None, None, None, "", 0, 0)
)  # stands in for a clause that failed; loading raises before it can escape


class _Reader:
    """Reads one YAML file, recording every problem (with file and entry) instead of stopping."""

    def __init__(self, path: Path, docs: dict[str, Document], errors: list[str]) -> None:
        self.path, self.docs, self.errors = path, docs, errors
        self.data: dict[str, Any] = {}
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.fail("", "file not found")
            return
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.fail("", f"cannot read it as YAML ({exc})")
            return
        if not isinstance(loaded, dict):
            self.fail("", "expected a mapping at the top level")
            return
        self.data = loaded

    def fail(self, where: str, problem: str) -> None:
        self.errors.append(f"{self.path}{': ' + where if where else ''}: {problem}")

    def get(self, node: Any, key: str, where: str, kind: type | tuple[type, ...], default=...):
        """``node[key]`` checked against ``kind``; records a problem and returns a stand-in."""
        if not isinstance(node, dict) or key not in node or node[key] is None:
            if default is not ...:
                return default
            self.fail(where, f"missing '{key}'")
            return _STAND_IN.get(kind if isinstance(kind, type) else kind[0])
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            self.fail(where, f"'{key}' should be {_kind_name(kind)}, not {value!r}")
            return _STAND_IN.get(kind if isinstance(kind, type) else kind[0])
        return value

    def items(self, node: Any, key: str, where: str) -> list[tuple[str, dict]]:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(where, f"'{key}' should be a list of mappings")
            return []
        return [(f"{where} > {key}[{i}]".lstrip(" >"), v) for i, v in enumerate(value)]

    def strings(self, node: Any, key: str, where: str) -> tuple[str, ...]:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(where, f"'{key}' should be a list of strings")
            return ()
        return tuple(str(v) for v in value)

    def clause(self, node: Any, where: str) -> Clause:
        """The cited clause of an entry: its ``doc_id`` and verbatim ``quote``, located."""
        doc_id = self.get(node, "doc_id", where, str)
        quote = self.get(node, "quote", where, str)
        if not doc_id or not quote:
            return _PLACEHOLDER
        doc = self.docs.get(doc_id)
        if doc is None:
            self.fail(
                where, f"unknown doc_id '{doc_id}' (corpus has: {', '.join(sorted(self.docs))})"
            )
            return _PLACEHOLDER
        citation = cite_quote(0, doc, quote)
        if citation is None:
            self.fail(
                where,
                f"quote not found in {doc_id}: {quote!r}; copy it verbatim from the "
                "document's visible text (no markup)",
            )
            return _PLACEHOLDER
        return Clause(citation, doc.meta.date_kind)

    def day(self, node: Any, key: str, where: str) -> date:
        value = self.get(node, key, where, (date, str))
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(where, f"'{key}' should be a date YYYY-MM-DD, not {value!r}")
            return date.min

    def decimal(self, node: Any, key: str, where: str) -> Decimal:
        value = self.get(node, key, where, (int, float, str))
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.fail(where, f"'{key}' should be a number, not {value!r}")
            return Decimal(0)
        if not result.is_finite() or result < 0:
            self.fail(where, f"'{key}' should be a non-negative number, not {value!r}")
        return result

    def enum(self, node: Any, key: str, where: str, enum: type[StrEnum], default=...):
        value = self.get(node, key, where, str, default)
        if isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            self.fail(where, f"'{key}' should be one of {choices}, not {value!r}")
            return next(iter(enum))


_STAND_IN: dict[type, Any] = {str: "", int: 0, list: [], dict: {}, date: date.min}


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    date: "a date",
    dict: "a mapping",
}


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)


# ------------------------------------------------------------------------ eligibility files


def _methodology(r: _Reader, node: dict, where: str) -> MethodologyRule:
    version = r.get(node, "version", where, (str, int, float), None)
    code = r.get(node, "code", where, str, None)
    return MethodologyRule(
        name=r.get(node, "name", where, str),
        clause=r.clause(node, where),
        code=code.upper().replace(" ", "") if code else None,
        version=str(version) if version is not None else None,
        terms=r.strings(node, "terms", where),
        scenarios=tuple(s.lower() for s in r.strings(node, "scenarios", where)),
    )


def _programme(r: _Reader, node: dict, where: str) -> ProgrammeRules:
    where = f"{where} ({node.get('code', '?')})"
    categories = []
    for w, cat in r.items(node, "category_exclusions", where):
        scope = r.get(cat, "scope", w, int, None)
        categories.append(
            CategoryRule(
                label=r.get(cat, "label", w, str),
                clause=r.clause(cat, w),
                scope=scope,
                terms=r.strings(cat, "terms", w),
                match_methodology=bool(cat.get("match_methodology", False)),
                exceptions=tuple(_methodology(r, e, ew) for ew, e in r.items(cat, "exceptions", w)),
            )
        )
    kind = r.enum(node, "category_kind", where, CategoryKind, "name")
    if kind is CategoryKind.SCOPE and any(c.scope is None for c in categories):
        r.fail(where, "category_kind 'scope' needs a 'scope' number on every category exclusion")
    return ProgrammeRules(
        code=r.get(node, "code", where, str),
        name=r.get(node, "name", where, str),
        aliases=r.strings(node, "aliases", where),
        listed=r.clause(r.get(node, "listed", where, dict), f"{where} > listed"),
        published_before=r.day(node, "published_before", where),
        cutoff=r.clause(r.get(node, "cutoff", where, dict), f"{where} > cutoff"),
        category_kind=kind,
        category_exclusions=tuple(categories),
        methodology_exclusions=tuple(
            _methodology(r, m, w) for w, m in r.items(node, "methodology_exclusions", where)
        ),
        conditions=tuple(
            Condition(r.get(c, "text", w, str), r.clause(c, w))
            for w, c in r.items(node, "conditions", where)
        ),
    )


def _eligibility(r: _Reader) -> EligibilityList:
    d = r.data
    programmes = tuple(_programme(r, p, w) for w, p in r.items(d, "programmes", ""))
    if d and not programmes:
        r.fail("", "no 'programmes': a host country's list names at least one programme")
    return EligibilityList(
        host_country=r.get(d, "host_country", "", str),
        aliases=r.strings(d, "aliases", ""),
        source=r.path,
        listed=r.clause(r.get(d, "listed", "", dict), "listed"),
        effective_from=r.day(d, "effective_from", ""),
        effective=r.clause(r.get(d, "effective", "", dict), "effective"),
        programmes=programmes,
        general_conditions=tuple(
            Condition(r.get(c, "text", w, str), r.clause(c, w))
            for w, c in r.items(d, "general_conditions", "")
        ),
    )


def _check_unique_hosts(lists: tuple[EligibilityList, ...], errors: list[str]) -> None:
    seen: dict[str, Path] = {}
    for lst in lists:
        for alias in {norm(a) for a in (lst.host_country, *lst.aliases)}:
            if alias in seen and seen[alias] != lst.source:
                errors.append(
                    f"{lst.source}: host country or alias '{alias}' is also in {seen[alias]}"
                )
            seen[alias] = lst.source


# ------------------------------------------------------------------------ tax, agreements


def _tax(r: _Reader) -> TaxRules:
    d = r.data
    fw = r.get(d, "framework", "framework", dict)
    limit = r.get(d, "offset_limit", "offset_limit", dict)
    rates = []
    for w, node in r.items(d, "rates", ""):
        to_year = r.get(node, "to_year", w, int, None)
        rates.append(
            RatePeriod(
                from_year=r.get(node, "from_year", w, int),
                to_year=to_year,
                rate=r.decimal(node, "rate", w),
                clause=r.clause(node, w),
                note=str(node.get("note") or ""),
            )
        )
    rates.sort(key=lambda p: p.from_year)
    for a, b in zip(rates, rates[1:], strict=False):
        if a.to_year is None or a.to_year >= b.from_year:
            r.fail("rates", f"periods from {a.from_year} and {b.from_year} overlap")
    for p in rates:
        if p.to_year is not None and p.to_year < p.from_year:
            r.fail("rates", f"period from {p.from_year} ends before it starts ({p.to_year})")
    return TaxRules(
        currency=r.get(d, "currency", "", str),
        currency_symbol=r.get(d, "currency_symbol", "", str, "S$"),
        unit=r.get(d, "unit", "", str, "tonne"),
        effective_from=r.day(fw, "effective_from", "framework"),
        effective=r.clause(r.get(fw, "effective", "framework", dict), "framework > effective"),
        per_host_country_lists=r.clause(
            r.get(fw, "per_host_country_lists", "framework", dict),
            "framework > per_host_country_lists",
        ),
        list_contents=r.clause(
            r.get(fw, "list_contents", "framework", dict), "framework > list_contents"
        ),
        limit_percent=r.decimal(limit, "percent", "offset_limit"),
        limit_basis=r.get(limit, "basis", "offset_limit", str, "taxable emissions"),
        limit=r.clause(limit, "offset_limit"),
        rates=tuple(rates),
    )


_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _agreements(r: _Reader) -> AgreementRules:
    d = r.data
    countries = tuple(
        Country(r.get(c, "name", w, str), r.strings(c, "aliases", w))
        for w, c in r.items(d, "countries", "")
    )
    names = {c.name for c in countries}
    facts = []
    for w, node in r.items(d, "agreements", ""):
        country = r.get(node, "country", w, str)
        if country not in names:
            r.fail(w, f"country '{country}' is not in 'countries'")
        raw = node.get("date")
        when = raw.isoformat() if isinstance(raw, date) else (str(raw) if raw else None)
        if when is not None and not _PARTIAL_DATE.match(when):
            r.fail(w, f"'date' should be YYYY, YYYY-MM or YYYY-MM-DD, not {raw!r}")
        facts.append(
            AgreementFact(
                country=country,
                kind=r.enum(node, "kind", w, AgreementKind),
                status=r.enum(node, "status", w, AgreementStatus, "signed"),
                date=when,
                date_text=r.get(node, "date_text", w, str, "not stated"),
                clause=r.clause(node, w),
            )
        )
    counts = tuple(
        CountFact(r.enum(c, "kind", w, AgreementKind), r.get(c, "count", w, int), r.clause(c, w))
        for w, c in r.items(d, "counts", "")
    )
    return AgreementRules(countries, tuple(facts), counts)
