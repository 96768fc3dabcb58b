"""The audit trail: one JSON line per answered question, in ``<data_dir>/audit/audit.jsonl``.

Each entry records who asked what and what they were told::

    {"timestamp": "2026-11-22T07:30:01.123+00:00", "user": "alice", "question": "...",
     "answer": "... [1]", "abstained": false, "mode": "extractive", "latency_ms": 412.5,
     "standalone_question": null,
     "citations": [{"n": 1, "chunk_id": "...", "doc_id": "...", "start": 10, "end": 90}]}

``user`` is null when login is off. The file is rotated by size (``audit.jsonl.1`` is the
newest full file, ``.N`` the oldest kept); :func:`read_entries` reads them all, oldest first.

Several threads and several processes (app workers, the CLI) may append at once: every write
takes an exclusive ``flock`` on ``audit.jsonl.lock`` and reopens the file, so rotation by one
process never leaves another writing into a renamed file, and lines never interleave.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from assistant.config import Settings
from assistant.types import Answer

try:  # POSIX; elsewhere only the threads of one process are serialised
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

AUDIT_DIR = "audit"
AUDIT_FILE = "audit.jsonl"


def audit_path(data_dir: Path) -> Path:
    """Where the current audit file of ``data_dir`` lives."""
    return Path(data_dir) / AUDIT_DIR / AUDIT_FILE


def entry_for(answer: Answer, user: str | None = None) -> dict:
    """The audit entry of ``answer`` (a JSON-ready dict), time-stamped now, in UTC."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "user": user,
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "mode": str(answer.mode),
        "tool": answer.tool,  # the compliance tool that answered, if one did
        "citations": [
            {"n": c.n, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": c.start, "end": c.end}
            for c in answer.citations
        ],
        "latency_ms": round(answer.latency_ms, 2),
    }


class _SharedRotatingHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler that several processes can share safely.

    The stdlib handler checks the size through its own open stream, so after another process
    rotates the file it keeps appending to the renamed one. Here each record is written under
    an exclusive lock with the file freshly opened, and the stream is closed again after.
    ``logging.Handler.handle`` already serialises the threads of one process.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True
        )
        self.lock_path = path.with_name(path.name + ".lock")

    def emit(self, record: logging.LogRecord) -> None:
        with _locked(self.lock_path):
            self._close_stream()
            try:
                self._end_torn_line()
                super().emit(record)
            finally:
                self._close_stream()

    def _end_torn_line(self) -> None:
        """Finish a line a killed writer left without its newline, so ours stays whole."""
        try:
            with open(self.baseFilename, "rb") as f:
                f.seek(-1, os.SEEK_END)
                torn = f.read(1) != b"\n"
        except OSError:  # no file yet, or an empty one
            return
        if torn:
            with open(self.baseFilename, "ab") as f:
                f.write(b"\n")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        raise  # noqa: PLE0704 - let AuditLog.record report it; logging would print a traceback

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as f:
        if fcntl is not None:
            fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
        yield


class AuditLog:
    """Appends audit entries to a size-rotated JSON Lines file. Thread- and process-safe."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        """
        Args:
            path: the current audit file (its folder is created when missing).
            max_bytes: rotate before a write would take the file past this size.
            backups: rotated files kept (``audit.jsonl.1`` … ``.N``); older ones are deleted.
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handler = _SharedRotatingHandler(self.path, max_bytes, backups)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        return cls(
            audit_path(settings.data_dir),
            max_bytes=int(settings.audit_max_mb * 1024 * 1024),
            backups=settings.audit_backups,
        )

    def record(self, answer: Answer, user: str | None = None) -> dict:
        """Append the entry for ``answer``; returns it.

        A failure to write (disk full, permissions) is logged as an error and does not stop
        the answer from being shown.
        """
        entry = entry_for(answer, user)
        line = json.dumps(entry, ensure_ascii=False)
        rec = logging.LogRecord(
            "assistant.serve.audit", logging.INFO, __file__, 0, line, None, None
        )
        try:
            self._handler.handle(rec)
        except (OSError, ValueError) as exc:
            log.error("could not write the audit log %s: %s", self.path, exc)
        return entry


# -- reading -------------------------------------------------------------------------------


def log_files(path: Path) -> list[Path]:
    """The audit file and its rotated predecessors, oldest first."""
    path = Path(path)
    rotated = []
    for p in path.parent.glob(path.name + ".*"):
        suffix = p.name[len(path.name) + 1 :]
        if suffix.isdigit():
            rotated.append((int(suffix), p))
    files = [p for _, p in sorted(rotated, reverse=True)]
    return files + [path] if path.is_file() else files


def parse_when(text: str, *, end: bool = False) -> datetime:
    """A ``--since``/``--until`` value as an aware datetime; dates and naive times are UTC.

    A bare date means the start of that day, or with ``end`` the start of the next day (so
    ``--until 2026-01-31`` includes all of 31 January).

    Raises:
        ValueError: not an ISO date or date-time.
    """
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def read_entries(
    path: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
) -> list[dict]:
    """Audit entries from ``path`` and its rotated files, oldest first.

    Args:
        since: keep entries at or after this moment.
        until: keep entries before this moment.
        user: keep only this user's entries.
    Lines that are not valid JSON (a write cut off by a crash) are skipped with a warning.
    """
    out: list[tuple[datetime, dict]] = []
    for f in log_files(path):
        with f.open(encoding="utf-8", errors="replace") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    when = datetime.fromisoformat(entry["timestamp"])
                except (ValueError, KeyError, TypeError):
                    log.warning("%s:%d is not an audit entry; skipped", f, n)
                    continue
                if since and when < since or until and when >= until:
                    continue
                if user is not None and entry.get("user") != user:
                    continue
                out.append((when, entry))
    out.sort(key=lambda pair: pair[0])  # stable: the write order breaks ties
    return [entry for _, entry in out]
