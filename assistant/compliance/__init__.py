"""Compliance tools for Singapore's International Carbon Credit (ICC) framework.

Rule-based and document-grounded, no LLM: the rules live in ``corpus/rules/*.yaml``, every
rule carries a verbatim quote of the corpus, and every answer cites the clauses behind it.

    check_eligibility(host_country, programme, methodology, published=None, category=None)
        → EligibilityResult   verdict, reasons, conditions, citations, missing inputs
    calculate_offset(emissions, year) → OffsetResult   rate, max ICCs (5%), value offset
    agreement_table() → AgreementTable                 MOUs / IAs by partner, with sources
    parse_intent(text) → EligibilityQuery | OffsetQuery | None   for the chat
    tool_answer(question, rules) → Answer | None       the hand-off ``Assistant.ask`` uses
    load_rules(corpus_dir) → RuleBook                  loaded and checked once per folder
"""

from __future__ import annotations

from assistant.compliance.agreements import agreement_table, agreements_for
from assistant.compliance.eligibility import check_eligibility, check_query
from assistant.compliance.handoff import run_query, tool_answer
from assistant.compliance.intent import parse_intent
from assistant.compliance.models import (
    AgreementCount,
    AgreementEntry,
    AgreementKind,
    AgreementRow,
    AgreementStatus,
    AgreementTable,
    ComplianceInputError,
    EligibilityQuery,
    EligibilityResult,
    Finding,
    OffsetQuery,
    OffsetResult,
    SourceRef,
    Verdict,
)
from assistant.compliance.offset import calculate_offset, parse_emissions, parse_year
from assistant.compliance.rules import RuleBook, RulesError, clear_cache, load_rules

__all__ = [
    "AgreementCount",
    "AgreementEntry",
    "AgreementKind",
    "AgreementRow",
    "AgreementStatus",
    "AgreementTable",
    "ComplianceInputError",
    "EligibilityQuery",
    "EligibilityResult",
    "Finding",
    "OffsetQuery",
    "OffsetResult",
    "RuleBook",
    "RulesError",
    "SourceRef",
    "Verdict",
    "agreement_table",
    "agreements_for",
    "calculate_offset",
    "check_eligibility",
    "check_query",
    "clear_cache",
    "load_rules",
    "parse_emissions",
    "parse_intent",
    "parse_year",
    "run_query",
    "tool_answer",
]
