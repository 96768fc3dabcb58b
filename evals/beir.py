"""BEIR-format benchmarks through the product's own ingestion and retrieval.

A BEIR folder holds ``corpus.jsonl`` ({_id, title, text}), ``queries.jsonl`` ({_id, text}),
``qrels/<split>.tsv`` (query-id, corpus-id, score) and, here, a ``SOURCE.md`` whose
published nDCG@10 figures are shown next to ours. Each corpus record becomes a
:class:`~assistant.types.Document` (title as a heading, text as paragraphs), is chunked and
embedded by :func:`assistant.index.indexer.index_documents` into an index of its own (never the
user's), and every query runs through :meth:`assistant.api.Assistant.search`. A document's
rank is that of its best chunk.

    run = run_benchmark(Path("../shared/benchmarks/scifact"))
    run.to_dict()["modes"]["hybrid"]["ndcg@10"]
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.index import lexical
from assistant.index.embedding import MODEL_NAME, Embedder, EmbeddingCache, MiniLMEmbedder
from assistant.types import Block, BlockKind, DocMeta, DocType, Document, FusionMethod
from assistant.types import RetrievalMode as Mode
from evals.metrics import mean, ndcg_at_k, recall_at_k, reciprocal_rank

if TYPE_CHECKING:  # the facade pulls in Chroma and the model's libraries: import on use
    from assistant.api import Assistant

NDCG_K = 10
RECALL_K = 100


class BeirFormatError(AssistantError):
    """The folder is not a BEIR set (a file is missing or malformed)."""


@dataclass(frozen=True)
class Baseline:
    """A published figure from SOURCE.md."""

    system: str
    ndcg_at_10: float
    source: str = ""

    def to_dict(self) -> dict:
        return {"system": self.system, "ndcg@10": self.ndcg_at_10, "source": self.source}


@dataclass(frozen=True)
class BeirSet:
    """One BEIR set, restricted to the queries judged in ``split``."""

    name: str
    root: Path
    split: str
    corpus: dict[str, tuple[str, str]]  # id → (title, text)
    queries: dict[str, str]  # id → text, only queries with judgements, in qrels order
    qrels: dict[str, dict[str, float]]  # query id → {doc id: grade}
    baselines: tuple[Baseline, ...] = ()


@dataclass(frozen=True)
class ModeSpec:
    """One retrieval configuration to evaluate."""

    label: str
    mode: Mode
    fusion: FusionMethod | None = None
    rerank: bool | None = None  # the reader's re-ranking of hybrid results; None: as configured


@dataclass
class ModeResult:
    label: str
    metrics: dict[str, float]
    seconds: float

    def to_dict(self) -> dict:
        return {k: round(v, 5) for k, v in self.metrics.items()} | {
            "seconds": round(self.seconds, 2)
        }


@dataclass
class BenchmarkRun:
    """Everything a run measured; ``to_dict`` is the JSON written to ``evals/results``."""

    data: BeirSet
    settings: Settings
    results: list[ModeResult] = field(default_factory=list)
    index: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    n_queries: int = 0

    def to_dict(self) -> dict:
        s = self.settings
        return {
            "dataset": self.data.name,
            "path": str(self.data.root),
            "split": self.data.split,
            "documents": len(self.data.corpus),
            "queries": self.n_queries,
            "metrics": [f"ndcg@{NDCG_K}", f"recall@{RECALL_K}", f"mrr@{NDCG_K}"],
            "modes": {r.label: r.to_dict() for r in self.results},
            "published": [b.to_dict() for b in self.data.baselines],
            "index": self.index,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "config": {
                "embedding_model": MODEL_NAME,
                "fusion": str(s.fusion),
                "rrf_k": s.rrf_k,
                "dense_weight": s.dense_weight,
                "candidates": s.candidates,
                "chunk_chars": s.chunk_chars,
                "bm25": lexical.describe(),
                "data_dir": str(s.data_dir),
                "collection": s.collection,
            },
        }


# -- loading -------------------------------------------------------------------------------


def load_beir(root: Path, split: str = "test") -> BeirSet:
    """Read a BEIR folder. Raises BeirFormatError saying what is missing or malformed."""
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise BeirFormatError(f"{root}: no such folder")
    needed = [root / "corpus.jsonl", root / "queries.jsonl", root / "qrels" / f"{split}.tsv"]
    missing = [str(p.relative_to(root)) for p in needed if not p.is_file()]
    splits = sorted(p.stem for p in (root / "qrels").glob("*.tsv"))
    if missing == [f"qrels/{split}.tsv"] and splits:
        raise BeirFormatError(
            f"{root} has no '{split}' split (no qrels/{split}.tsv); "
            f"available: {', '.join(splits)}. Choose one with --split."
        )
    if missing:
        raise BeirFormatError(
            f"{root} is not a BEIR folder: missing {', '.join(missing)}. Expected "
            "corpus.jsonl, queries.jsonl and qrels/<split>.tsv."
        )
    corpus = {
        str(r["_id"]): (str(r.get("title") or ""), str(r.get("text") or ""))
        for r in _jsonl(needed[0], ("_id", "text"))
    }
    all_queries = {str(r["_id"]): str(r["text"]) for r in _jsonl(needed[1], ("_id", "text"))}
    qrels = _qrels(needed[2])
    unknown = [q for q in qrels if q not in all_queries]
    if unknown:
        raise BeirFormatError(f"{needed[2]}: query ids not in queries.jsonl: {unknown[:5]}")
    source = root / "SOURCE.md"
    return BeirSet(
        name=root.name,
        root=root,
        split=split,
        corpus=corpus,
        queries={q: all_queries[q] for q in qrels},
        qrels=qrels,
        baselines=parse_baselines(source.read_text(encoding="utf-8")) if source.is_file() else (),
    )


def _jsonl(path: Path, required: tuple[str, ...]) -> Iterable[dict]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BeirFormatError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict) or any(k not in row for k in required):
                raise BeirFormatError(f"{path}:{n}: each line needs {', '.join(required)}")
            yield row


def _qrels(path: Path) -> dict[str, dict[str, float]]:
    qrels: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            row = [c.strip() for c in row]
            if not row or not any(row):
                continue
            if len(row) < 3:
                raise BeirFormatError(f"{path}:{n}: expected query-id, corpus-id, score")
            try:
                grade = float(row[2])
            except ValueError:
                if n == 1:  # the header line
                    continue
                raise BeirFormatError(f"{path}:{n}: score {row[2]!r} is not a number") from None
            qrels.setdefault(row[0], {})[row[1]] = grade
    if not qrels:
        raise BeirFormatError(f"{path}: no judgements")
    return qrels


_NUMBER = re.compile(r"(?<![\w.])(0?\.\d+|1\.0+)(?![\w.])")
_BOLD_NUMBER = re.compile(r"\*\*\s*(0?\.\d+|1(?:\.0+)?)\s*\*\*")


def parse_baselines(markdown: str) -> tuple[Baseline, ...]:
    """Published nDCG@10 figures from a SOURCE.md, whichever way they are written.

    Two layouts are understood: a Markdown table with an nDCG column (the system is the
    first cell, ``source`` the column of that name), and, in a section that mentions nDCG,
    bullet lines ``- system, where: **0.123**``.
    """
    out: list[Baseline] = []
    lines = markdown.splitlines()
    header: list[str] | None = None
    section_has_ndcg = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            section_has_ndcg = "ndcg" in stripped.lower()
            header = None
            continue
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if header is None:
                header = [c.lower() for c in cells]
            elif not all(set(c) <= set("-: ") for c in cells):
                base = _table_row(header, cells)
                if base:
                    out.append(base)
            continue
        header = None
        if "ndcg" in stripped.lower():
            section_has_ndcg = True
        if section_has_ndcg and stripped.startswith(("-", "*")) and not stripped.startswith("**"):
            base = _bullet(stripped.lstrip("-* ").strip())
            if base:
                out.append(base)
    return tuple(out)


def _table_row(header: list[str], cells: list[str]) -> Baseline | None:
    col = next((i for i, h in enumerate(header) if "ndcg" in h), None)
    if col is None or col >= len(cells):
        return None
    m = _NUMBER.search(cells[col].replace("*", ""))
    if not m:
        return None
    src = next((i for i, h in enumerate(header) if h == "source"), None)
    return Baseline(
        system=cells[0].replace("*", ""),
        ndcg_at_10=float(m.group(1)),
        source=cells[src] if src is not None and src < len(cells) else "",
    )


def _bullet(text: str) -> Baseline | None:
    m = _BOLD_NUMBER.search(text)
    if not m:
        return None
    rest = text[: m.start()].rstrip(" :=—-")
    system, _, source = rest.partition(", ")
    return Baseline(system.strip(), float(m.group(1)), source.strip())


# -- documents and index -------------------------------------------------------------------


def to_document(doc_id: str, title: str, text: str) -> Document:
    """A corpus record as the product's Document: title as a heading, text as paragraphs."""
    parts: list[tuple[BlockKind, str]] = []
    title = " ".join(title.split())
    if title:
        parts.append((BlockKind.HEADING, title))
    for line in text.splitlines():
        para = " ".join(line.split())
        if para:
            parts.append((BlockKind.PARAGRAPH, para))
    if not parts:  # a record with no text still exists in the corpus; keep its id findable
        parts.append((BlockKind.PARAGRAPH, doc_id))
    blocks: list[Block] = []
    pos = 0
    for kind, t in parts:
        if blocks:
            pos += 2  # the "\n\n" separator, as the file loaders join blocks
        blocks.append(Block(kind, pos, pos + len(t), level=1 if kind is BlockKind.HEADING else 0))
        pos += len(t)
    body = "\n\n".join(t for _, t in parts)
    meta = DocMeta(doc_id=doc_id, title=title, doc_type=DocType.ARTICLE)
    digest = hashlib.sha256(json.dumps([doc_id, title, body]).encode()).hexdigest()[:24]
    return Document(meta=meta, text=body, blocks=tuple(blocks), content_hash=digest)


def bench_settings(base: Settings, name: str, data_dir: Path | None = None) -> Settings:
    """``base`` pointed at an index of the benchmark's own (default ``<data_dir>/bench/<name>``)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "set"
    where = (data_dir or base.data_dir / "bench" / slug).expanduser().resolve()
    return base.model_copy(update={"data_dir": where, "collection": f"beir_{slug}"[:60]})


def build_index(data: BeirSet, assistant: Assistant, progress: bool = False) -> dict:
    """Bring the benchmark's index in line with its corpus; unchanged documents are skipped."""
    from assistant.index.indexer import index_documents, remove_document, remove_orphans

    store = assistant.store
    records = store.records()
    orphans = remove_orphans(store, records)
    gone = [d for d in records if d not in data.corpus]
    for doc_id in gone:  # the corpus file changed: drop what it no longer has
        remove_document(store, doc_id)
    docs = [to_document(i, t, x) for i, (t, x) in data.corpus.items()]
    res = index_documents(
        docs, assistant.settings, store, assistant.embedder, records=records, progress=progress
    )
    if orphans and not res.changed:
        store.bump_generation()
    return {
        "added": len(res.added),
        "updated": len(res.updated),
        "unchanged": len(res.unchanged),
        "removed": len(gone),
        "chunks_written": res.chunks_written,
    }


# -- running -------------------------------------------------------------------------------


class QueryCachingEmbedder:
    """The product's embedder, with query vectors also cached on disk by content hash.

    Documents already go through the embedder's own cache; caching the benchmark's queries
    too means a re-run never loads the model. Vectors come from ``embed_query`` itself, so
    results are identical to uncached runs.
    """

    def __init__(self, inner: Embedder, cache_path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self._cache = EmbeddingCache(cache_path)
        self._memo: dict[str, np.ndarray] = {}

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00query\x00{text}".encode()).hexdigest()

    def prefetch(self, texts: Iterable[str]) -> None:
        """Load the cached vectors of ``texts`` in one read."""
        self._memo.update(self._cache.get_many([self._key(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        key = self._key(text)
        if key not in self._memo:
            vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
            self._cache.put_many({key: vec})
            self._memo[key] = vec
        return self._memo[key]

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self.inner.embed_documents(texts, progress=progress)


def default_modes() -> list[ModeSpec]:
    """BM25, dense, hybrid as configured (fusion and re-ranking), and hybrid with each fusion
    method, not re-ranked."""
    return [
        ModeSpec("bm25", Mode.BM25),
        ModeSpec("dense", Mode.DENSE),
        ModeSpec("hybrid", Mode.HYBRID),
        *(ModeSpec(f"hybrid:{f}", Mode.HYBRID, f, rerank=False) for f in FusionMethod),
    ]


def rank_documents(
    search: Callable[[int], list], depth: int, chunks_per_doc: float, n_chunks: int
) -> list[str]:
    """Document ids best first, each ranked by its best chunk, at least ``depth`` if possible.

    ``search(k)`` returns the ``k`` best hits; the chunk depth grows until ``depth``
    distinct documents are found or retrieval has nothing more to give.
    """
    k = min(max(depth, math.ceil(depth * chunks_per_doc * 1.3) + 10), max(n_chunks, 1))
    while True:
        hits = search(k)
        ids = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        if len(ids) >= depth or len(hits) < k or k >= n_chunks:
            return ids[:depth]
        k = min(k * 2, n_chunks)


def evaluate(
    data: BeirSet,
    assistant: Assistant,
    modes: list[ModeSpec] | None = None,
    limit_queries: int | None = None,
    progress: bool = False,
) -> tuple[list[ModeResult], int]:
    """Run every query in every mode; returns per-mode mean metrics and the query count."""
    from tqdm.auto import tqdm

    snap = assistant.retriever.snapshot()
    n_chunks = len(snap.chunks)
    chunks_per_doc = n_chunks / max(len(snap.records), 1)
    qids = list(data.queries)[: limit_queries or None]
    results: list[ModeResult] = []
    done: dict[tuple[Mode, FusionMethod | None, bool], ModeResult] = {}
    for spec in modes or default_modes():
        # "hybrid" is also one of the explicit fusion methods: run that configuration once
        # (re-ranked or not: "hybrid" is re-ranked as configured, "hybrid:{fusion}" never).
        fusion = (spec.fusion or assistant.settings.fusion) if spec.mode is Mode.HYBRID else None
        rerank = assistant.settings.rerank if spec.rerank is None else spec.rerank
        key = (spec.mode, fusion, rerank and spec.mode is Mode.HYBRID)
        if key in done:
            same = done[key]
            results.append(ModeResult(spec.label, dict(same.metrics), same.seconds))
            continue
        scores: dict[str, list[float]] = {
            f"ndcg@{NDCG_K}": [],
            f"recall@{RECALL_K}": [],
            f"mrr@{NDCG_K}": [],
        }
        t0 = time.perf_counter()
        # A bar redrawn per query floods a log file: off the terminal, one line per mode.
        bar = progress and sys.stderr.isatty()
        for qid in tqdm(qids, desc=spec.label, unit="query", disable=not bar, leave=False):
            text = data.queries[qid]

            def search(k: int, text: str = text, spec: ModeSpec = spec) -> list:
                return assistant.search(
                    text, k, mode=spec.mode, fusion=spec.fusion, rerank=spec.rerank
                )

            ranked = rank_documents(search, RECALL_K, chunks_per_doc, n_chunks)
            rel = data.qrels[qid]
            scores[f"ndcg@{NDCG_K}"].append(ndcg_at_k(ranked, rel, NDCG_K))
            scores[f"recall@{RECALL_K}"].append(recall_at_k(ranked, rel, RECALL_K))
            scores[f"mrr@{NDCG_K}"].append(reciprocal_rank(ranked, rel, NDCG_K))
        elapsed = time.perf_counter() - t0
        result = ModeResult(spec.label, {k: mean(v) for k, v in scores.items()}, elapsed)
        if progress and not bar:
            print(f"{spec.label}: {len(qids)} queries in {elapsed:.1f} s", file=sys.stderr)
        done[key] = result
        results.append(result)
    return results, len(qids)


def run_benchmark(
    root: Path,
    *,
    split: str = "test",
    settings: Settings | None = None,
    data_dir: Path | None = None,
    limit_queries: int | None = None,
    modes: list[ModeSpec] | None = None,
    progress: bool = False,
) -> BenchmarkRun:
    """Load, index (incrementally) and evaluate one BEIR set. See the module docstring."""
    from assistant.api import Assistant

    t0 = time.perf_counter()
    data = load_beir(root, split)
    settings = bench_settings(settings or Settings(), data.name, data_dir)
    run = BenchmarkRun(data=data, settings=settings)
    run.timings["load"] = time.perf_counter() - t0
    embedder = QueryCachingEmbedder(
        MiniLMEmbedder(settings.cache_dir, settings.embed_batch_size),
        settings.cache_dir / "queries.sqlite3",
    )
    assistant = Assistant(settings, embedder=embedder)

    t = time.perf_counter()
    run.index = build_index(data, assistant, progress=progress)
    run.timings["index"] = time.perf_counter() - t

    t = time.perf_counter()
    embedder.prefetch(data.queries.values())
    # Open the index and build BM25 now, timed apart from the queries. Not warm_up(): that
    # would load the model even when every query vector is cached.
    run.index["chunks"] = len(assistant.retriever.snapshot().chunks)
    run.timings["warm_up"] = time.perf_counter() - t

    t = time.perf_counter()
    run.results, run.n_queries = evaluate(data, assistant, modes, limit_queries, progress)
    run.timings["search"] = time.perf_counter() - t
    run.timings["total"] = time.perf_counter() - t0
    return run


# -- reporting -----------------------------------------------------------------------------


def default_output(root: Path, split: str) -> Path:
    """``evals/results/beir-<name>.json`` (``-<split>`` added for splits other than test)."""
    name = Path(root).expanduser().resolve().name
    suffix = "" if split == "test" else f"-{split}"
    return Path(__file__).resolve().parent / "results" / f"beir-{name}{suffix}.json"


def write_json(run: BenchmarkRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path


def render_table(run: BenchmarkRun):  # noqa: ANN201 - rich Table, imported lazily
    """Our modes, then the published figures, as one rich table."""
    from rich.table import Table

    d = run.data
    caption = (
        f"{run.n_queries} {d.split} queries, {len(d.corpus)} documents, "
        f"{run.index.get('chunks', '?')} chunks · index {run.timings.get('index', 0):.1f}s, "
        f"search {run.timings.get('search', 0):.1f}s, total {run.timings.get('total', 0):.1f}s"
    )
    if d.split != "test":
        caption += f" · '{d.split}' split: for tuning, not for reporting"
    table = Table(title=f"BEIR {d.name}", caption=caption)
    table.add_column("system", overflow="fold")
    table.add_column(f"nDCG@{NDCG_K}", justify="right")
    table.add_column(f"Recall@{RECALL_K}", justify="right")
    table.add_column(f"MRR@{NDCG_K}", justify="right")
    table.add_column("s/query", justify="right")
    for r in run.results:
        m = r.metrics
        table.add_row(
            f"ours: {r.label}",
            f"{m[f'ndcg@{NDCG_K}']:.4f}",
            f"{m[f'recall@{RECALL_K}']:.4f}",
            f"{m[f'mrr@{NDCG_K}']:.4f}",
            f"{r.seconds / max(run.n_queries, 1):.3f}",
        )
    if d.baselines:
        table.add_section()
    for b in d.baselines:
        table.add_row(f"published: {b.system}", f"{b.ndcg_at_10:.4f}", "—", "—", "")
    return table
