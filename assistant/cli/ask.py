"""The ``ask`` command: a cited answer, or the documents do not say."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assistant.cli.common import (
    CountryOpt,
    DocOpt,
    FromOpt,
    ToOpt,
    TypeOpt,
    assistant_from_env,
    build_filters,
    command,
    emit,
    fail,
    lines,
)
from assistant.errors import AssistantError


@command("ask")
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
    batch = lines(question)
    a = assistant_from_env()
    for q in batch if batch is not None else [question]:
        try:
            answer = a.ask(q, filters=filters)
        except AssistantError as exc:
            if batch is not None:  # one bad line must not end a batch
                emit({"question": q, "error": str(exc)})
                continue
            raise fail(str(exc)) from exc
        if as_json or batch is not None:
            emit(answer.to_dict())
            continue
        # A compliance tool's answer is shown whole: every reason and condition, cited.
        full = answer.result
        typer.echo(full.to_text(sources=False) if full is not None else answer.answer)
        for c in full.citations if full is not None else answer.citations:
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
