"""Offset calculator: how much carbon tax eligible ICCs can offset in a given year.

Rates, the 5% limit and the framework's effective date come from
``corpus/rules/carbon_tax.yaml``, each tied to its clause. A year the documents give no rate
for gets no rate (never an extrapolated one), and a year before the ICC framework took effect
gets no usable credits.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from assistant.compliance.models import ComplianceInputError, Finding, OffsetResult
from assistant.compliance.rules import Ledger, RuleBook, load_rules

MIN_YEAR, MAX_YEAR = 1900, 2200  # outside this a "year" is a typo, not a question


def parse_emissions(value: Decimal | int | float | str) -> Decimal:
    """Taxable emissions in tCO2e as a Decimal; accepts "200,000" and "200_000".

    Raises:
        ComplianceInputError: not a number, not finite, or negative.
    """
    if isinstance(value, bool):
        raise ComplianceInputError(f"emissions must be a number of tonnes, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ComplianceInputError(f"emissions must be a finite number, not {value!r}")
    text = str(value).strip().replace(",", "").replace("_", "")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ComplianceInputError(
            f"emissions must be a number of tonnes CO2e (e.g. 200000), not {value!r}"
        ) from None
    if not result.is_finite():
        raise ComplianceInputError(f"emissions must be a finite number, not {value!r}")
    if result < 0:
        raise ComplianceInputError(f"emissions cannot be negative (got {value})")
    return result


def parse_year(value: int | str) -> int:
    """A tax year as an int; accepts 2025 or "2025".

    Raises:
        ComplianceInputError: not a whole four-digit year between 1900 and 2200.
    """
    if isinstance(value, bool):
        raise ComplianceInputError(f"year must be a year such as 2025, not {value!r}")
    text = str(value).strip()
    if not text.isdigit():
        raise ComplianceInputError(f"year must be a year such as 2025, not {value!r}")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ComplianceInputError(f"year must be between {MIN_YEAR} and {MAX_YEAR}, not {year}")
    return year


def _money(symbol: str, value: Decimal) -> str:
    whole = value == value.to_integral_value()
    return f"{symbol}{int(value):,}" if whole else f"{symbol}{value:,.2f}"


def _qty(value: Decimal) -> str:
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,}"


def calculate_offset(
    emissions: Decimal | int | float | str,
    year: int | str,
    *,
    rules: RuleBook | None = None,
) -> OffsetResult:
    """The tax rate for ``year``, the most ICCs usable and the tax liability they offset.

    Args:
        emissions: taxable emissions in tonnes CO2e (non-negative).
        year: the tax year.
        rules: the rule book; None loads the corpus's rules once.
    Returns:
        An OffsetResult. Credits usable = limit% × emissions (0 before the framework took
        effect); value = credits × rate (None when the documents state no rate for the year).
    Raises:
        ComplianceInputError: bad emissions or year.
    """
    amount, year = parse_emissions(emissions), parse_year(year)
    tax = (rules or load_rules()).tax
    ledger = Ledger()
    notes: list[Finding] = []
    sym = tax.currency_symbol

    period = tax.rate_for(year)
    rate = period.rate if period else None
    if period is not None:
        as_stated = f" ({period.note})" if period.note else ""
        notes.append(
            Finding(
                f"The carbon tax rate for {year} is {_money(sym, period.rate)} per tonne"
                f"{as_stated}.",
                ledger.cite(period.clause),
            )
        )
    else:
        stated = ", ".join(
            f"{_money(sym, p.rate)} for {p.from_year}"
            + (f"–{p.to_year}" if p.to_year and p.to_year != p.from_year else "")
            + (" and beyond" if p.to_year is None else "")
            for p in tax.rates
        )
        notes.append(
            Finding(
                f"The documents do not state the carbon tax rate for {year}; they state only "
                f"{stated}.",
                ledger.cite(*(p.clause for p in tax.rates)),
            )
        )

    start = tax.effective_from
    # Tax is assessed per calendar year; the list takes effect on 1 January 2024, so 2024 is
    # the first year whose emissions ICCs can offset.
    available = year >= start.year
    share = tax.limit_percent / 100
    if available:
        max_credits = amount * share
        notes.append(
            Finding(
                f"Eligible ICCs can offset up to {_qty(tax.limit_percent)}% of "
                f"{tax.limit_basis}: {_qty(max_credits)} of {_qty(amount)} tCO2e.",
                ledger.cite(tax.limit),
            )
        )
    else:
        max_credits = Decimal(0)
        notes.append(
            Finding(
                f"ICCs cannot be used for {year}: the ICC Eligibility List takes effect on "
                f"{start.day} {start:%B %Y}.",
                ledger.cite(tax.effective),
            )
        )

    if rate is None:
        value = Decimal(0) if not available else None
    else:
        value = max_credits * rate
        if available:
            notes.append(
                Finding(
                    f"{_qty(max_credits)} credits × {_money(sym, rate)} = {_money(sym, value)} "
                    f"of carbon tax liability offset at most.",
                    ledger.cite(tax.limit, period.clause) if period else (),
                )
            )
    source = period.clause if period else tax.limit
    return OffsetResult(
        year=year,
        emissions=amount,
        rate=rate,
        currency=tax.currency,
        max_credits=max_credits,
        max_offset_value=value,
        available=available,
        limit_percent=tax.limit_percent,
        as_of=source.as_of,
        notes=tuple(notes),
        citations=ledger.citations,
        currency_symbol=sym,
    )
