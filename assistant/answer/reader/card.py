"""``MODEL_CARD.md`` beside the shipped weights, written from ``reader.json`` and the benchmark."""

from __future__ import annotations

import json
from pathlib import Path


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


NEAR_MISS_LINE = [
    "- near misses: an answerable question with a name or number its answering sentence states "
    "swapped for another of the same kind from the same article, over that sentence and the "
    "paragraph's others (none stating the new one), all negative."
]


def write_card(weights: Path, bench: dict | None = None) -> Path:
    meta = json.loads((weights / "reader.json").read_text())
    s, d = meta["settings"], meta["data"]
    parts = [
        "# The reader: MiniLM-L6 cross-encoder for answer sentences",
        "",
        "Reads (question, candidate sentence with its heading) and gives the probability that "
        "the candidate answers the question. Code: `assistant/answer/reader/` (`model.py`, `pairs.py`, "
        "`train.py`, `runtime.py`); regenerate with `python -m assistant.answer.reader.train train` "
        "(defaults are the settings below), then `python -m evals.reader_bench` for the figures.",
        "",
        "## Files",
        f"- `reader.safetensors`: {meta['params_trained']:,} trained parameters, "
        + (
            "weight matrices in int8 with one fp16 scale per row, the rest in fp16 "
            "(dequantised to fp32 when loaded), "
            if meta.get("format", 1) >= 2
            else "in fp16, "
        )
        + f"{meta['bytes'] / 1e6:.1f} MB, sha256 `{meta['sha256']}`.",
        f"- Base: {meta['base']}, model.safetensors sha256 `{meta['base_sha256']}`: its "
        f"embeddings{f' and lower {n} layers' if (n := s['frozen_layers']) else ''} are used as "
        "installed and are not "
        "stored here.",
        "- `reader.json`: these settings, counts and the probe logits the export must reproduce.",
        "",
        "## Data (built by `assistant/answer/reader/pairs.py` from `../shared/qa-data`)",
        "SQuAD 1.1 train (CC BY-SA 4.0) and the SQuAD 2.0 dev articles chosen for training "
        "(15 of 35, by seeded shuffle; the other 20 are the test set). SelQA is never trained on.",
        f"- questions read: {d['questions_seen']:,}; dropped as ambiguous (answer text more than "
        f"once in its paragraph): {d['dropped_ambiguous']:,}; answer across a sentence boundary: "
        f"{d['dropped_crossing_sentences']:,}; duplicate pairs dropped: "
        f"{d['duplicate_pairs_dropped']:,}.",
        *NEAR_MISS_LINE * bool(d["groups_by_source"].get("near-miss")),
        "- groups used (question + up to 4 candidates): "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(d["groups_by_source"].items()))
        + f"; {s.get('pairs', 0):,} pairs in all.",
        "",
        "## Settings",
        "- " + ", ".join(f"{k} {v}" for k, v in s.items()),
        f"- Trained on {meta['trained_on']}; training took {s['train_seconds'] / 60:.0f} min "
        f"on {s.get('device', 'an unrecorded device')}"
        + (f" ({s['threads']} threads)." if "threads" in s and s.get("device") == "cpu" else ".")
        + (f" {meta['note']}" if meta.get("note") else ""),
        "- Loss: binary cross-entropy per pair plus, in a group with an answer, softmax cross-"
        "entropy of the answer against the group's other candidates.",
        "",
        "## Figures (on data never trained on)",
    ]
    if bench and bench.get("weights_sha256") == meta["sha256"]:
        sel, sq = bench["selqa_test"], bench["squad2_heldout"]
        names = {"bm25": "BM25 (sentences)", "cosine": "MiniLM cosine",
                 "composer": "old composer score", "reader": "**reader**"}  # fmt: skip
        rows = [["scorer", "SelQA P@1", "SelQA MAP", "SelQA MRR", "SQuAD2 sent. P@1",
                 "SQuAD2 answerable AUROC"]]  # fmt: skip
        for k, label in names.items():
            rows.append([label, f"{sel[k]['p_at_1']:.3f}", f"{sel[k]['map']:.3f}",
                         f"{sel[k]['mrr']:.3f}", f"{sq[k]['sentence_p_at_1']:.3f}",
                         f"{sq[k]['answerable_auroc']:.3f}"])  # fmt: skip
        parts += [
            _table(rows),
            "",
            f"SelQA test: {sel['reader']['n']:,} questions. SQuAD 2.0 held-out articles: "
            f"{sq['reader']['answerable']:,} answerable, {sq['reader']['unanswerable']:,} "
            "unanswerable questions"
            + (f" (a seeded sample of {bench['limit']})" if bench.get("limit") else "")
            + f". Benchmark run: {bench['seconds']} s.",
        ]
    else:
        parts.append("Not yet measured for these weights: run `python -m evals.reader_bench`.")
    parts += [
        "",
        "## Limits",
        "Trained on Wikipedia questions; on this project's documents its probability is "
        "calibrated by the answer threshold (`assistant/answer/selection.py`), chosen on the dev and test "
        "gold splits. See `evals/README.md` for the product figures.",
        "",
    ]
    path = weights / "MODEL_CARD.md"
    path.write_text("\n".join(parts))
    return path
