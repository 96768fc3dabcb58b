"""The hand-off: a question that a compliance tool judges better than retrieval does.

``Assistant.ask`` (and so the chat, the CLI and the evals) asks :func:`tool_answer` first
(``ASSISTANT_TOOLS=false`` turns it off):

- an eligibility question that names a methodology, for a host country the rules hold a list
  for (or names no country, when the checker asks for one), goes to the eligibility checker:
  a verdict, its reasons and conditions, each cited;
- an offset question goes to the calculator, which asks for a missing year or amount rather
  than guess it.

Anything else is retrieval's. A question about a whole programme ("Is the Global Carbon
Council accepted for Papua New Guinea?") or a list ("Which Verra methodologies are
allowed?") names no methodology, and the checker could only answer "cannot determine"
where the list's own table row answers it; for a host country the rules hold no list for, the
checker can only say so, while the documents (a call for projects) may say more. Measured on
the gold answer items (evals/README.md).
"""

from __future__ import annotations

from dataclasses import replace

from assistant.compliance.eligibility import check_query
from assistant.compliance.intent import parse_intent
from assistant.compliance.models import (
    EligibilityQuery,
    EligibilityResult,
    Finding,
    OffsetQuery,
    OffsetResult,
)
from assistant.compliance.offset import calculate_offset
from assistant.compliance.rules import RuleBook
from assistant.types import Answer, AnswerMode, Citation

ELIGIBILITY_TOOL = "eligibility checker"
OFFSET_TOOL = "offset calculator"
NEED_OFFSET_INPUTS = (
    "To calculate an offset I need both the taxable emissions (in tCO2e) and the tax year, "
    "e.g. “How much carbon tax can 200,000 tCO2e of emissions offset with ICCs in 2026?”"
)


def tool_answer(question: str, rules: RuleBook) -> Answer | None:
    """The compliance tool's answer to ``question``, or None when retrieval should answer."""
    query = parse_intent(question, rules=rules)
    if query is None:
        return None
    if isinstance(query, EligibilityQuery):
        if query.methodology is None:
            return None
        if query.host_country and rules.eligibility_list(query.host_country) is None:
            return None
        tool = ELIGIBILITY_TOOL
    else:
        tool = OFFSET_TOOL
    result = run_query(query, rules=rules)
    if result is None:  # the calculator never guesses a missing year or amount
        return Answer(question, NEED_OFFSET_INPUTS, False, AnswerMode.TOOL, tool=tool)
    if isinstance(result, EligibilityResult):
        text, citations = short_verdict(result)
    else:
        text, citations = result.to_text(sources=False), result.citations
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        mode=AnswerMode.TOOL,
        citations=citations,
        standalone_question=question,
        tool=tool,
        result=result,
    )


def short_verdict(result: EligibilityResult) -> tuple[str, tuple[Citation, ...]]:
    """The verdict and the reasons that decide it, each cited (renumbered 1..n), as a short
    answer. The whole result (every reason and condition, with the clauses behind each) stays
    in ``Answer.result``; the chat and ``assistant ask`` show it in full."""
    q = result.query
    what = " ".join(x for x in (q.programme, q.methodology) if x) or "The methodology"
    where = f" for {q.host_country}" if q.host_country else ""
    order: dict[int, int] = {}  # the result's citation number -> the short answer's
    for f in result.decisive:
        for n in f.citations:
            order.setdefault(n, len(order) + 1)
    parts = [f"{what}{where}: {str(result.verdict).upper()}."]
    parts += [
        Finding(f.text, tuple(order[n] for n in f.citations)).render() for f in result.decisive
    ]
    if others := [c for c in result.conditions if c not in result.decisive]:
        more = "further " if len(others) < len(result.conditions) else ""
        parts.append(f"{len(others)} {more}conditions apply; the full verdict lists them.")
    by_n = {c.n: c for c in result.citations}
    cited = tuple(replace(by_n[n], n=i) for n, i in order.items())
    return " ".join(parts), cited


def run_query(
    query: EligibilityQuery | OffsetQuery, *, rules: RuleBook | None = None
) -> EligibilityResult | OffsetResult | None:
    """Answer a query from :func:`parse_intent`. None for an offset query without a year or an
    amount (the chat should ask for it: the calculator never guesses a year).
    """
    if isinstance(query, EligibilityQuery):
        return check_query(query, rules=rules)
    if query.emissions is None or query.year is None:
        return None
    return calculate_offset(query.emissions, query.year, rules=rules)
