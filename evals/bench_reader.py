"""Warm ``ask`` latency of the reader's settings, side by side in one process.

    python -m evals.bench_reader [--split dev] [--limit 60]

Each question is asked once per variant, the variants interleaved question by question so
that a change in machine load hits them alike; a warm-up question goes first. Variants:

- ``before``: the reader reads every candidate of the top five passages in one padded batch
  (the settings of the first reader, less its reading of candidates the type check rules out);
- ``current``: the shipped settings (``scoring.PREFILTER_K``, ``runtime.BATCH``).

Prints and returns the median and p95 of each, in milliseconds, and the pairs read a question.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from assistant.answer import scoring
from assistant.answer.reader import runtime
from evals.metrics import pct
from evals.suite import corpus_assistant, in_split, load_answer_gold

VARIANTS = {
    "before": {(scoring, "PREFILTER_K"): None, (runtime, "BATCH"): 32},
    "current": {},
}


@contextmanager
def variant(name: str):  # noqa: ANN201
    saved = {k: getattr(*k) for k in VARIANTS[name]}
    for (mod, attr), value in VARIANTS[name].items():
        setattr(mod, attr, value)
    try:
        yield
    finally:
        for (mod, attr), value in saved.items():
            setattr(mod, attr, value)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--split", default="dev", help="gold split whose questions are asked")
    ap.add_argument("--limit", type=int, default=60, help="questions asked (default 60)")
    ap.add_argument("--data-dir", type=Path, help="reuse this index instead of a fresh one")
    args = ap.parse_args(argv)
    items = in_split(load_answer_gold(), args.split)[: args.limit]
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    pairs: dict[str, int] = dict.fromkeys(VARIANTS, 0)
    with tempfile.TemporaryDirectory() as tmp, corpus_assistant(args.data_dir or Path(tmp)) as a:
        original = runtime.Reader.logits

        def counted(self, question, cands):  # noqa: ANN001, ANN202
            pairs[current] += len(cands)
            return original(self, question, cands)

        runtime.Reader.logits = counted
        current = "current"
        a.ask("What is an ITMO?")
        for item in items:
            for current in VARIANTS:
                with variant(current):
                    t = time.perf_counter()
                    a.ask(item.question, list(item.history) or None)
                    times[current].append((time.perf_counter() - t) * 1000)
        runtime.Reader.logits = original
    out = {
        v: {
            "p50_ms": round(statistics.median(ts), 1),
            "p95_ms": round(pct(ts, 0.95), 1),
            "pairs_per_question": round(pairs[v] / len(items), 1),
        }
        for v, ts in times.items()
    }
    out["questions"] = len(items)
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
