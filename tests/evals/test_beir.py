"""`assistant bench-beir` on a tiny BEIR set, through the real entry point (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.beir import load_beir, parse_baselines, to_document
from tests.conftest import ROOT

DOCS = {
    "d01": ("Coral reef bleaching", "Rising sea temperatures cause corals to expel their algae."),
    "d02": ("Sourdough baking", "A starter of wild yeast and lactobacilli leavens the bread."),
    "d03": ("Volcanic eruptions", "Magma rises through the crust and erupts as lava and ash."),
    "d04": ("Honeybee navigation", "Bees perform a waggle dance to point nestmates to flowers."),
    "d05": ("Chess openings", "The Sicilian Defence answers 1.e4 with the move c5."),
    "d06": ("Glacier retreat", "Mountain glaciers lose mass as summers grow warmer."),
    "d07": ("Tea cultivation", "Camellia sinensis grows best on misty, well-drained slopes."),
    "d08": ("Jet engines", "A turbofan compresses air, burns fuel and expels hot exhaust."),
    "d09": ("Octopus intelligence", "Octopuses solve puzzles and open jars to reach crabs."),
    "d10": ("Violin making", "Luthiers carve spruce tops and maple backs for violins."),
    "d11": ("Desert plants", "Cacti store water in thick stems to survive drought."),
    "d12": ("", "Solar panels turn sunlight into electricity with photovoltaic cells."),
}
QUERIES = {
    "q1": ("How do bees tell other bees where flowers are?", "d04"),
    "q2": ("What makes sourdough bread rise?", "d02"),
    "q3": ("How do photovoltaic solar panels make electricity?", "d12"),
    "q9": ("An unjudged query that must be ignored", None),
}
SOURCE = """# Tiny set

## Published nDCG@10
| system | nDCG@10 | source |
|---|---|---|
| BM25 (paper) | 0.665 | Someone 2021, Table 2 |
| **MiniLM** | **0.64508** | MTEB |

## Other baselines
MTEB test nDCG@10:
- BM25 (bm25s), results/bm25s.json: **0.60983**
- not a figure, just prose
"""
MODES = {"bm25", "dense", "hybrid", "hybrid:rrf", "hybrid:weighted_rrf", "hybrid:convex"}


def make_beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as f:
        for i, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": i, "title": title, "text": text, "metadata": {}}) + "\n")
    with (folder / "queries.jsonl").open("w") as f:
        for i, (text, _) in QUERIES.items():
            f.write(json.dumps({"_id": i, "text": text, "metadata": {}}) + "\n")
    rows = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, (_, d) in QUERIES.items() if d]
    (folder / "qrels" / "test.tsv").write_bytes(("\r\n".join(rows) + "\r\n").encode())
    (folder / "SOURCE.md").write_text(SOURCE)
    return folder


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )


def test_loader_and_baselines(tmp_path: Path) -> None:
    data = load_beir(make_beir(tmp_path / "tiny"))
    assert data.name == "tiny" and len(data.corpus) == 12
    assert list(data.queries) == ["q1", "q2", "q3"]  # only judged queries, CRLF stripped
    assert data.qrels["q1"] == {"d04": 1.0}
    assert [(b.system, b.ndcg_at_10) for b in data.baselines] == [
        ("BM25 (paper)", 0.665),
        ("MiniLM", 0.64508),
        ("BM25 (bm25s)", 0.60983),
    ]
    assert data.baselines[0].source == "Someone 2021, Table 2"


def test_baselines_ignore_tables_without_ndcg() -> None:
    md = "| file | bytes |\n|---|---|\n| corpus.jsonl | 0.5 |\n- a bullet: **0.9**\n"
    assert parse_baselines(md) == ()


def test_record_becomes_a_heading_and_paragraphs() -> None:
    doc = to_document("x1", " A  title ", "First para.\n\nSecond\npara.")
    assert doc.text == "A title\n\nFirst para.\n\nSecond\n\npara."
    assert [doc.text[b.start : b.end] for b in doc.blocks] == [
        "A title",
        "First para.",
        "Second",
        "para.",
    ]
    assert doc.blocks[0].kind == "heading" and doc.meta.title == "A title"
    assert to_document("x1", "A title", "other").content_hash != doc.content_hash


@pytest.mark.slow
def test_bench_beir_command(tmp_path: Path) -> None:
    folder = make_beir(tmp_path / "tiny")
    out = tmp_path / "results.json"
    args = ["bench-beir", str(folder), "--json", "--out", str(out)]
    args += ["--data-dir", str(tmp_path / "bench")]
    r = run(args, tmp_path / "data")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert json.loads(out.read_text()) == result
    assert result["dataset"] == "tiny" and result["split"] == "test"
    assert result["documents"] == 12 and result["queries"] == 3
    assert result["index"]["added"] == 12
    assert set(result["modes"]) == MODES
    for mode, m in result["modes"].items():
        assert set(m) == {"ndcg@10", "recall@100", "mrr@10", "seconds"}
        # Each query names its document plainly: every mode must rank it first.
        assert m["mrr@10"] == 1.0 and m["ndcg@10"] == 1.0 and m["recall@100"] == 1.0, mode
    assert [b["ndcg@10"] for b in result["published"]] == [0.665, 0.64508, 0.60983]
    assert {"fusion", "rrf_k", "dense_weight", "candidates", "bm25"} <= set(result["config"])
    assert set(result["timings"]) >= {"index", "search", "total"}
    assert not (tmp_path / "data" / "chroma").exists()  # the user's index is untouched

    again = run([*args, "--limit-queries", "1"], tmp_path / "data")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["index"]["unchanged"] == 12 and second["index"]["chunks_written"] == 0
    assert second["queries"] == 1

    # The table mode shows progress; off a terminal (a pipe here), one line per mode, not a
    # bar redrawn for every query.
    table = run(args[:2] + args[3:] + ["--limit-queries", "2"], tmp_path / "data")
    assert table.returncode == 0, table.stderr
    lines = [ln for ln in table.stderr.splitlines() if "queries in" in ln]
    # "hybrid" (re-ranked by the reader) and "hybrid:convex" (not) are different runs
    assert len(lines) == len(MODES)
    assert all(ln.split(":")[0] in MODES and "2 queries in" in ln for ln in lines), lines
    assert "query/s" not in table.stderr and "it/s" not in table.stderr
    assert "nDCG@10" in table.stdout


def test_bench_beir_rejects_a_non_beir_folder(tmp_path: Path) -> None:
    r = run(["bench-beir", str(tmp_path)], tmp_path / "data")
    assert r.returncode == 2
    assert "not a BEIR folder" in r.stderr and "corpus.jsonl" in r.stderr
    make_beir(tmp_path / "tiny")
    r = run(["bench-beir", str(tmp_path / "tiny"), "--split", "train"], tmp_path / "data")
    assert r.returncode == 2 and "no 'train' split" in r.stderr and "test" in r.stderr
