"""Crash safety: an ingest killed with SIGKILL midway leaves an index that still answers, and
the next ingest completes it with no duplicate or orphaned chunks."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import N_CORPUS, ROOT, make_settings

pytestmark = pytest.mark.slow

GENERATED = 30  # ~100 chunks after the corpus's ~60: the ingest takes several seconds
KILL_AFTER = N_CORPUS + 3  # files: the corpus and the first memos
WORDS = (
    "carbon", "credits", "mitigation", "outcomes", "registry", "authorisation", "transfer",
    "adjustment", "baseline", "methodology", "verification", "issuance", "retirement",
    "ledger", "buffer", "permanence", "leakage", "forestry", "mangrove", "cookstove",
    "methane", "landfill", "solar", "wind", "efficiency", "cooperative", "approach", "host",
    "party", "corresponding", "national", "inventory", "reporting", "safeguards", "grievance",
    "community", "benefit", "share", "proceeds", "adaptation", "fund", "monitoring", "audit",
    "accreditation", "standard", "crediting", "period",
)  # fmt: skip


SYLLABLES = ("ka", "lo", "mi", "ren", "tov", "zu", "pex", "dar", "qui", "bel")


def registry(i: int) -> str:
    """A made-up name unique to memo ``i`` ("Kalomix" style), so one memo answers for it."""
    return "".join(SYLLABLES[int(d)] for d in f"{i:03d}").capitalize() + "ix"


def make_doc(folder: Path, i: int) -> Path:
    """A distinct ~3 KB memo that states one fact of its own (when its registry opened)."""
    rng = random.Random(i)
    paras = [
        f"Registry memo {i}",
        f"The {registry(i)} registry opened in {1900 + i} under a cooperative approach.",
    ]
    for _ in range(4):
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(9, 16))).capitalize() + "."
                     for _ in range(rng.randint(5, 8))]  # fmt: skip
        paras.append(" ".join(sentences))
    path = folder / f"memo-{i:03d}.txt"
    path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    return path


class StderrWatcher:
    """Collects a process's stderr (tqdm redraws with \\r) and reports files ingested."""

    BAR = re.compile(r"Ingesting:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")

    def __init__(self, proc: subprocess.Popen) -> None:
        self.text = ""
        self._fd = proc.stderr.fileno()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while chunk := os.read(self._fd, 4096):
            self.text += chunk.decode("utf-8", "replace")

    def files_done(self) -> int:
        found = self.BAR.findall(self.text)
        return int(found[-1][0]) if found else 0


def test_sigkill_midway_leaves_a_working_index_and_rerun_repairs_it(
    tmp_path: Path, corpus_copy: Path, embedder
) -> None:
    from assistant.api import Assistant

    generated = corpus_copy / "generated"
    generated.mkdir()
    for i in range(GENERATED):
        make_doc(generated, i)
    total = N_CORPUS + GENERATED
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data), ASSISTANT_CORPUS_DIR=str(corpus_copy),
               PYTHONPATH=str(ROOT))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(corpus_copy)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    watcher = StderrWatcher(proc)
    deadline = time.time() + 300
    # Kill once the corpus and a few generated memos are in, well before the end.
    while watcher.files_done() < KILL_AFTER and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    done_at_kill = watcher.files_done()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest ended before it was killed: " + watcher.text
    assert KILL_AFTER <= done_at_kill < total, done_at_kill

    # The index still answers, from what was complete when the process died.
    a = Assistant(make_settings(data, corpus_dir=corpus_copy), embedder=embedder)
    after_kill = a.store.integrity()
    records = a.documents()
    assert done_at_kill <= len(records) < total
    assert after_kill.duplicate_ids == after_kill.duplicate_spans == after_kill.incomplete == 0
    memo = max(d for d in records if d.startswith("memo-"))  # the last memo fully written
    n = int(memo.split("-")[1])
    hits = a.search(f"When did the {registry(n)} registry open?", 3, mode="bm25")
    assert hits and hits[0].chunk.doc_id == memo
    hits += a.search("registry opened under a cooperative approach", 5)
    for h in hits:
        doc = a.document(h.chunk.doc_id)
        assert h.chunk.doc_hash == records[h.chunk.doc_id].content_hash
        assert doc.text[h.chunk.start : h.chunk.end] == h.chunk.text  # a valid citation span
    answer = a.ask("What will the carbon tax rate be from 2026?")
    assert not answer.abstained and "S$45" in answer.answer
    for c in answer.citations:
        assert a.document(c.doc_id).text[c.start : c.end] == c.quote

    # Re-running completes the index and sweeps whatever the killed run left behind.
    report = a.ingest([corpus_copy])
    assert not report.failed and len(report.added) == total - len(records)
    assert report.orphans_removed == after_kill.orphaned + after_kill.stale
    final = a.store.integrity()
    print(f"\ncrash test: killed after {done_at_kill}/{total} files; after the kill "
          f"{after_kill.to_dict()}; after the re-run {final.to_dict()}")  # fmt: skip
    assert final.documents == total and final.chunks == a.status().chunks
    assert (final.duplicate_ids, final.duplicate_spans, final.orphaned, final.stale,
            final.incomplete) == (0, 0, 0, 0, 0)  # fmt: skip
    last = f"memo-{GENERATED - 1:03d}-txt"
    hits = a.search(f"When did the {registry(GENERATED - 1)} registry open?", 1, mode="bm25")
    assert hits[0].chunk.doc_id == last
