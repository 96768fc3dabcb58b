"""The ``audit`` command: list audit-trail entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from assistant.cli.common import command, emit, fail


def _when(value: str | None, option: str, *, end: bool = False) -> datetime | None:
    from assistant.serve import parse_when

    if value is None:
        return None
    try:
        return parse_when(value, end=end)
    except ValueError as exc:
        raise fail(
            f"{option} must be a date like 2026-01-31 or a date-time like 2026-01-31T14:30, "
            f"not {value!r}"
        ) from exc


@command("audit")
def audit_cmd(
    since: Annotated[
        str, typer.Option("--since", metavar="DATE", help="Entries on or after this date.")
    ],
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="DATE", help="Entries up to this date (inclusive)."),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", metavar="USER", help="Only this user's questions.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entries as JSON, one object per line.")
    ] = False,
) -> None:
    """List the questions answered (app, CLI and API) from the audit trail, oldest first.

    Reads <data dir>/audit/audit.jsonl and its rotated files (audit.jsonl.1, .2, ...). DATE is
    2026-01-31 or a date-time such as 2026-01-31T14:30 (UTC unless it carries an offset such
    as +08:00). --until with a bare date includes that whole day.

    Examples:

      assistant audit --since 2026-01-01

      assistant audit --since 2026-01-01 --until 2026-01-31 --user alice --json
    """
    from assistant.config import Settings
    from assistant.serve import audit_path, read_entries

    start, end = _when(since, "--since"), _when(until, "--until", end=True)
    if start and end and end <= start:
        raise fail(f"--until ({until}) is before --since ({since})")
    settings = Settings()
    path = audit_path(settings.data_dir)
    if not path.parent.is_dir():
        off = "" if settings.audit else " (auditing is off: ASSISTANT_AUDIT=false)"
        typer.echo(f"No audit log at {path}{off}.", err=True)
        return
    entries = read_entries(path, start, end, user)
    if as_json:
        for e in entries:
            emit(e)
        return
    for e in entries:
        when = datetime.fromisoformat(e["timestamp"]).strftime("%Y-%m-%d %H:%M:%S %Z")
        n = len(e.get("citations") or [])
        outcome = "abstained" if e.get("abstained") else f"{n} citation" + ("" if n == 1 else "s")
        typer.secho(
            f"{when}  {e.get('user') or '-'}  {e.get('mode')}, {outcome}, "
            f"{e.get('latency_ms', 0):.0f} ms",
            bold=True,
        )
        typer.echo(f"  Q: {_short(e.get('question', ''))}")
        typer.echo(f"  A: {_short(e.get('answer', ''))}")
    abstained = sum(1 for e in entries if e.get("abstained"))
    who = f" by {user}" if user else ""
    typer.echo(f"{len(entries)} entries{who} ({abstained} abstained) from {path.parent}")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
