"""Index and search commands: ``ingest``, ``search``, ``status``, ``remove``."""

from __future__ import annotations

from pathlib import Path
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
from assistant.types import FusionMethod, RetrievalMode


@command("ingest")
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
    a = assistant_from_env()
    try:
        report = a.ingest(paths or None, prune=not no_prune, progress=not as_json)
    except AssistantError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        emit(report.to_dict())
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


@command("search")
def search_cmd(
    query: Annotated[
        str, typer.Argument(help="The query, or - to read one query per line from stdin.")
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Number of results.")] = 5,
    mode: Annotated[
        RetrievalMode, typer.Option(help="hybrid, dense or bm25.")
    ] = RetrievalMode.HYBRID,
    fusion: Annotated[FusionMethod | None, typer.Option(help="Override the fusion method.")] = None,
    rerank: Annotated[
        bool | None,
        typer.Option(
            "--rerank/--no-rerank",
            help="Re-order hybrid results for a question with the reader (default: "
            "ASSISTANT_RERANK, on); --no-rerank is about 0.1 s faster.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (one object per query).")
    ] = False,
    doc: DocOpt = None,
    type_: TypeOpt = None,
    country: CountryOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> None:
    """Find the passages that best match a query (dense + BM25, fused; a question is then
    re-ranked by the reader)."""
    filters = build_filters(doc, type_, country, date_from, date_to)
    queries = lines(query)
    a = assistant_from_env()
    for q in queries if queries is not None else [query]:
        if not q.strip():
            raise fail("the query is empty")
        try:
            hits = a.search(q, k, mode=mode, filters=filters, fusion=fusion, rerank=rerank)
        except AssistantError as exc:
            raise fail(str(exc)) from exc
        if as_json or queries is not None:
            emit({"query": q, "results": [h.to_dict() for h in hits]})
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


@command("status")
def status_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show what is indexed."""
    a = assistant_from_env()
    st = a.status()
    docs = a.documents()
    if as_json:
        emit(
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


@command("remove")
def remove_cmd(
    doc_id: Annotated[str, typer.Argument(help="The document id (see `assistant status`).")],
) -> None:
    """Remove a document and its chunks from the index."""
    a = assistant_from_env()
    if doc_id not in a.documents():
        raise fail(f"no document '{doc_id}' in the index; see `assistant status`")
    n = a.remove(doc_id)
    typer.echo(f"removed {doc_id} ({n} chunks)")
