"""Eligibility checker: can credits from a host country, programme and methodology be used?

The verdict comes only from the rules files (``corpus/rules/eligibility/*.yaml``), never from
a model, and every reason cites the clause behind it:

* ``not eligible`` when any clause decides against it (an unlisted programme, a named
  exclusion, an excluded category, publication on or after the cut-off);
* ``cannot determine`` when the host country's list is not in the corpus, or a fact that
  would decide the verdict is missing (``missing`` names the input);
* ``eligible`` otherwise, with the conditions that still apply. A methodology the list
  names itself (an allowable exception, in the version it gives) needs no publication date:
  the cut-off becomes one of its conditions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum, auto

from assistant.compliance.models import (
    AgreementKind,
    AgreementStatus,
    ComplianceInputError,
    EligibilityQuery,
    EligibilityResult,
    Finding,
    Verdict,
)
from assistant.compliance.rules import (
    CategoryKind,
    CategoryRule,
    Clause,
    EligibilityList,
    Ledger,
    MethodologyRule,
    ProgrammeRules,
    RuleBook,
    has_phrase,
    load_rules,
    norm,
)

# Codes of the registries' methodologies ("VM0042", "VMD0040", "GCCM004", "AM0001"), and the
# programme each prefix belongs to, to catch a methodology given under the wrong programme.
CODE = re.compile(r"\b(VMD|VMR|VM|VT|GCCM|ACM|AM)\s*[-.]?\s*(\d{1,4})\b", re.I)
_CODE_PROGRAMME = {"VM": "VCS", "VMD": "VCS", "VMR": "VCS", "VT": "VCS", "GCCM": "GCC"}
_VERSION = re.compile(r"\bv(?:ersion)?\s*\.?\s*(\d+(?:\.\d+)*)", re.I)
_SCENARIOS = re.compile(r"\bscenarios?\s*((?:\d+[a-z]?)(?:\s*(?:,|and|&|/|or)\s*\d+[a-z]?)*)", re.I)
_STOPWORDS = frozenset((
    "a", "an", "and", "the", "of", "for", "in", "on", "to", "from", "through", "with", "by",
    "under", "using", "methodology", "methodologies", "module", "tool", "vcs", "gold",
    "standard", "gs4gg",
))  # fmt: skip


def parse_code(text: str) -> tuple[str, int] | None:
    """The methodology code in ``text`` as (prefix, number): "vm 0042" → ("VM", 42)."""
    m = CODE.search(text)
    return (m.group(1).upper(), int(m.group(2))) if m else None


def _version(text: str) -> tuple[int, ...] | None:
    m = _VERSION.search(text)
    if not m:
        return None
    parts = [int(p) for p in m.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # "v2.0" and "v2" are the same version
    return tuple(parts)


def _version_text(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v)) + (".0" if len(v) == 1 else "")


def name_tokens(text: str) -> frozenset[str]:
    """The distinctive words of a methodology name: no code, version or filler words."""
    text = _VERSION.sub(" ", CODE.sub(" ", text))
    out = set()
    for t in norm(text).split():
        if t in _STOPWORDS or t.isdigit() or len(t) < 2:
            continue
        # "grasslands" and "grassland" are one word for matching
        out.add(t[:-1] if len(t) > 4 and t.endswith("s") and not t.endswith("ss") else t)
    return frozenset(out)


@dataclass(frozen=True)
class _Method:
    """A methodology as the user gave it, parsed for tolerant matching."""

    text: str
    code: tuple[str, int] | None
    version: tuple[int, ...] | None
    scenarios: tuple[str, ...]
    tokens: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> _Method:
        scenarios: list[str] = []
        for group in _SCENARIOS.findall(text):
            scenarios += re.findall(r"\d+[a-z]?", group.lower())
        return cls(text, parse_code(text), _version(text), tuple(scenarios), name_tokens(text))


def _similar(user: frozenset[str], rule: frozenset[str]) -> bool:
    """Names match when each covers most of the other's words, or they differ by typos only."""
    common = len(user & rule)
    if common >= 2 and common / len(rule) >= 0.75 and common / len(user) >= 0.75:
        return True
    a, b = " ".join(sorted(user)), " ".join(sorted(rule))
    return len(a) >= 12 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def matches(rule: MethodologyRule, m: _Method) -> bool:
    """True when the user's methodology is the one ``rule`` names (version not considered)."""
    if m.code and rule.code:
        return m.code == parse_code(rule.code)  # codes are exact; names are only a fallback
    if any(has_phrase(m.text, t) for t in rule.terms):
        return True
    rule_tokens = name_tokens(rule.name)
    return bool(m.tokens and rule_tokens) and _similar(m.tokens, rule_tokens)


def find_programme(lst: EligibilityList, text: str) -> ProgrammeRules | None:
    """The listed programme ``text`` names (code, name or alias; whole words; small typos)."""
    key = norm(text)
    for p in lst.programmes:
        if key in {norm(a) for a in (p.code, p.name, *p.aliases)}:
            return p
    # Longest alias found inside the text wins: "Verra's VCS Program" → VCS.
    names = [(a, p) for p in lst.programmes for a in (p.code, p.name, *p.aliases)]
    found = [(len(norm(a)), p) for a, p in names if len(norm(a)) > 2 and has_phrase(text, a)]
    if found:
        return max(found, key=lambda x: x[0])[1]
    if len(key) >= 6:
        by_alias = {norm(a): p for p in lst.programmes for a in (p.name, *p.aliases)}
        close = difflib.get_close_matches(key, list(by_alias), n=1, cutoff=0.85)
        if close:
            return by_alias[close[0]]
    return None


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ComplianceInputError(
            f"published must be a date YYYY-MM-DD (e.g. 2022-06-30), not {value!r}"
        ) from None


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None


# ------------------------------------------------------------------------------- checker


class _Exception(Enum):
    NONE = auto()
    APPLIES = auto()
    OTHER_VERSION = auto()
    OTHER_SCENARIO = auto()
    NO_SCENARIO = auto()


@dataclass
class _Check:
    rules: RuleBook
    q: EligibilityQuery
    ledger: Ledger = field(default_factory=Ledger)
    support: list[Finding] = field(default_factory=list)
    blocking: list[Finding] = field(default_factory=list)
    unclear: list[Finding] = field(default_factory=list)
    missing: dict[str, Finding] = field(default_factory=dict)
    lst: EligibilityList | None = None
    prog: ProgrammeRules | None = None
    # Allowable exceptions the list names (with their version) that apply to the methodology:
    # the list itself vouches for them, so a missing publication date becomes a condition.
    named: list[MethodologyRule] = field(default_factory=list)
    extra_conditions: list[Finding] = field(default_factory=list)
    # How many of ``support`` are about the list and the programme, not the methodology: the
    # findings after them, with what blocks or is missing, decide the verdict.
    general: int = 0

    def finding(self, text: str, *clauses: Clause) -> Finding:
        return Finding(text, self.ledger.cite(*clauses))

    def ask(self, name: str, text: str, *clauses: Clause) -> None:
        if name in self.missing:  # one entry per input, the explanations joined
            old = self.missing[name]
            new = self.finding(text, *clauses)
            ns = old.citations + tuple(n for n in new.citations if n not in old.citations)
            self.missing[name] = Finding(f"{old.text} {new.text}", ns)
        else:
            self.missing[name] = self.finding(text, *clauses)

    # -------------------------------------------------------------------------- steps

    def run(self) -> EligibilityResult:
        q = self.q
        for name, value, text in (
            ("host_country", q.host_country, "Name the host country of the project."),
            ("programme", q.programme, "Name the carbon crediting programme (e.g. VCS)."),
            ("methodology", q.methodology, "Name the methodology (code such as VM0042, or name)."),
        ):
            if not value:
                self.ask(name, text)
        if not q.host_country:
            return self.result()
        self.lst = self.rules.eligibility_list(q.host_country)
        if self.lst is None:
            self.no_list(q.host_country)
            return self.result()
        lst = self.lst
        self.support.append(
            self.finding(
                f"{lst.host_country} has an eligibility list under Singapore's ICC framework, "
                f"effective from {_day(lst.effective_from)}.",
                lst.listed,
                lst.effective,
            )
        )
        if not q.programme:
            return self.result()
        self.prog = find_programme(lst, q.programme)
        if self.prog is None:
            self.unlisted_programme(lst, q.programme)
            return self.result()
        prog = self.prog
        self.support.append(
            self.finding(f"{prog.label} is on the list for {lst.host_country}.", prog.listed)
        )
        if not q.methodology:
            return self.result()
        self.general = len(self.support)
        m = _Method.parse(q.methodology)
        self.code_programme(m, prog)
        self.methodology_exclusions(m, prog)
        self.categories(m, prog)
        self.published(prog)
        return self.result()

    def no_list(self, given: str) -> None:
        name = self.rules.country_name(given) or given
        hosts = ", ".join(lst.host_country for lst in self.rules.eligibility) or "no country"
        self.unclear.append(
            self.finding(
                f"The corpus holds no eligibility list for {name} (it has lists for {hosts} "
                "only). Each host country's list is agreed under its own Implementation "
                "Agreement and may differ, so another country's list cannot be applied.",
                self.rules.tax.per_host_country_lists,
            )
        )
        ias = [
            f.clause
            for f in self.rules.agreements.facts
            if f.country == name
            and f.kind is AgreementKind.IMPLEMENTATION_AGREEMENT
            and f.status is AgreementStatus.SIGNED
        ]
        if ias:
            self.unclear.append(
                self.finding(
                    f"Singapore has signed an Implementation Agreement with {name}, but the "
                    "eligibility list agreed under it is not in the corpus.",
                    *ias,
                )
            )

    def unlisted_programme(self, lst: EligibilityList, given: str) -> None:
        codes = [p.code for p in lst.programmes]
        names = codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} and {codes[-1]}"
        self.blocking.append(
            self.finding(
                f"'{given}' is not on the eligibility list for {lst.host_country}, which names "
                f"only {names}.",
                self.rules.tax.list_contents,
                *(p.listed for p in lst.programmes),
            )
        )

    def code_programme(self, m: _Method, prog: ProgrammeRules) -> None:
        owner = _CODE_PROGRAMME.get(m.code[0]) if m.code else None
        if owner and owner != prog.code:
            self.unclear.append(
                self.finding(
                    f"'{self.q.methodology}' looks like a {owner} methodology code, but the "
                    f"programme given is {prog.code}; check which programme issues the credits.",
                    prog.listed,
                )
            )

    def methodology_exclusions(self, m: _Method, prog: ProgrammeRules) -> None:
        for rule in prog.methodology_exclusions:
            if not matches(rule, m):
                continue
            text = f"{rule.label} is expressly excluded for {prog.code}."
            if m.version and rule.version and m.version != _version(f"v{rule.version}"):
                text += (
                    f" The list names v{rule.version}; the exclusion is read as covering the "
                    f"methodology, including the v{_version_text(m.version)} given."
                )
            self.blocking.append(self.finding(text, rule.clause))

    def exception(self, cat: CategoryRule, m: _Method) -> tuple[_Exception, MethodologyRule | None]:
        for exc in cat.exceptions:
            if not matches(exc, m):
                continue
            if exc.scenarios:
                if not m.scenarios:
                    return _Exception.NO_SCENARIO, exc
                listed = exc.scenarios
                vague = [
                    s
                    for s in m.scenarios
                    if s not in listed and any(x.startswith(s) for x in listed)
                ]
                if vague:
                    return _Exception.NO_SCENARIO, exc  # "Scenario 2": 2a or 2b?
                if all(s in exc.scenarios for s in m.scenarios):
                    return _Exception.APPLIES, exc
                return _Exception.OTHER_SCENARIO, exc
            if m.version and exc.version and m.version != _version(f"v{exc.version}"):
                return _Exception.OTHER_VERSION, exc
            return _Exception.APPLIES, exc
        return _Exception.NONE, None

    def categories(self, m: _Method, prog: ProgrammeRules) -> None:
        q = self.q
        needs: list[CategoryRule] = []
        unknown: list[CategoryRule] = []
        cleared: list[CategoryRule] = []
        for cat in prog.category_exclusions:
            status, exc = self.exception(cat, m)
            if exc is not None:
                self.exception_finding(status, cat, exc, m)
                continue
            if cat.match_methodology and any(has_phrase(m.text, t) for t in cat.terms):
                self.blocking.append(
                    self.finding(
                        f"'{q.methodology}' is of an excluded {prog.code} project type: "
                        f"{cat.label}.",
                        cat.clause,
                    )
                )
                continue
            if not q.category:
                needs.append(cat)
                continue
            hit = _category_hit(cat, q.category, prog.category_kind)
            if hit:
                self.blocking.append(
                    self.finding(
                        f"The category '{q.category}' falls under the excluded {prog.code} "
                        f"category '{cat.label}'.",
                        cat.clause,
                    )
                )
            elif hit is None:
                unknown.append(cat)
            else:
                cleared.append(cat)
        if cleared and q.category:
            excluded = (
                "; ".join(c.label for c in cleared)
                if len(cleared) == 1
                else (f"any of the {len(cleared)} excluded categories or project types")
            )
            self.support.append(
                self.finding(
                    f"The category '{q.category}' is not {excluded} of {prog.code}.",
                    *(c.clause for c in cleared),
                )
            )
        what = "sectoral scope" if prog.category_kind is CategoryKind.SCOPE else "category"
        if needs:
            labels = "; ".join(c.label for c in needs)
            self.ask(
                "category",
                f"Give the methodology's {what} (category): {prog.code} excludes {labels}, "
                "and the methodology alone does not show whether it falls there.",
                *(c.clause for c in needs),
            )
        if unknown:
            labels = "; ".join(c.label for c in unknown)
            self.ask(
                "category",
                f"Cannot tell whether the category '{q.category}' is {labels}: give the "
                f"{prog.code} sectoral scope number (e.g. 'Sectoral Scope {unknown[0].scope}').",
                *(c.clause for c in unknown),
            )

    def exception_finding(
        self, status: _Exception, cat: CategoryRule, exc: MethodologyRule, m: _Method
    ) -> None:
        if status is _Exception.APPLIES:
            if m.version or not exc.version:  # the very version the list names
                self.named.append(exc)
            self.support.append(
                self.finding(
                    f"{exc.label} is an allowable exception to the {cat.label} exclusion, "
                    "so its category does not exclude it.",
                    cat.clause,
                    exc.clause,
                )
            )
        elif status is _Exception.OTHER_VERSION:
            given = _version_text(m.version or ())
            self.blocking.append(
                self.finding(
                    f"The allowable exception to the {cat.label} exclusion is {exc.label} "
                    f"only; v{given} is not listed, so it falls under the {cat.label} exclusion.",
                    cat.clause,
                    exc.clause,
                )
            )
        elif status is _Exception.OTHER_SCENARIO:
            self.blocking.append(
                self.finding(
                    f"Only Scenario {' and '.join(exc.scenarios)} of the {exc.name} are "
                    f"allowable exceptions; Scenario {', '.join(m.scenarios)} falls under the "
                    f"{cat.label} exclusion.",
                    cat.clause,
                    exc.clause,
                )
            )
        else:
            self.ask(
                "methodology",
                f"Say which scenario of the {exc.name} the project uses (e.g. 'JNR Scenario "
                f"2a'): only Scenario {' and '.join(exc.scenarios)} are allowable exceptions "
                f"to the {cat.label} exclusion.",
                exc.clause,
            )

    def published(self, prog: ProgrammeRules) -> None:
        cut, pub = prog.published_before, self.q.published
        if pub is None and self.named:
            labels = "; ".join(e.label for e in self.named)
            self.extra_conditions.append(
                self.finding(
                    f"{labels}: named on the list as an allowable exception, so no publication "
                    f"date is needed to decide; the list still covers only {prog.code} "
                    f"methodologies published before {_day(cut)}, so the version used must be "
                    "the one named, published before that date.",
                    prog.cutoff,
                    *(e.clause for e in self.named),
                )
            )
        elif pub is None:
            self.ask(
                "published",
                f"Give the methodology's publication date (published, YYYY-MM-DD): {prog.code} "
                f"methodologies qualify only if published before {_day(cut)}.",
                prog.cutoff,
            )
        elif pub < cut:
            self.support.append(
                self.finding(
                    f"Published {_day(pub)}, before the cut-off: the list covers methodologies "
                    f"published before {_day(cut)}.",
                    prog.cutoff,
                )
            )
        else:
            day_itself = " (the cut-off day itself is not before it)" if pub == cut else ""
            self.blocking.append(
                self.finding(
                    f"Published {_day(pub)}, which is not before {_day(cut)}{day_itself}: the "
                    f"list covers only {prog.code} methodologies published before that date.",
                    prog.cutoff,
                )
            )

    def conditions(self) -> list[Finding]:
        if self.prog is None or self.lst is None:
            return []
        prog, lst = self.prog, self.lst
        out = [
            self.finding(
                f"The methodology must be active: the list covers only active {prog.code} "
                "methodologies.",
                prog.cutoff,
            )
        ]
        out += self.extra_conditions
        out += [self.finding(c.text, c.clause) for c in prog.conditions]
        out += [self.finding(c.text, c.clause) for c in lst.general_conditions]
        out.append(
            self.finding(
                f"Credits count against the carbon tax only from {_day(lst.effective_from)}, "
                "when the list takes effect.",
                lst.effective,
            )
        )
        return out

    def result(self) -> EligibilityResult:
        general, specific = self.support[: self.general], self.support[self.general :]
        if self.blocking:
            verdict, reasons, conditions = Verdict.NOT_ELIGIBLE, self.support + self.blocking, []
            decisive = self.blocking
        else:
            conditions = self.conditions()
            reasons = self.support + self.unclear + list(self.missing.values())
            undecided = self.unclear or self.missing
            verdict = Verdict.CANNOT_DETERMINE if undecided else Verdict.ELIGIBLE
            decisive = specific + self.unclear + list(self.missing.values())
            if verdict is Verdict.ELIGIBLE:  # the methodology's own conditions (a cut-off)
                decisive += self.extra_conditions
        decisive = decisive or general
        missing = () if verdict is Verdict.NOT_ELIGIBLE else tuple(self.missing)
        cited = {n for f in (*reasons, *conditions) for n in f.citations}
        # Citations of findings that were dropped (e.g. a missing date once a clause excludes
        # the methodology) are left out, and the rest renumbered so markers stay 1..n.
        renumber = {n: i for i, n in enumerate(sorted(cited), start=1)}
        citations = tuple(
            replace(c, n=renumber[c.n]) for c in self.ledger.citations if c.n in cited
        )

        def fix(fs: list[Finding]) -> tuple[Finding, ...]:
            return tuple(Finding(f.text, tuple(renumber[n] for n in f.citations)) for f in fs)

        return EligibilityResult(
            verdict, self.q, fix(reasons), fix(conditions), citations, missing, fix(decisive)
        )


def _category_hit(cat: CategoryRule, category: str, kind: CategoryKind) -> bool | None:
    """Is ``category`` the excluded one? None when it cannot be told (unnamed scope)."""
    text = norm(category)
    scope = re.search(r"\bscope (\d{1,2})\b", text) or re.fullmatch(r"(?:ss ?)?(\d{1,2})", text)
    if scope and cat.scope is not None:
        return int(scope.group(1)) == cat.scope
    if has_phrase(category, cat.label) or any(has_phrase(category, t) for t in cat.terms):
        return True
    return None if kind is CategoryKind.SCOPE and not scope else False


# ------------------------------------------------------------------------------ public


def check_eligibility(
    host_country: str | None,
    programme: str | None,
    methodology: str | None,
    published: date | str | None = None,
    category: str | None = None,
    *,
    rules: RuleBook | None = None,
) -> EligibilityResult:
    """Check whether credits can be used under Singapore's ICC framework.

    Args:
        host_country: where the project is; names and aliases ("PNG") are accepted.
        programme: the crediting programme ("VCS", "Verra", "Gold Standard", "ACR", ...).
        methodology: a code ("VM0042", "vm 0042 v2.0") or a name, matched tolerantly.
        published: the methodology's publication date (date or "YYYY-MM-DD"), if known.
        category: its category, sectoral scope or project type ("Sectoral Scope 14"), if known.
        rules: the rule book; None loads the corpus's rules once.
    Returns:
        An EligibilityResult: verdict, reasons, conditions, citations and missing inputs.
    Raises:
        ComplianceInputError: ``published`` is not a date.
        RulesError: the rules files are invalid.
    """
    query = EligibilityQuery(
        _clean(host_country),
        _clean(programme),
        _clean(methodology),
        _as_date(published),
        _clean(category),
    )
    return check_query(query, rules=rules)


def check_query(query: EligibilityQuery, *, rules: RuleBook | None = None) -> EligibilityResult:
    """:func:`check_eligibility` for a parsed :class:`EligibilityQuery`."""
    return _Check(rules or load_rules(), query).run()
