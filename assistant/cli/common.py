"""What every command shares: the one Typer app, the ``@command`` registration, the filter
options, errors as messages and exit codes, JSON lines."""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

import typer

from assistant.config import Settings
from assistant.retrieval import Filters

F = TypeVar("F", bound=Callable[..., None])

app = typer.Typer(
    help="Article 6 carbon-market assistant: cited answers and compliance checks, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def assistant_from_env():  # noqa: ANN202 - imported lazily to keep `--help` fast
    from assistant.api import Assistant

    return Assistant(Settings())


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg="red")
    return typer.Exit(code)


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def lines(arg: str) -> list[str] | None:
    """``-`` means: read one item per line from stdin."""
    return None if arg != "-" else [ln.strip() for ln in sys.stdin if ln.strip()]


DocOpt = Annotated[list[str] | None, typer.Option("--doc", help="Only these document ids.")]
TypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--type", help="Only these document types (agreement, annex, eligibility_list, ...)."
    ),
]
CountryOpt = Annotated[
    list[str] | None, typer.Option("--country", help="Only documents about these countries.")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Published on or after YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Published on or before YYYY-MM-DD.")]


def build_filters(
    doc: list[str] | None,
    type_: list[str] | None,
    country: list[str] | None,
    date_from: str | None,
    date_to: str | None,
) -> Filters:
    def parse(d: str | None, name: str) -> date | None:
        if not d:
            return None
        try:
            return date.fromisoformat(d)
        except ValueError as exc:
            raise fail(f"{name} must be a date like 2024-01-31, not {d!r}") from exc

    return Filters(
        doc_ids=tuple(doc or ()),
        doc_types=tuple(type_ or ()),
        countries=tuple(country or ()),
        date_from=parse(date_from, "--from"),
        date_to=parse(date_to, "--to"),
    )


def command(name: str, short_help: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as ``assistant <name>``.

    Its docstring is the help: paragraphs are reflowed (Typer would keep the source's line
    breaks) and indented lines, such as examples, stay as written.
    """

    def register(fn: F) -> F:
        app.command(name, help=help_text(fn.__doc__ or ""), short_help=short_help)(fn)
        return fn

    return register


def help_text(doc: str) -> str:
    out = []
    for para in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
        rows = para.split("\n")
        if all(r.startswith("  ") for r in rows):
            out += rows
        else:
            out.append(" ".join(r.strip() for r in rows))
    return "\n\n".join(out)
