"""The ``assistant`` command: a thin layer over :class:`assistant.api.Assistant`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.retrieval import Filters
from assistant.types import FusionMethod, RetrievalMode

app = typer.Typer(
    help="Article 6 carbon-market assistant: cited answers and compliance checks, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _assistant():  # noqa: ANN202 - imported lazily to keep `--help` fast
    from assistant.api import Assistant

    return Assistant(Settings())


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg="red")
    return typer.Exit(code)


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _lines(arg: str) -> list[str] | None:
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


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to index (default: corpus/ and uploaded files)."),
    ] = None,
    no_prune: Annotated[
        bool, typer.Option("--no-prune", help="Keep documents whose files were deleted.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Index documents (txt, md, html, pdf, docx). Unchanged files are skipped."""
    for p in paths or []:
        if not p.exists():
            raise fail(f"{p}: no such file or folder")
    a = _assistant()
    try:
        report = a.ingest(paths or None, prune=not no_prune, progress=not as_json)
    except AssistantError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        _emit(report.to_dict())
    else:
        typer.echo(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged "
            f"{len(report.unchanged)}, removed {len(report.removed)}, failed {len(report.failed)}"
            f" ({report.chunks_written} chunks written)"
        )
        for path, reason in report.failed:
            typer.secho(f"  failed: {path}: {reason}", err=True, fg="yellow")
    if report.failed:
        raise typer.Exit(1)


@app.command("search")
def search_cmd(
    query: Annotated[
        str, typer.Argument(help="The query, or - to read one query per line from stdin.")
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Number of results.")] = 5,
    mode: Annotated[
        RetrievalMode, typer.Option(help="hybrid, dense or bm25.")
    ] = RetrievalMode.HYBRID,
    fusion: Annotated[FusionMethod | None, typer.Option(help="Override the fusion method.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (one object per query).")
    ] = False,
    doc: DocOpt = None,
    type_: TypeOpt = None,
    country: CountryOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> None:
    """Find the passages that best match a query (dense + BM25, fused)."""
    filters = build_filters(doc, type_, country, date_from, date_to)
    queries = _lines(query)
    a = _assistant()
    for q in queries if queries is not None else [query]:
        if not q.strip():
            raise fail("the query is empty")
        try:
            hits = a.search(q, k, mode=mode, filters=filters, fusion=fusion)
        except AssistantError as exc:
            raise fail(str(exc)) from exc
        if as_json or queries is not None:
            _emit({"query": q, "results": [h.to_dict() for h in hits]})
            continue
        if not hits:
            typer.echo("No matching passages.")
        for i, h in enumerate(hits, 1):
            c = h.chunk
            where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
            typer.secho(f"[{i}] {c.title}", bold=True)
            typer.echo(
                f"    {where or '(top of document)'} · {c.published or 'undated'} · {h.score:.4f}"
            )
            typer.echo("    " + " ".join(c.text.split())[:300])


@app.command("status")
def status_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show what is indexed."""
    a = _assistant()
    st = a.status()
    docs = a.documents()
    if as_json:
        _emit(
            st.to_dict()
            | {
                "docs": [
                    {
                        "doc_id": d,
                        "title": r.meta.title,
                        "doc_type": str(r.meta.doc_type),
                        "published": r.meta.published.isoformat() if r.meta.published else None,
                        "countries": list(r.meta.countries),
                        "chunks": r.n_chunks,
                    }
                    for d, r in sorted(docs.items())
                ]
            }
        )
        return
    typer.echo(f"Index: {st.location}")
    typer.echo(
        f"{st.documents} documents, {st.chunks} chunks; last updated {st.last_updated or 'never'}"
    )
    for d, r in sorted(docs.items()):
        typer.echo(
            f"  {d:40} {str(r.meta.doc_type):16} {str(r.meta.published or ''):10} {r.n_chunks:4} chunks"
        )
    if not docs:
        typer.echo("The index is empty: run `assistant ingest`.")


@app.command("remove")
def remove_cmd(
    doc_id: Annotated[str, typer.Argument(help="The document id (see `assistant status`).")],
) -> None:
    """Remove a document and its chunks from the index."""
    a = _assistant()
    if doc_id not in a.documents():
        raise fail(f"no document '{doc_id}' in the index; see `assistant status`")
    n = a.remove(doc_id)
    typer.echo(f"removed {doc_id} ({n} chunks)")


def _register_extensions() -> None:
    """Commands contributed by other modules (compliance, answers, evals)."""
    import importlib

    modules = (
        "assistant.compliance.commands",
        "assistant.answer_cli",
        "assistant.audit_cli",
        "evals.commands",
        "evals.eval_cli",
    )
    for module in modules:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue  # that part of the product is not installed
            raise
        mod.register(app)


_register_extensions()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except AssistantError as exc:
        typer.secho(f"Error: {exc}", err=True, fg="red")
        sys.exit(2)
