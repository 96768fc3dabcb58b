"""Load benchmark of the Gradio app: concurrent chat sessions while a document is ingested.

    python -m evals.bench_load [--sessions 20] [--duration 60] [--data-dir DIR]

Starts ``app.py`` on loopback (a fresh temporary data directory unless ``--data-dir`` is
given; the app builds its index from ``corpus/`` first) with login on: a ``reader`` for
the chat sessions and an ``admin`` for the upload. Then, for ``--duration`` seconds, each of
``--sessions`` gradio_client sessions asks questions from ``evals/gold/answers.jsonl`` one
after another, while, a third of the way in, the admin uploads an extra ~40 KB document
through the app's ``/upload`` endpoint: the real upload path, with the app process as the
only writer of its embedded Chroma index.

Reports requests, errors, latency p50/p95 (overall and while the upload was running),
throughput, whether every answer that did not abstain carried citations, whether the new
document answers questions afterwards, and whether the audit trail holds one entry per
question; writes JSON to ``evals/results/bench_load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from evals.bench_app import start_app, stop
from evals.metrics import pct

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold" / "answers.jsonl"
ABSTAINED = "The documents do not"
CHECKER = "*Answered by the "
EXTRA_QUESTION = "Which registry did Singapore and Testland open for mangrove credits in 2025?"
EXTRA_FACT = "Quorblat mangrove registry"
EXTRA_TITLE = "Testland Mangrove Registry Memo"


@dataclass
class Sample:
    started: float  # seconds since the load began
    latency: float
    ok: bool
    abstained: bool = False
    cited: bool = False
    checker: bool = False
    error: str = ""
    question: str = ""
    text: str = ""  # kept for answers that did not abstain yet cite nothing


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    upload: dict = field(default_factory=dict)

    def add(self, s: Sample) -> None:
        with self.lock:
            self.samples.append(s)


def questions() -> list[str]:
    rows = [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r["question"] for r in rows if not r.get("history")]


def extra_document(path: Path) -> Path:
    """A ~40 KB memo the corpus does not contain, with one fact a question can check.

    Its filler differs on every run, so no embedding comes from an earlier run's cache.
    """
    rng = random.Random()
    words = (
        "registry", "credits", "mitigation", "transfer", "authorisation", "adjustment",
        "methodology", "baseline", "verification", "issuance", "retirement", "buffer",
        "permanence", "leakage", "monitoring", "safeguards", "community", "benefit",
        "adaptation", "share", "proceeds", "cooperative", "approach", "host", "party",
    )  # fmt: skip
    paras = [
        EXTRA_TITLE,
        f"In 2025 Singapore and Testland opened the {EXTRA_FACT} for blue carbon credits.",
    ]
    while sum(map(len, paras)) < 40_000:
        paras.append(
            " ".join(" ".join(rng.choices(words, k=12)).capitalize() + "." for _ in range(6))
        )
    path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return path


def client(url: str, user: tuple[str, str]):  # noqa: ANN201 - gradio_client.Client
    from gradio_client import Client

    return Client(url, auth=user, verbose=False, analytics_enabled=False, download_files=False)


def ask(c, question: str) -> tuple[str, str]:  # noqa: ANN001
    """The final chat message and the sources panel of one question."""
    _, chat, sources, _ = c.predict(question, [], [], [], api_name="/chat")
    return chat[-1]["content"][0]["text"], sources


def session(
    url: str, user: tuple[str, str], qs: list[str], t0: float, end: float, run: Run
) -> None:
    c = client(url, user)
    i = 0
    while time.perf_counter() < end:
        q = qs[i % len(qs)]
        i += 1
        start = time.perf_counter()
        try:
            text, sources = ask(c, q)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
            run.add(Sample(start - t0, time.perf_counter() - start, False,
                           error=f"{type(exc).__name__}: {exc}"[:200]))  # fmt: skip
            continue
        latency = time.perf_counter() - start
        if text.startswith("⚠️"):  # an AssistantError shown in the chat
            run.add(Sample(start - t0, latency, False, error=text[:200]))
            continue
        abstained = text.startswith(ABSTAINED)
        cited = "](#cite-" in text and 'href="#cite-' in sources
        kept = "" if abstained or cited else text[:300]
        run.add(Sample(start - t0, latency, True, abstained, cited, text.startswith(CHECKER),
                       question=q, text=kept))  # fmt: skip


def upload(url: str, admin: tuple[str, str], doc: Path, t0: float, run: Run):  # noqa: ANN201
    """Upload ``doc`` as the admin; returns that admin's session (it may remove the doc)."""
    from gradio_client import handle_file

    c = client(url, admin)
    before = c.predict(api_name="/status")
    start = time.perf_counter()
    ids: list[str] = []
    try:
        out = c.predict([handle_file(str(doc))], api_name="/upload")
        message = out[0]
        ids = [row[-1] for row in out[2]["data"] if row[0] == EXTRA_TITLE]  # earlier runs' too
    except Exception as exc:  # noqa: BLE001
        message = f"failed: {type(exc).__name__}: {exc}"
    end = time.perf_counter()
    run.upload = {
        "started_s": round(start - t0, 2),
        "seconds": round(end - start, 2),
        "message": message,
        "status_before": before,
        "status_after": c.predict(api_name="/status"),
        "doc_ids": ids,
    }
    return c


def remove(c, doc_ids: list[str]) -> list[str]:  # noqa: ANN001 - the uploading admin's session
    """Take the uploaded document(s) out again, so a ``--data-dir`` index is left as it was."""
    from gradio_client.exceptions import AppError

    out = []
    for doc_id in doc_ids:
        try:
            c.predict(doc_id, api_name="/remove")
            out.append(c.predict(api_name="/remove_confirm")[0])
        except AppError as exc:
            out.append(f"{doc_id} not removed: {exc}")
    return out


def summary(run: Run, duration: float) -> dict:
    ok = [s for s in run.samples if s.ok]
    answered = [s for s in ok if not s.abstained]
    up = run.upload
    during = [s.latency for s in ok
              if up and up["started_s"] <= s.started <= up["started_s"] + up["seconds"]]  # fmt: skip
    lat = [s.latency for s in ok]
    errors: dict[str, int] = {}
    for s in run.samples:
        if not s.ok:
            errors[s.error] = errors.get(s.error, 0) + 1
    return {
        "requests": len(run.samples),
        "errors": len(run.samples) - len(ok),
        "error_kinds": errors,
        "answered": len(answered),
        "abstained": len(ok) - len(answered),
        "answered_by_checker": sum(s.checker for s in ok),
        # Document answers (the Assistant's) must cite; a compliance tool's reply may instead
        # ask for missing input, which has nothing to cite.
        "all_document_answers_cited": all(s.cited for s in answered if not s.checker),
        "uncited_document_answers": sum(not s.cited for s in answered if not s.checker),
        "uncited_checker_replies": sum(not s.cited for s in answered if s.checker),
        "uncited_examples": sorted({(s.question, s.text) for s in answered if not s.cited})[:5],
        "latency_s": {
            "p50": round(pct(lat, 0.5), 3),
            "p95": round(pct(lat, 0.95), 3),
            "max": round(max(lat, default=float("nan")), 3),
            "mean": round(statistics.fmean(lat), 3) if lat else None,
        },
        "latency_during_upload_s": {
            "n": len(during),
            "p50": round(pct(during, 0.5), 3),
            "p95": round(pct(during, 0.95), 3),
        },
        "throughput_rps": round(len(ok) / duration, 3),
    }


def audit_count(data_dir: Path, user: str) -> int:
    from assistant.serve.audit import audit_path, read_entries

    return len(read_entries(audit_path(data_dir), user=user))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20, help="concurrent chat sessions (20)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    ap.add_argument("--data-dir", type=Path, help="an existing data directory (default: a "
                    "fresh temporary one; the app indexes corpus/ into it)")  # fmt: skip
    ap.add_argument("--no-upload", action="store_true", help="questions only, no ingest")
    ap.add_argument("--app-concurrency", type=int, help="the app's ASSISTANT_CONCURRENCY "
                    "(questions answered at once; default: the app's own default)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "bench_load.json")
    a = ap.parse_args(argv)

    reader, admin = ("reader", secrets.token_urlsafe(12)), ("admin", secrets.token_urlsafe(12))
    auth = f"{admin[0]}:{admin[1]}:admin,{reader[0]}:{reader[1]}"
    with tempfile.TemporaryDirectory(prefix="a6-bench-load-") as tmp:
        data = (a.data_dir or Path(tmp) / "data").expanduser().resolve()
        print(f"starting app.py on {data} …", file=sys.stderr)
        env = {"ASSISTANT_AUTH": auth}
        if a.app_concurrency:
            env["ASSISTANT_CONCURRENCY"] = str(a.app_concurrency)
        proc, url, ready = start_app(data, env_extra=env)
        try:
            warm = client(url, reader)
            t = time.perf_counter()
            ask(warm, "What is the carbon tax rate in 2026?")  # waits for the model to load
            print(f"ready in {ready:.1f} s, first answer {time.perf_counter() - t:.1f} s later",
                  file=sys.stderr)  # fmt: skip
            audit_before = audit_count(data, "reader")
            qs = questions()
            run = Run()
            t0 = time.perf_counter()
            end = t0 + a.duration
            threads = [
                threading.Thread(target=session, args=(url, reader, random.Random(i).sample(qs, len(qs)), t0, end, run))
                for i in range(a.sessions)
            ]  # fmt: skip
            for th in threads:
                th.start()
            if not a.no_upload:
                time.sleep(a.duration / 3)
                doc = extra_document(Path(tmp) / "testland_mangrove_registry.txt")
                uploader = upload(url, admin, doc, t0, run)
            for th in threads:
                th.join()
            wall = time.perf_counter() - t0
            result = summary(run, wall)
            result["audit_entries"] = audit_count(data, "reader") - audit_before
            result["audit_expected"] = sum(1 for s in run.samples if s.ok and not s.checker)
            if run.upload:
                text, sources = ask(client(url, reader), EXTRA_QUESTION)
                run.upload["new_document_answers"] = EXTRA_FACT in text and "](#cite-" in text
                run.upload["removed_after"] = remove(uploader, run.upload["doc_ids"])
                result["upload"] = run.upload
        finally:
            stop(proc)

    result = {
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "sessions": a.sessions,
        "app_concurrency": a.app_concurrency
        or Settings.model_fields["concurrency"].default_factory(),
        "duration_s": round(wall, 1),
        **result,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lat, dur = result["latency_s"], result["latency_during_upload_s"]
    print(f"{result['requests']} requests from {a.sessions} sessions in {wall:.0f} s: "
          f"{result['errors']} errors, {result['throughput_rps']} answers/s")  # fmt: skip
    print(f"latency p50 {lat['p50']} s, p95 {lat['p95']} s (during the upload: p50 "
          f"{dur['p50']} s, p95 {dur['p95']} s over {dur['n']})")  # fmt: skip
    print(f"every non-abstained document answer cited: {result['all_document_answers_cited']} "
          f"({result['uncited_checker_replies']} compliance-tool replies without citations); audit entries "
          f"{result['audit_entries']} of {result['audit_expected']} expected")  # fmt: skip
    if up := result.get("upload"):
        print(f"upload: {up['seconds']} s, {re.sub(r'[*_`]', '', up['message'])!r}; new "
              f"document answers: {up['new_document_answers']}")  # fmt: skip
    print(f"written to {a.out}")
    return result


if __name__ == "__main__":
    main()
