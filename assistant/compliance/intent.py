"""Recognising an eligibility or offset question in free chat text, so the chat can hand it to
the rule-based tools instead of answering from retrieval.

``parse_intent`` returns an :class:`EligibilityQuery`, an :class:`OffsetQuery` or None (an
ordinary question). It only extracts what the user said; the tools decide, and name what is
missing (e.g. the publication date). It is deliberately conservative: a question must name a
programme or methodology (eligibility) or an amount of emissions (offset) to be taken.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from assistant.compliance.eligibility import CODE, name_tokens
from assistant.compliance.models import EligibilityQuery, OffsetQuery
from assistant.compliance.rules import RuleBook
from assistant.ingest import KNOWN_COUNTRIES

# Programmes users name, listed or not: an unlisted one still makes an eligibility question
# (whose answer is "not eligible"). Short acronyms only match in capitals ("car" is a word).
_PROGRAMMES = (
    "Gold Standard for the Global Goals", "Gold Standard", "GS4GG", "Verified Carbon Standard",
    "Verra", "VCS", "American Carbon Registry", "ACR", "Global Carbon Council", "GCC",
    "Plan Vivo", "Clean Development Mechanism", "CDM", "Puro.earth", "Puro", "Isometric",
    "Climate Action Reserve", "CAR", "ART TREES", "Joint Crediting Mechanism", "JCM",
)  # fmt: skip
_COUNTRY_ALIASES = {"PNG": "Papua New Guinea", "Viet Nam": "Vietnam", "Laos": "Lao PDR"}
_BUYER = "Singapore"  # the buyer, never the host country of a project

_ELIGIBILITY_WORDS = re.compile(
    r"eligib|qualif|\bused?\b|\boffset|carbon tax|\bICCs?\b|accept|allowed|count (?:towards|against)"
    r"|\bsurrender",
    re.I,
)
_WH = re.compile(r"\s*(?:which|what|how|when|where|who|why)\b", re.I)
# Words that make an amount of tonnes the user's emissions to offset, not any tonnage ("the
# 2.175 million tonnes of nature-based credits Singapore is contracting").
_OFFSET_WORDS = re.compile(
    r"\bemi(?:t|ts|tted|tting|ssions?)\b|offset|\bICCs?\b|taxable|liabilit", re.I
)

_JNR = re.compile(
    r"\b(?:VCS\s+)?(?:JNR|Jurisdictional\s+and\s+Nested\s+REDD\+?)(?:\s*\(JNR\))?"
    r"(?:\s+framework)?(?:[,\s]+Scenarios?\s*\d+[a-z]?(?:\s*(?:and|&|,)\s*\d+[a-z]?)*)?",
    re.I,
)
# A code, and its version where the user gives one, also after the methodology's title as the
# list prints it ("VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0"): a
# named exception is judged in its version (``eligibility``), so the version must not be lost.
_TITLE_WORD = r"(?-i:[A-Z][\w'’+/-]*|for|of|and|the|in|from|to|through|on|with|by|&)"
_CODE_WITH_VERSION = re.compile(
    CODE.pattern
    + rf"(?:(?:[\s,:–-]+{_TITLE_WORD}){{0,20}}?[\s,]+v(?:ersion)?\s*\.?\s*\d+(?:\.\d+)*\b)?",
    re.I,
)
_NAMED_METHODOLOGY = re.compile(
    r"\b((?:methodology|module)\s+(?:for|on)\s+[\w&/,+\- ]+?)"
    r"(?=\s+(?:under|in|from|with|is|are|was|published|eligible|methodology)\b|[?.;!]|$)",
    re.I,
)
_SCOPE = re.compile(r"\b(?:sectoral\s+)?scope\s*\d{1,2}\b|\bAFOLU\b", re.I)
_MONTHS = "january february march april may june july august september october november december"
_MONTH = {m: i for i, m in enumerate(_MONTHS.split(), start=1)}
_MONTH_RE = "|".join(_MONTH) + "|" + "|".join(m[:3] for m in _MONTH)
_PUBLISHED = re.compile(
    rf"\bpublished\s+(?:on\s+|in\s+)?(?:(\d{{4}}-\d{{2}}-\d{{2}})|(\d{{1,2}})\s+({_MONTH_RE})\.?\s+(\d{{4}})"
    rf"|({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}}))",
    re.I,
)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:[, \u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
_AFTER_NUMBER = re.compile(
    r"\s*(?P<mult>thousand|million|mn|k|m)?\s*(?P<unit>t(?:onnes?|ons?)?|tco2-?e?|metric tons?)\b",
    re.I,
)
_EMIT_BEFORE = re.compile(
    r"(?:emit(?:s|ted|ting)?|emissions?(?:\s+(?:of|are|were|is|was))?:?)\s*$", re.I
)
_MULTIPLIER = {"thousand": 1_000, "k": 1_000, "million": 1_000_000, "mn": 1_000_000, "m": 1_000_000}


def _find_phrase(text: str, phrases: list[str]) -> tuple[str, int] | None:
    """The first phrase named in ``text`` (as whole words; the longest of those that start
    there: "Gold Standard for the Global Goals", not "Gold Standard"), with its position.
    The first, not the longest: "... for a project in Ghana? I understand it is excluded for
    Papua New Guinea" is about Ghana."""
    best: tuple[str, int] | None = None
    for p in phrases:
        short = len(p) <= 4 and p.isupper()
        flags = 0 if short else re.I
        m = re.search(rf"(?<![\w.]){re.escape(p)}(?![\w])", text, flags)
        if m and (best is None or (m.start(), -len(p)) < (best[1], -len(best[0]))):
            best = (p, m.start())
    return best


def _country(text: str, rules: RuleBook | None) -> str | None:
    names = dict(_COUNTRY_ALIASES)
    names.update({c: c for c in KNOWN_COUNTRIES if c != _BUYER})
    if rules is not None:
        for lst in rules.eligibility:
            names.update({a: lst.host_country for a in (lst.host_country, *lst.aliases)})
        for c in rules.agreements.countries:
            names.update({a: c.name for a in (c.name, *c.aliases)})
    found = _find_phrase(text, list(names))
    return names[found[0]] if found else None


def _programme(text: str, rules: RuleBook | None) -> str | None:
    phrases = list(_PROGRAMMES)
    if rules is not None:
        for lst in rules.eligibility:
            for p in lst.programmes:
                phrases += [p.code, p.name, *p.aliases]
    found = _find_phrase(text, phrases)
    return found[0] if found else None


def _methodology(text: str, rules: RuleBook | None) -> str | None:
    if m := _JNR.search(text):
        return m.group(0).strip(" ,")
    if m := _CODE_WITH_VERSION.search(text):
        return m.group(0).strip(" ,")
    if rules is not None:
        words = name_tokens(text)
        for lst in rules.eligibility:
            for p in lst.programmes:
                named = [*p.methodology_exclusions]
                named += [e for c in p.category_exclusions for e in c.exceptions]
                for rule in named:
                    need = name_tokens(rule.name)
                    if need and len(need & words) / len(need) >= 0.75:
                        return rule.name
    if m := _NAMED_METHODOLOGY.search(text):
        return m.group(1).strip(" ,")
    return None


def _published(text: str) -> date | None:
    m = _PUBLISHED.search(text)
    if not m:
        return None
    try:
        if m.group(1):
            return date.fromisoformat(m.group(1))
        if m.group(2):
            month = _month(m.group(3))
            return date(int(m.group(4)), month, int(m.group(2)))
        return date(int(m.group(7)), _month(m.group(5)), int(m.group(6)))
    except ValueError:
        return None  # "31 February": leave the date missing rather than guess


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return next(i for m, i in _MONTH.items() if m.startswith(name[:3]))


def _emissions(text: str) -> tuple[Decimal, tuple[int, int]] | None:
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[, \u202f]", "", m.group(1))
        after = _AFTER_NUMBER.match(text, m.end())
        before = _EMIT_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
        if not after and not before:
            continue
        mult_word = after.group("mult") if after else None
        if not after:
            tail = re.match(r"\s*(thousand|million|mn|k)\b", text[m.end() :], re.I)
            mult_word = tail.group(1) if tail else None
        value = Decimal(raw) * _MULTIPLIER.get((mult_word or "").lower(), 1)
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))  # 1.2 million → 1200000, not 1200000.0
        return value, (m.start(), m.end())
    return None


def _year(text: str, skip: tuple[int, int] | None) -> int | None:
    for m in re.finditer(r"(?<![\d,.])(19\d{2}|20\d{2}|21\d{2})(?!\d|[,.]\d)", text):
        if skip and skip[0] <= m.start() < skip[1]:
            continue
        return int(m.group(1))
    return None


def parse_intent(
    text: str, *, rules: RuleBook | None = None
) -> EligibilityQuery | OffsetQuery | None:
    """Recognise an eligibility or offset question in chat text; None for anything else.

    Args:
        text: the user's message.
        rules: when given, its host-country, programme and methodology names are recognised
            too (e.g. a methodology given only by its name).
    Returns:
        An EligibilityQuery when a programme or methodology is named together with an
        eligibility word ("eligible", "used against the carbon tax"); an
        OffsetQuery when an amount of emissions is named with a credits/tax word (its year may
        be None); otherwise None.
    """
    if not text or not text.strip():
        return None
    programme = _programme(text, rules)
    methodology = _methodology(text, rules)
    country = _country(text, rules)
    # An eligibility word is needed, not only a country: "How many JCM partner countries did
    # Japan have?" names a programme and a country but asks nothing the checker answers.
    # A question for a list ("Which VCS methodologies are allowed for PNG?") is retrieval's:
    # the checker judges one methodology, so it is taken only when one is named.
    listing = methodology is None and _WH.match(text)
    if (programme or methodology) and _ELIGIBILITY_WORDS.search(text) and not listing:
        scope = _SCOPE.search(text)
        return EligibilityQuery(
            host_country=country,
            programme=programme,
            methodology=methodology,
            published=_published(text),
            category=scope.group(0) if scope else None,
        )
    found = _emissions(text)
    if found and _OFFSET_WORDS.search(text):
        amount, span = found
        return OffsetQuery(emissions=amount, year=_year(text, span))
    return None
