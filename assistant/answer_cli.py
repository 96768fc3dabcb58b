"""The ``assistant ask`` command (registered on the main CLI)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

# Imported at module level: typer resolves the string annotations below in this module's
# globals. assistant.cli defines these before it registers extensions, so this is no cycle.
from assistant.cli import (
    CountryOpt,
    DocOpt,
    FromOpt,
    ToOpt,
    TypeOpt,
    _assistant,
    _emit,
    _lines,
    build_filters,
    fail,
)
from assistant.errors import AssistantError


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask_cmd(
        question: Annotated[
            str, typer.Argument(help="The question, or - to read one question per line from stdin.")
        ],
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON (one object per question).")
        ] = False,
        doc: DocOpt = None,
        type_: TypeOpt = None,
        country: CountryOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
    ) -> None:
        """Answer a question from the documents, with citations (or say they do not say)."""
        filters = build_filters(doc, type_, country, date_from, date_to)
        batch = _lines(question)
        a = _assistant()
        for q in batch if batch is not None else [question]:
            try:
                answer = a.ask(q, filters=filters)
            except AssistantError as exc:
                if batch is not None:  # one bad line must not end a batch
                    _emit({"question": q, "error": str(exc)})
                    continue
                raise fail(str(exc)) from exc
            if as_json or batch is not None:
                _emit(answer.to_dict())
                continue
            typer.echo(answer.answer)
            for c in answer.citations:
                where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
                date = c.published.isoformat() if c.published else "undated"
                typer.secho(f"[{c.n}] {c.title} — {where or 'top'} — {date}", bold=True)
                if c.url:
                    typer.echo(f"    {c.url}")
            if answer.abstained and answer.related:
                typer.secho("Related passages:", bold=True)
                for h in answer.related:
                    typer.echo(f"  - {h.chunk.title}: {' '.join(h.chunk.text.split())[:160]}…")
        sys.stdout.flush()
