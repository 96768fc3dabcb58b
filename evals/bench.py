"""Speed, memory and noise benchmark of the foundation (issue targets checked here, not in tests).

    python -m evals.bench [--noise ../shared/benchmarks/scifact] [--reps 5]

Reports, on this machine: model load time; ingestion throughput (chunks/s, cold embedding
cache); warm search latency p50/p95 per mode; warm ``ask`` latency p50/p95; cold start to
the first result of a fresh ``assistant search`` / ``assistant ask`` process (median of 3);
peak RSS; and, with ``--noise``, the gold set's hit@3 before and after adding a BEIR corpus
of unrelated documents to the same index (and search latency with it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.api import Assistant
from assistant.config import Settings
from assistant.types import RetrievalMode
from evals.metrics import pct
from evals.retrieval_eval import evaluate_retrieval, load_retrieval_gold

ROOT = Path(__file__).resolve().parent.parent


def vm_hwm_mb() -> float:
    """Peak resident memory of this process so far (Linux VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_latencies(fn, items: list, reps: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(reps):
        for it in items:
            t = time.perf_counter()
            fn(it)
            out.append((time.perf_counter() - t) * 1000)
    return out


def cold_start(data_dir: Path, args: list[str], runs: int = 3) -> list[float]:
    """Wall time of a fresh process from start to its first printed result, in seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit(f"cold start run failed: {r.stderr[-500:]}")
    return times


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--noise", type=Path, help="a BEIR folder whose corpus is added as noise")
    ap.add_argument(
        "--noise-cache", type=Path, help="embedding cache dir to reuse for the noise corpus"
    )
    ap.add_argument(
        "--reps", type=int, default=5, help="repetitions of the question set (default 5)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "bench.json")
    a = ap.parse_args(argv)

    report: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        data = Path(tmp)
        assistant = Assistant(Settings(data_dir=data, audit=False))
        t = time.perf_counter()
        assistant.embedder.embed_query("load")
        report["model_load_s"] = round(time.perf_counter() - t, 2)

        t = time.perf_counter()
        ing = assistant.ingest()
        dt = time.perf_counter() - t
        report["ingest"] = {
            "documents": len(ing.added),
            "chunks": ing.chunks_written,
            "seconds": round(dt, 2),
            "chunks_per_s": round(ing.chunks_written / dt, 1),
            "note": "cold embedding cache, model already loaded",
        }
        t = time.perf_counter()
        again = assistant.ingest()
        report["reingest_unchanged_s"] = round(time.perf_counter() - t, 3)
        assert not again.changed

        gold = load_retrieval_gold()
        questions = [g.question for g in gold]
        assistant.search(questions[0])
        report["search_ms"] = {}
        for mode in RetrievalMode:
            lat = timed_latencies(lambda q, m=mode: assistant.search(q, mode=m), questions, a.reps)
            report["search_ms"][str(mode)] = {
                "p50": round(pct(lat, 0.5), 2),
                "p95": round(pct(lat, 0.95), 2),
                "n": len(lat),
            }

        answers = [
            json.loads(x)
            for x in (ROOT / "evals/gold/answers.jsonl").read_text().splitlines()
            if x.strip()
        ]
        asks = [r["question"] for r in answers if not r.get("history")]
        # First pass: every question new to the process (sentence vectors come from the
        # embedding cache filled at ingest); then the warm figure the answer issue targets.
        first = timed_latencies(assistant.ask, asks, 1)
        lat = timed_latencies(assistant.ask, asks, max(1, a.reps // 2))
        report["ask_ms"] = {
            "p50": round(pct(lat, 0.5), 2),
            "p95": round(pct(lat, 0.95), 2),
            "n": len(lat),
            "first_pass_p50": round(pct(first, 0.5), 2),
            "first_pass_p95": round(pct(first, 0.95), 2),
        }

        s_cold = cold_start(data, ["search", "carbon tax rate in 2026", "--json"])
        a_cold = cold_start(data, ["ask", "What is the carbon tax rate in 2026?", "--json"])
        report["cold_start_s"] = {
            "search_median": round(statistics.median(s_cold), 2),
            "search_runs": [round(x, 2) for x in s_cold],
            "ask_median": round(statistics.median(a_cold), 2),
            "ask_runs": [round(x, 2) for x in a_cold],
        }
        report["peak_rss_mb_corpus"] = round(vm_hwm_mb(), 1)

        if a.noise:
            report["noise"] = noise(assistant, a.noise, a.noise_cache, gold, questions, a.reps)
            report["peak_rss_mb_with_noise"] = round(vm_hwm_mb(), 1)

    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return report


def noise(assistant: Assistant, root: Path, cache: Path | None, gold, questions, reps: int) -> dict:  # noqa: ANN001
    from assistant.index.embedding import MiniLMEmbedder
    from assistant.index.indexer import index_documents
    from evals.beir import load_beir, to_document

    before = {m: evaluate_retrieval(assistant, gold, m) for m in RetrievalMode}
    data = load_beir(root)
    docs = [to_document(f"noise-{i}", t, x) for i, (t, x) in data.corpus.items()]
    embedder = MiniLMEmbedder(
        cache or assistant.settings.cache_dir, assistant.settings.embed_batch_size
    )
    embedder._model = assistant.embedder.model  # one model in memory, its own cache file
    t = time.perf_counter()
    res = index_documents(docs, assistant.settings, assistant.store, embedder, progress=True)
    dt = time.perf_counter() - t
    assistant.search("warm up after noise")
    after = {m: evaluate_retrieval(assistant, gold, m) for m in RetrievalMode}
    lat = timed_latencies(assistant.search, questions, reps)
    return {
        "corpus": str(root),
        "documents_added": len(res.added),
        "chunks_added": res.chunks_written,
        "index_seconds": round(dt, 1),
        "chunks_per_s": round(res.chunks_written / dt, 1) if dt else None,
        "hit@3_before": {str(m): round(before[m]["hit@3"], 4) for m in RetrievalMode},
        "hit@3_after": {str(m): round(after[m]["hit@3"], 4) for m in RetrievalMode},
        "mrr_before": {str(m): round(before[m]["mrr"], 4) for m in RetrievalMode},
        "mrr_after": {str(m): round(after[m]["mrr"], 4) for m in RetrievalMode},
        "hybrid_hit@3_drop": round(
            before[RetrievalMode.HYBRID]["hit@3"] - after[RetrievalMode.HYBRID]["hit@3"], 4
        ),
        "search_ms_with_noise": {"p50": round(pct(lat, 0.5), 2), "p95": round(pct(lat, 0.95), 2)},
    }


if __name__ == "__main__":
    main()
