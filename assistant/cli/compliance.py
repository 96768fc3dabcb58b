"""The compliance commands: ``check``, ``offset`` and ``agreements``.

Output is human-readable by default and the JSON contract with ``--json``. Bad input exits with code 2 and a message, never a
traceback; broken rules files exit with code 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Protocol

import typer

from assistant.cli.common import command
from assistant.compliance import (
    ComplianceInputError,
    RuleBook,
    RulesError,
    agreement_table,
    calculate_offset,
    check_eligibility,
    load_rules,
    parse_emissions,
    parse_year,
)

EXIT_RULES = 1
EXIT_USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _rules() -> RuleBook:
    """The rule book of the configured corpus (``ASSISTANT_CORPUS_DIR``), or exit 1."""
    from assistant.config import Settings

    try:
        return load_rules(Path(Settings().corpus_dir))
    except RulesError as exc:
        typer.echo(f"Error: the compliance rules cannot be loaded.\n{exc}", err=True)
        raise typer.Exit(EXIT_RULES) from None


class _Result(Protocol):
    def to_dict(self) -> dict: ...
    def to_text(self) -> str: ...


def _show(result: _Result, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.to_text())


def _published(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD (e.g. 2022-06-30), not {value!r}"
        ) from None
    return value.strip()


def _emissions(value: str) -> str:
    try:
        parse_emissions(value)
    except ComplianceInputError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _year(value: str) -> str:
    try:
        parse_year(value)
    except ComplianceInputError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@command("check", short_help="Is a credit eligible? Verdict + clauses.")
def check(
    host_country: Annotated[
        str,
        typer.Option(
            "--host-country",
            help="Country where the project is, e.g. 'Papua New Guinea' or 'PNG'.",
        ),
    ],
    programme: Annotated[
        str,
        typer.Option(
            "--programme",
            "--program",
            help="Crediting programme: GS4GG / Gold Standard, VCS / Verra, ACR, GCC, ...",
        ),
    ],
    methodology: Annotated[
        str,
        typer.Option(
            "--methodology",
            help="Methodology code or name, e.g. 'VM0042', 'VM0042 v2.0' or "
            "'Methodology for Improved Agricultural Land Management'.",
        ),
    ],
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            callback=_published,
            metavar="YYYY-MM-DD",
            help="The methodology's publication date (the list's cut-off is 'published "
            "before 31 March 2023'). Without it the verdict may be 'cannot determine'.",
        ),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="Category, sectoral scope or project type, e.g. 'Sectoral Scope 14' (VCS), "
            "'Energy Efficiency' (GS4GG), 'REDD' (GCC).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check whether credits can be used against Singapore's carbon tax under the ICC
    framework. Prints a verdict (eligible / not eligible / cannot determine), the reasons, the conditions
    that apply and the clause each one cites; 'cannot determine' names the missing input.
    Example: check --host-country PNG --programme Verra --methodology VM0042 --published
    2022-06-30
    """
    rules = _rules()
    try:
        result = check_eligibility(
            host_country, programme, methodology, published, category, rules=rules
        )
    except ComplianceInputError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    _show(result, as_json)


@command("offset", short_help="Rate, max ICCs (5%) and tax offset.")
def offset(
    emissions: Annotated[
        str,
        typer.Option(
            "--emissions",
            callback=_emissions,
            metavar="TONNES",
            help="Taxable emissions in tonnes CO2e, e.g. 200000 or 200,000.",
        ),
    ],
    year: Annotated[
        str,
        typer.Option("--year", callback=_year, metavar="YYYY", help="The tax year, e.g. 2025."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show the carbon tax rate for a year as the documents state it, the most ICCs usable
    (5% of taxable emissions) and the tax liability they can offset, with citations and the
    source's as-of date. Example: offset --emissions 200000 --year 2025
    """
    rules = _rules()
    try:
        result = calculate_offset(emissions, year, rules=rules)
    except ComplianceInputError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    _show(result, as_json)


@command("agreements", short_help="Partner MOUs and IAs, with sources.")
def agreements(as_json: JsonOption = False) -> None:
    """List Singapore's carbon-credit MOUs and Implementation Agreements by partner country,
    each cited with its source's as-of date. Where sources disagree (e.g. the number of IAs),
    both figures are shown with their dates.
    """
    _show(agreement_table(rules=_rules()), as_json)
