"""The audit trail: what an answer records, rotation, several writers, and `assistant audit`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.serve.audit import AuditLog, audit_path, log_files, parse_when, read_entries
from assistant.types import Answer, AnswerMode, Citation
from tests.conftest import ROOT, make_settings

NOTE = (
    "Zorblax accord\n\nSingapore and Testland signed the Zorblax carbon accord on 3 March 2025. "
    "The Zorblax accord covers mangrove restoration credits.\n"
)
ENTRY_KEYS = {
    "timestamp", "user", "question", "standalone_question", "answer", "abstained", "mode",
    "tool", "citations", "latency_ms",
}  # fmt: skip


def _answer(question: str, text: str = "An answer [1].") -> Answer:
    cit = Citation(1, "c1", "doc-1", "Title", "", None, None, None, "An answer", 10, 19)
    return Answer(question, text, False, AnswerMode.EXTRACTIVE, (cit,), latency_ms=12.5)


# ------------------------------------------------------------------------------ through the API


def test_every_answer_is_audited_with_its_fields(fresh_assistant) -> None:
    a = fresh_assistant
    (a.settings.corpus_dir / "zorblax.txt").write_text(NOTE, encoding="utf-8")
    a.ingest()
    before = datetime.now(UTC)
    answered = a.ask("What does the Zorblax accord cover?", user="alice")
    abstained = a.ask("What is the price of bananas in Lima?")
    streamed = list(a.ask_stream("When was the Zorblax accord signed?", user="bob"))[-1]

    entries = read_entries(audit_path(a.settings.data_dir))
    assert len(entries) == 3
    first, second, third = entries
    assert set(first) == ENTRY_KEYS
    assert first["user"] == "alice" and second["user"] is None and third["user"] == "bob"
    assert first["question"] == answered.question and first["answer"] == answered.answer
    assert "mangrove restoration credits" in first["answer"]
    assert first["abstained"] is False and first["mode"] == "extractive"
    assert first["citations"] == [
        {"n": c.n, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": c.start, "end": c.end}
        for c in answered.citations
    ]
    assert first["citations"] and first["latency_ms"] == round(answered.latency_ms, 2) > 0
    when = datetime.fromisoformat(first["timestamp"])
    assert when.utcoffset() == timedelta(0) and before <= when <= datetime.now(UTC)
    assert second["abstained"] is True and second["citations"] == []
    assert second["answer"] == abstained.answer
    assert third["answer"] == streamed.answer and "3 March 2025" in third["answer"]


def test_concurrent_questions_are_answered_as_alone_and_each_audited(corpus_assistant) -> None:
    """The app answers from several threads at once through one shared Assistant."""
    from concurrent.futures import ThreadPoolExecutor

    a = corpus_assistant
    questions = [
        "What will the carbon tax rate be from 2026?",
        "When did Singapore and Peru sign their Implementation Agreement?",
        "What share of taxable emissions can be offset with international carbon credits?",
        "What is the price of bananas in Lima?",
    ] * 4
    alone = {q: a.ask(q).answer for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: a.ask(q, user="load").answer, questions))
    assert together == [alone[q] for q in questions]
    logged = read_entries(audit_path(a.settings.data_dir), user="load")
    assert sorted(e["question"] for e in logged) == sorted(questions)


def test_refused_questions_and_audit_off_write_nothing(fresh_assistant, tmp_path: Path) -> None:
    from assistant.api import Assistant
    from assistant.errors import QueryError

    with pytest.raises(QueryError):
        fresh_assistant.ask("   ")
    assert not audit_path(fresh_assistant.settings.data_dir).exists()

    quiet = Assistant(
        make_settings(tmp_path / "quiet", corpus_dir=fresh_assistant.settings.corpus_dir,
                      audit=False),
        embedder=fresh_assistant.embedder,
    )  # fmt: skip
    quiet.ask("Is anything indexed?")
    assert quiet.audit is None
    assert not (tmp_path / "quiet" / "audit").exists()


# ------------------------------------------------------------------------------ the file


def test_rotates_by_size_and_keeps_n_backups(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "audit.jsonl"
    log = AuditLog(path, max_bytes=2000, backups=3)
    for i in range(60):
        log.record(_answer(f"question {i}"), user="u")
    files = log_files(path)
    assert [p.name for p in files] == ["audit.jsonl.3", "audit.jsonl.2", "audit.jsonl.1",
                                       "audit.jsonl"]  # fmt: skip
    assert all(p.stat().st_size <= 2000 for p in files)
    entries = read_entries(path)
    kept = [int(e["question"].split()[-1]) for e in entries]
    # The oldest rotated files were dropped; what is left is the newest, in order, complete.
    assert kept == list(range(60 - len(kept), 60)) and 20 < len(kept) < 60
    assert sum(len(p.read_text().splitlines()) for p in files) == len(kept)


WRITER = """
import sys, threading, time
from pathlib import Path
from assistant.serve.audit import AuditLog
from assistant.types import Answer, AnswerMode
log = AuditLog(Path(sys.argv[1]), max_bytes=16_000, backups=10_000)
name = sys.argv[2]
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # all writers start together
def work(t):
    for i in range(60):
        log.record(Answer(f"{name}-{t}-{i}", "x" * 150, False, AnswerMode.EXTRACTIVE), user=name)
threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
for th in threads: th.start()
for th in threads: th.join()
"""


def test_several_processes_and_threads_append_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "audit.jsonl"
    start = str(time.time() + 4)
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}", start], cwd=ROOT)
        for n in range(4)
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    files = log_files(path)
    assert len(files) > 10  # the writers rotated the file under each other many times
    lines = [ln for p in files for ln in p.read_text(encoding="utf-8").splitlines()]
    questions = [json.loads(ln)["question"] for ln in lines]  # every line is whole JSON
    expected = {f"p{n}-{t}-{i}" for n in range(4) for t in range(4) for i in range(60)}
    assert len(questions) == len(expected) and set(questions) == expected
    assert all(p.stat().st_size <= 16_000 for p in files)
    # Read oldest file first, each writer's entries come in the order it wrote them: nobody
    # kept appending to a file another process had already rotated away.
    last: dict[str, int] = {}
    for q in questions:
        writer, i = q.rsplit("-", 1)
        assert last.get(writer, -1) < int(i), q
        last[writer] = int(i)


# ------------------------------------------------------------------------------ the command


@pytest.fixture
def cli() -> typer.Typer:
    """The main CLI, where ``assistant.cli`` registers the audit command."""
    from assistant.cli import app

    return app


def _write(path: Path, entries: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")


def _entry(when: str, user: str | None, question: str) -> dict:
    return {"timestamp": when, "user": user, "question": question, "answer": "A [1].",
            "abstained": False, "mode": "extractive",
            "citations": [{"n": 1, "chunk_id": "c", "doc_id": "d", "start": 0, "end": 3}],
            "latency_ms": 5.0}  # fmt: skip


def test_audit_command_filters_by_date_and_user(cli: typer.Typer, tmp_path: Path) -> None:
    path = audit_path(tmp_path / "data")  # conftest points ASSISTANT_DATA_DIR here
    _write(path.with_name("audit.jsonl.1"), [
        _entry("2026-01-01T09:00:00.000+00:00", "alice", "old question"),
        _entry("2026-01-15T23:59:00.000+00:00", "bob", "mid-January question"),
    ])  # fmt: skip
    _write(path, [_entry("2026-01-31T23:00:00.000+00:00", "alice", "last day of January")])
    with path.open("a") as f:
        f.write('{"timestamp": "2026-01-20T00:0')  # a line cut off by a killed writer
    AuditLog(path, 10_000_000, 3).record(_answer("asked just now"), user="alice")
    runner = CliRunner()

    def run(*args: str) -> list[str]:
        r = runner.invoke(cli, ["audit", *args, "--json"])
        assert r.exit_code == 0, r.output
        return [json.loads(x)["question"] for x in r.stdout.splitlines()]

    assert run("--since", "2026-01-01") == [
        "old question", "mid-January question", "last day of January", "asked just now",
    ]  # fmt: skip
    assert run("--since", "2026-01-02", "--until", "2026-01-31") == [
        "mid-January question", "last day of January",
    ]  # fmt: skip
    assert run("--since", "2026-01-15T23:59:30", "--until", "2026-01-31T22:59") == []
    assert run("--since", "2026-01-16T08:00+08:00") == ["last day of January", "asked just now"]
    assert run("--since", "2026-01-01", "--user", "bob") == ["mid-January question"]

    text = runner.invoke(cli, ["audit", "--since", "2026-01-01", "--user", "alice"])
    assert text.exit_code == 0
    assert "Q: last day of January" in text.stdout and "1 citation" in text.stdout
    assert "3 entries by alice (0 abstained)" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since must be a date"),
        (["--since", "2026-01-10", "--until", "31/01/2026"], "--until must be a date"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "is before --since"),
    ],
)
def test_audit_command_bad_dates(cli: typer.Typer, args: list[str], message: str) -> None:
    r = CliRunner().invoke(cli, ["audit", *args])
    assert r.exit_code == 2 and message in r.output and r.exception is not None
    assert "Traceback" not in r.output


def test_audit_command_help_and_missing_since(cli: typer.Typer) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["audit", "--help"])
    assert r.exit_code == 0 and "--since" in r.stdout and "--until" in r.stdout
    assert "audit.jsonl" in r.stdout and "2026-01-31T14:30" in r.stdout
    r = runner.invoke(cli, ["audit"])
    assert r.exit_code == 2 and "--since" in r.output


def test_parse_when() -> None:
    assert parse_when("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_when("2026-01-31", end=True) == datetime(2026, 2, 1, tzinfo=UTC)
    assert parse_when("2026-01-31T14:30+08:00") == datetime(2026, 1, 31, 6, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_when("last week")
