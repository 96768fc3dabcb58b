"""The evaluation suite: every gold set through the public API → one result dict.

    with corpus_assistant() as assistant:          # a fresh temporary index of corpus/
        result = run_suite(assistant, baselines=True)
    result["metrics"]["answers.fact_accuracy"]["test"]
    thresholds, tolerances = load_thresholds()
    gates = check_gates(result["metrics"], thresholds)

Systems compared in one run, on the same index and gold items:

- retrieval: hybrid (the configured fusion and re-ranking, what users get), BM25 only, dense
  only, hybrid with the other re-ranking setting, and a vanilla llama-index
  ``VectorStoreIndex`` (default ``SentenceSplitter``, same model);
- answers: the extractive composer (``Assistant.ask``) and "top passage as the answer";
- eligibility: the rule-based checker.

Metric definitions (the report repeats them):

- fact accuracy: answerable items whose answer contains every required fact (a fact is
  found when any alternative occurs as words, case-, whitespace- and quote-mark-insensitively:
  "ten" is not found in "content", nor "5%" in "15%", but "exception" is in "exceptions"); an
  abstention fails.
- citation precision: over answered answerable items, the share of citations that support
  the answer: the cited span contains a required fact, or overlaps ([start, end) in the same
  document) the span of a gold support quote. A cited sentence that holds none of the answer
  (an off-topic complement) counts against it.
- fact grounding: over the required facts stated in answers, the share that a cited passage
  contains (the answer issue's "the cited passage contains the fact").
- abstention accuracy: unanswerable items that abstained. False-abstention rate: answerable
  items that abstained. Median answer length: characters, over answers given (not abstentions).
- verdict accuracy: eligibility items whose verdict equals the expected one.
- latency p50/p95: warm wall time of each ``ask`` (after a warm-up question), in ms.

A row passes when it is fully right: an answerable item is answered with every fact and
only supporting citations; an unanswerable one abstains; a retrieval item has its passage
in the top 3; an eligibility item gets the expected verdict.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from assistant.answer.citations import cite_in_chunk, contains, find_span, occurs
from assistant.answer.selection import ANSWER_THRESHOLD
from assistant.api import Assistant
from assistant.compliance import ComplianceInputError, RuleBook, check_eligibility, load_rules
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import ConfigError
from assistant.index.embedding import MODEL_NAME
from assistant.ingest.manifest import load_manifest
from assistant.types import Answer, AnswerMode, Citation, RetrievalMode
from evals.metrics import hit_at_k, mean, ndcg_at_k, reciprocal_rank
from evals.retrieval_eval import (
    GOLD_DIR,
    RetrievalItem,
    evaluate_retrieval,
    load_retrieval_gold,
)
from evals.splits import SPLITS

SCHEMA = 1
THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
RETRIEVAL_K = 10
WARM_UP_QUESTION = "What is Article 6 of the Paris Agreement about?"
RETRIEVAL_METRICS = ("hit@1", "hit@3", "mrr", "ndcg@10")
ANSWER_METRICS = (
    "fact_accuracy",
    "citation_precision",
    "fact_grounding",
    "abstention_accuracy",
    "false_abstention_rate",
    "median_answer_length",
)
Log = Callable[[str], None]


# -- gold sets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerItem:
    id: str
    question: str
    answerable: bool
    facts: tuple[tuple[str, ...], ...]
    support: tuple[tuple[str, str], ...]  # (doc_id, quote)
    kind: str
    split: str
    history: tuple[dict, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class EligibilityItem:
    id: str
    host_country: str | None
    programme: str | None
    methodology: str | None
    published: str | None
    category: str | None
    expected: str
    split: str
    why: str = ""


def _jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_answer_gold(path: Path = GOLD_DIR / "answers.jsonl") -> list[AnswerItem]:
    return [
        AnswerItem(
            r["id"],
            r["question"],
            bool(r["answerable"]),
            tuple(tuple(alts) for alts in r["facts"]),
            tuple((s["doc_id"], s["quote"]) for s in r["support"]),
            r["kind"],
            r["split"],
            tuple(r.get("history") or ()),
            r.get("why", ""),
        )
        for r in _jsonl(path)
    ]


def load_eligibility_gold(path: Path = GOLD_DIR / "eligibility.jsonl") -> list[EligibilityItem]:
    keys = ("host_country", "programme", "methodology", "published", "category")
    return [
        EligibilityItem(r["id"], *(r.get(k) for k in keys), r["expected"], r["split"], r["why"])
        for r in _jsonl(path)
    ]


def in_split(rows: Iterable, split: str) -> list:
    """Rows (dicts or gold items) of ``split``; ``all`` keeps every row."""
    if split == "all":
        return list(rows)
    return [r for r in rows if (r["split"] if isinstance(r, dict) else r.split) == split]


# -- scoring one answer ----------------------------------------------------------------------

Span = tuple[str, int, int]  # doc_id, start, end


def fact_found(text: str, alternatives: Sequence[str]) -> bool:
    """True when any alternative occurs in ``text`` as words (case/whitespace/quote-mark
    tolerant): "ten" is not found in "content", nor "5%" in "15%"."""
    return any(occurs(text, alt) for alt in alternatives)


def citation_supports(
    citation: Citation, facts: Sequence[Sequence[str]], gold_spans: Sequence[Span]
) -> bool:
    """The cited span holds a required fact, or overlaps a gold support quote's span."""
    if any(fact_found(citation.quote, alts) for alts in facts):
        return True
    return any(
        doc == citation.doc_id and citation.start < end and start < citation.end
        for doc, start, end in gold_spans
    )


def score_answer(item: AnswerItem, answer: Answer, gold_spans: Sequence[Span] = ()) -> dict:
    """One per-question row: what was answered, which facts were found, which citations hold."""
    facts = []
    for alts in item.facts:
        found = not answer.abstained and fact_found(answer.answer, alts)
        cited = found and any(fact_found(c.quote, alts) for c in answer.citations)
        facts.append({"alternatives": list(alts), "found": found, "cited": cited})
    cites = [
        {
            "n": c.n,
            "doc_id": c.doc_id,
            "section": c.section,
            "quote": c.quote,
            "start": c.start,
            "end": c.end,
            "supports": citation_supports(c, item.facts, gold_spans),
        }
        for c in answer.citations
    ]
    problems: list[str] = []
    if item.answerable:
        if answer.abstained:
            problems.append("abstained on an answerable question")
        else:
            problems += [
                f"missing fact: {' | '.join(f['alternatives'])}" for f in facts if not f["found"]
            ]
            problems += [
                f"citation [{c['n']}] does not support a fact" for c in cites if not c["supports"]
            ]
            if not cites:
                problems.append("no citation")
    elif not answer.abstained:
        problems.append("answered an unanswerable question")
    return {
        "id": item.id,
        "split": item.split,
        "kind": item.kind,
        "question": item.question,
        "history": list(item.history),
        "answerable": item.answerable,
        "why": item.why,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "standalone_question": answer.standalone_question,
        "length": len(answer.answer),
        "facts": facts,
        "citations": cites,
        "passed": not problems,
        "problems": problems,
        "latency_ms": round(answer.latency_ms, 2),
    }


def answer_metrics(rows: Sequence[dict]) -> dict[str, float | None]:
    """Fact accuracy, citation precision, abstention figures and median length of scored rows.

    A metric with no items to judge (e.g. abstention accuracy on a split without unanswerable
    items) is None, not 0: it cannot fail a gate it was never measured for.
    """
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    cites = [c for r in answerable if not r["abstained"] for c in r["citations"]]
    stated = [f for r in answerable if not r["abstained"] for f in r["facts"] if f["found"]]
    given = [r["length"] for r in rows if not r["abstained"]]

    return {
        "fact_accuracy": _share(
            answerable, lambda r: not r["abstained"] and all(f["found"] for f in r["facts"])
        ),
        "citation_precision": _share(cites, lambda c: c["supports"]),
        "fact_grounding": _share(stated, lambda f: f["cited"]),
        "abstention_accuracy": _share(unanswerable, lambda r: r["abstained"]),
        "false_abstention_rate": _share(answerable, lambda r: r["abstained"]),
        "median_answer_length": float(statistics.median(given)) if given else None,
        "pass_rate": _share(list(rows), lambda r: r["passed"]),
        "n": len(rows),
    }


def _share(xs: Sequence, pred: Callable) -> float | None:
    return sum(1 for x in xs if pred(x)) / len(xs) if xs else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..1); None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def latency_metrics(rows: Sequence[dict]) -> dict[str, float | None]:
    ms = [r["latency_ms"] for r in rows]
    return {"p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95), "n": len(ms)}


def per_split(
    rows: Sequence[dict], fn: Callable[[Sequence[dict]], dict], splits: Sequence[str]
) -> dict:
    return {s: fn(in_split(rows, s)) for s in splits}


# -- running the systems --------------------------------------------------------------------


@dataclass
class Clock:
    """Stage timings, with a progress line per stage."""

    log: Log | None = None
    t0: float = field(default_factory=time.perf_counter)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    stages: dict[str, float] = field(default_factory=dict)
    last: float = 0.0

    def done(self, stage: str, note: str = "") -> None:
        now = time.perf_counter() - self.t0
        self.stages[stage] = round(now - self.last, 2)
        self.last = now
        if self.log:
            self.log(f"[{now:6.1f}s] {stage}{': ' + note if note else ''}")


@contextmanager
def corpus_assistant(data_dir: Path | None = None, log: Log | None = None) -> Iterator[Assistant]:
    """An Assistant over ``corpus/``, ingested into ``data_dir`` or a fresh temporary index.

    The temporary index (and its embedding cache) is deleted on exit, so a run never reads or
    writes the user's index and starts from the same state every time. The configuration
    otherwise comes from ``ASSISTANT_*`` as for users ("the current configuration").

    Raises:
        ConfigError: a corpus file failed to load.
    """
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        corpus = PROJECT_ROOT / "corpus"
        assistant = Assistant(
            Settings(data_dir=data_dir or Path(tmp), corpus_dir=corpus, audit=False)
        )
        report = assistant.ingest([corpus])
        if report.failed:
            raise ConfigError(f"the corpus did not load: {report.failed}")
        ids = {e.doc_id for e in load_manifest(corpus).values()}
        if log and (extra := sorted(set(assistant.documents()) - ids)):
            log(f"note: the index at {data_dir} also holds {', '.join(extra)}")
        yield assistant


def ranking_row(item: RetrievalItem, ids: list[str], rank: int | None) -> dict:
    """Metrics of one ranking whose first relevant id is at ``rank`` (as evaluate_retrieval:
    one passage answers each question)."""
    rel = {ids[rank - 1]: 1.0} if rank else {}
    return {
        "id": item.id,
        "split": item.split,
        "rank": rank,
        "hit@1": hit_at_k(ids, rel, 1),
        "hit@3": hit_at_k(ids, rel, 3),
        "mrr": reciprocal_rank(ids, rel),
        "ndcg@10": ndcg_at_k(ids, rel, RETRIEVAL_K),
    }


def llamaindex_rows(assistant: Assistant, items: list[RetrievalItem]) -> list[dict]:
    """Vanilla llama-index: raw corpus files, default SentenceSplitter, same MiniLM model.

    The embedder is the assistant's own ``HuggingFaceEmbedding`` of the bundled weights: the
    same model as a new ``HuggingFaceEmbedding(model_name=str(bundled_model_path()))``,
    without loading the weights twice. A node is relevant when it comes from the gold
    document (file → doc id through the manifest) and contains the gold quote.
    """
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    # It warns about optional readers for PDFs and the like; the corpus is plain text.
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
    corpus = assistant.settings.corpus_dir
    manifest = load_manifest(corpus)
    docs = SimpleDirectoryReader(input_files=[corpus / f for f in sorted(manifest)]).load_data()
    index = VectorStoreIndex.from_documents(
        docs, embed_model=assistant.embedder.model, transformations=[SentenceSplitter()]
    )
    retriever = index.as_retriever(similarity_top_k=RETRIEVAL_K)
    rows = []
    for item in items:
        nodes = [n.node for n in retriever.retrieve(item.question)]
        rank = next(
            (
                i
                for i, n in enumerate(nodes, 1)
                if manifest[n.metadata["file_name"]].doc_id == item.doc_id
                and contains(n.get_content(MetadataMode.NONE), item.quote)
            ),
            None,
        )
        rows.append(ranking_row(item, [n.node_id for n in nodes], rank))
    return rows


def run_retrieval(assistant: Assistant, items: list[RetrievalItem], baselines: bool) -> dict:
    """{system: (label, rows)}: the configured hybrid, then each baseline, on the same items."""
    rerank = assistant.settings.rerank
    systems = {"hybrid": (RetrievalMode.HYBRID, None)}
    if baselines:
        systems |= {
            "bm25": (RetrievalMode.BM25, False),
            "dense": (RetrievalMode.DENSE, False),
            # the configured hybrid's other setting: without the reader's re-ranking, or with it
            "hybrid_alt": (RetrievalMode.HYBRID, not rerank),
        }
    fusion = assistant.settings.fusion
    labels = {
        "hybrid": f"Hybrid, {fusion}{', re-ranked' if rerank else ''} (current)",
        "bm25": "BM25 only",
        "dense": "Dense only",
        "hybrid_alt": f"Hybrid, {fusion}{'' if rerank else ', re-ranked'}",
        "llamaindex": "llama-index VectorStoreIndex",
    }
    out = {
        key: (
            labels[key],
            evaluate_retrieval(assistant, items, mode, k=RETRIEVAL_K, rerank=rr)["rows"],
        )
        for key, (mode, rr) in systems.items()
    }
    if baselines:
        out["llamaindex"] = (labels["llamaindex"], llamaindex_rows(assistant, items))
    return out


def gold_spans(assistant: Assistant, item: AnswerItem) -> list[Span]:
    """Where each support quote of ``item`` sits in its indexed document."""
    spans = []
    for doc_id, quote in item.support:
        if span := find_span(assistant.document(doc_id).text, quote):
            spans.append((doc_id, *span))
    return spans


def top_passage_answer(assistant: Assistant, question: str, standalone: str) -> Answer:
    """The baseline: the first passage of search (hybrid, re-ranked as configured) verbatim,
    citing itself; it never abstains."""
    t0 = time.perf_counter()
    hits = assistant.search(standalone, 1)
    ms = (time.perf_counter() - t0) * 1000
    if not hits:
        return Answer(question, "", True, AnswerMode.EXTRACTIVE, latency_ms=ms)
    c = hits[0].chunk
    cite = cite_in_chunk(1, c, c.start, c.end)
    return Answer(question, c.text, False, AnswerMode.EXTRACTIVE, (cite,), latency_ms=ms)


def run_answers(assistant: Assistant, items: list[AnswerItem], baselines: bool) -> dict:
    """{system: (label, rows)} for the composer and, with baselines, top passage."""
    rows, top = [], []
    for item in items:
        # Timed here, one question at a time: the latency of a single warm user.
        t0 = time.perf_counter()
        answer = assistant.ask(item.question, list(item.history) or None)
        answer = replace(answer, latency_ms=(time.perf_counter() - t0) * 1000)
        spans = gold_spans(assistant, item)
        rows.append(score_answer(item, answer, spans))
        if baselines:
            # The composer's standalone question, so the two differ only in composition.
            q = answer.standalone_question or item.question
            top.append(score_answer(item, top_passage_answer(assistant, item.question, q), spans))
    for row, base in zip(rows, top, strict=False):
        row["baseline"] = {"top_passage": {"passed": base["passed"], "problems": base["problems"]}}
    for row in rows:
        if not row["passed"]:  # why the composer answered or withheld: its top candidates
            history = row["history"] or None
            row["diagnosis"] = assistant.answerer.diagnose(row["question"], history, top=3)
    out = {"composer": ("Reader + extractive composer (current)", rows)}
    if baselines:
        out["top_passage"] = ("Top passage as the answer", top)
    return out


def eligibility_row(item: EligibilityItem, rules: RuleBook | None = None) -> dict:
    try:
        res = check_eligibility(
            item.host_country, item.programme, item.methodology, item.published, item.category,
            rules=rules,
        )  # fmt: skip
        verdict, reasons = str(res.verdict), [r.text for r in res.reasons]
    except ComplianceInputError as exc:
        verdict, reasons = "error", [str(exc)]
    inputs = ("host_country", "programme", "methodology", "published", "category")
    return {
        "id": item.id,
        "split": item.split,
        "input": {k: getattr(item, k) for k in inputs},
        "expected": item.expected,
        "verdict": verdict,
        "reasons": reasons,
        "why": item.why,
        "passed": verdict == item.expected,
    }


def _means(names: Sequence[str]) -> Callable[[Sequence[dict]], dict]:
    return lambda rows: (
        {m: mean(r[m] for r in rows) if rows else None for m in names} | {"n": len(rows)}
    )


def _verdicts(rows: Sequence[dict]) -> dict:
    return {"verdict_accuracy": _share(rows, lambda r: r["passed"]), "n": len(rows)}


def run_suite(
    assistant: Assistant,
    *,
    split: str = "all",
    baselines: bool = True,
    log: Log | None = None,
    clock: Clock | None = None,
) -> dict:
    """Run every gold set (and the baselines) against an ``assistant`` that holds the corpus.

    Args:
        assistant: an Assistant whose index holds ``corpus/`` (ingested by the caller).
        split: ``all`` runs every item; ``dev`` or ``test`` only that split's items.
        baselines: also run BM25 only, dense only, vanilla llama-index and top passage.
        log: called with one progress line per stage.
        clock: a running Clock (with e.g. the ingest already timed); else a new one.
    Returns:
        The result dict saved as JSON (evals/README.md describes it), without ``gates`` and
        ``regressions``: :func:`check_gates` and :func:`compare` add those.
    """
    clock = clock or Clock(log)
    splits = list(SPLITS) if split == "all" else [split]
    r_items = in_split(load_retrieval_gold(), split)
    a_items = in_split(load_answer_gold(), split)
    e_items = in_split(load_eligibility_gold(), split)
    assistant.warm_up()
    assistant.ask(WARM_UP_QUESTION)  # term statistics and answer-time caches, not timed
    clock.done("warm-up")
    retrieval = run_retrieval(assistant, r_items, baselines)
    clock.done("retrieval", f"{len(r_items)} questions × {len(retrieval)} systems")
    answers = run_answers(assistant, a_items, baselines)
    clock.done("answers", f"{len(a_items)} questions × {len(answers)} systems")
    rules = load_rules(assistant.settings.corpus_dir)
    e_rows = [eligibility_row(item, rules) for item in e_items]
    clock.done("eligibility", f"{len(e_items)} checks")

    systems = summarise(retrieval, answers, e_rows, splits)
    status = assistant.status()
    s = assistant.settings
    return {
        "schema": SCHEMA,
        "run": {
            "started": clock.started,
            "split": split,
            "splits": splits,
            "baselines": baselines,
            "timings_s": clock.stages,
            "elapsed_s": round(time.perf_counter() - clock.t0, 1),
        },
        "config": {
            "fusion": str(s.fusion),
            "top_k": s.top_k,
            "candidates": s.candidates,
            "chunk_chars": s.chunk_chars,
            "embedding_model": MODEL_NAME,
            "answer_threshold": ANSWER_THRESHOLD,
            "answer_threshold_calibrated_on": "dev+test",
            "llm": bool(s.llm_base_url),
        },
        "corpus": {"documents": status.documents, "chunks": status.chunks},
        "gold": gold_counts(r_items, a_items, e_items, splits),
        "systems": systems,
        "metrics": current_metrics(systems),
        "rows": {
            "retrieval": retrieval_table(r_items, retrieval),
            "answers": answers["composer"][1],
            "eligibility": e_rows,
        },
    }


def summarise(retrieval: dict, answers: dict, e_rows: list[dict], splits: Sequence[str]) -> dict:
    """Every system's metrics per split, from its scored rows ({key: (label, rows)})."""

    def system(label: str, rows: list[dict], score: Callable, current: bool) -> dict:
        return {"label": label, "current": current, "metrics": per_split(rows, score, splits)}

    def answer_score(rows: Sequence[dict]) -> dict:
        return answer_metrics(rows) | latency_metrics(rows)

    return {
        "retrieval": {
            k: system(label, rows, _means(RETRIEVAL_METRICS), k == "hybrid")
            for k, (label, rows) in retrieval.items()
        },
        "answers": {
            k: system(label, rows, answer_score, k == "composer")
            for k, (label, rows) in answers.items()
        },
        "eligibility": {"rules": system("Rule-based checker (current)", e_rows, _verdicts, True)},
    }


def retrieval_table(items: list[RetrievalItem], systems: dict) -> list[dict]:
    """One row per question with every system's rank; it passes with the current top 3."""
    ranks = {k: {r["id"]: r["rank"] for r in rows} for k, (_, rows) in systems.items()}
    out = []
    for item in items:
        rank = ranks["hybrid"][item.id]
        out.append(
            {
                "id": item.id,
                "split": item.split,
                "question": item.question,
                "doc_id": item.doc_id,
                "quote": item.quote,
                "ranks": {k: r[item.id] for k, r in ranks.items()},
                "passed": rank is not None and rank <= 3,
            }
        )
    return out


def gold_counts(r_items: list, a_items: list[AnswerItem], e_items: list, splits: list) -> dict:
    """How many items each gold set has, per split (the report's hygiene line)."""

    def count(items: list) -> dict:
        return {s: len(in_split(items, s)) for s in splits}

    return {
        "retrieval": count(r_items),
        "answers": count(a_items),
        "answers (answerable)": count([i for i in a_items if i.answerable]),
        "answers (unanswerable)": count([i for i in a_items if not i.answerable]),
        "eligibility": count(e_items),
    }


def current_metrics(systems: dict) -> dict[str, dict[str, float | None]]:
    """The current system's gated metrics, flat: {"answers.fact_accuracy": {split: value}}."""
    sources = (
        ("retrieval", "retrieval", "hybrid", RETRIEVAL_METRICS),
        ("answers", "answers", "composer", ANSWER_METRICS),
        ("eligibility", "eligibility", "rules", ("verdict_accuracy",)),
        ("latency", "answers", "composer", ("p50_ms", "p95_ms")),
    )
    return {
        f"{prefix}.{m}": {s: v[m] for s, v in systems[group][key]["metrics"].items()}
        for prefix, group, key, names in sources
        for m in names
    }


# -- judging: thresholds and regressions ----------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """One gated metric from thresholds.toml: CI fails when ``metric`` on ``split`` is worse
    than ``gate``; ``target`` (the issue's goal, when it sets one) is shown, never enforced.
    """

    metric: str
    split: str
    gate: float
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""

    def meets(self, value: float, bound: float) -> bool:
        return value >= bound if self.higher_is_better else value <= bound


def load_thresholds(path: Path = THRESHOLDS) -> tuple[list[Threshold], dict]:
    """The gated metrics and the regression tolerances of ``path``.

    Raises:
        ValueError: a metric entry lacks ``gate`` or has an unknown key or split.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for name, raw in (data.get("metrics") or {}).items():
        unknown = set(raw) - {"split", "gate", "target", "better", "note"}
        if unknown or "gate" not in raw or raw.get("split", "all") not in SPLITS:
            raise ValueError(
                f'{path}: [metrics."{name}"] needs gate (number), split ({"|".join(SPLITS)}), '
                f"better (higher|lower), optional target and note; got {sorted(raw)}"
            )
        if raw.get("better", "higher") not in ("higher", "lower"):
            raise ValueError(f'{path}: [metrics."{name}"] better must be "higher" or "lower"')
        out.append(
            Threshold(
                name,
                raw.get("split", "all"),
                float(raw["gate"]),
                None if raw.get("target") is None else float(raw["target"]),
                raw.get("better", "higher") == "higher",
                raw.get("note", ""),
            )
        )
    return out, data.get("regression") or {}


def check_gates(metrics: dict[str, dict], thresholds: Sequence[Threshold]) -> list[dict]:
    """Each threshold judged against the run's metrics.

    ``status`` is ``pass``, ``fail`` (worse than the gate), ``missing`` (the metric is not in
    the results: a typo in the config fails rather than passing silently) or ``skipped`` (its
    split was not run, e.g. with ``--split dev``). Only ``fail`` and ``missing`` fail CI.
    """
    out = []
    for t in thresholds:
        row = {
            "metric": t.metric, "split": t.split, "gate": t.gate, "target": t.target,
            "better": "higher" if t.higher_is_better else "lower", "note": t.note,
            "value": None, "meets_target": None,
        }  # fmt: skip
        if t.metric not in metrics:
            row["status"] = "missing"
        elif t.split not in metrics[t.metric]:
            row["status"] = "skipped"
        elif (value := metrics[t.metric][t.split]) is None:
            row["status"] = "skipped"  # nothing to measure on this split
        else:
            row["value"] = value
            row["status"] = "pass" if t.meets(value, t.gate) else "fail"
            row["meets_target"] = None if t.target is None else t.meets(value, t.target)
        out.append(row)
    return out


def failed_gates(gates: Sequence[dict]) -> list[dict]:
    return [g for g in gates if g["status"] in ("fail", "missing")]


def compare(current: dict, previous: dict, tolerances: dict | None = None) -> dict:
    """Metric deltas and per-question flips of ``current`` against a previous result.

    A metric counts as a regression when it moved the wrong way by more than its tolerance:
    ``tolerances["quality"]`` (absolute, default 0: quality metrics are deterministic) or,
    for latency, ``tolerances["latency"]`` (relative, default 0.25: timing is noisy).
    """
    tol = {"quality": 0.0, "latency": 0.25} | (tolerances or {})
    lower_better = {"answers.false_abstention_rate", "answers.median_answer_length"}
    deltas = []
    for name, per in current.get("metrics", {}).items():
        before = previous.get("metrics", {}).get(name, {})
        for split, now in per.items():
            was = before.get(split)
            if now is None or was is None:
                continue
            lower = name.startswith("latency.") or name in lower_better
            worse_by = (now - was) if lower else (was - now)
            allowed = abs(was) * tol["latency"] if name.startswith("latency.") else tol["quality"]
            deltas.append(
                {
                    "metric": name, "split": split, "previous": was, "current": now,
                    "delta": now - was, "regressed": worse_by > allowed + 1e-12,
                }
            )  # fmt: skip
    flips, fixes = [], []
    for group, rows in current.get("rows", {}).items():
        before = {r["id"]: r["passed"] for r in previous.get("rows", {}).get(group, [])}
        for r in rows:
            if r["id"] in before and before[r["id"]] != r["passed"]:
                entry = {"set": group, "id": r["id"], "split": r["split"]}
                (fixes if r["passed"] else flips).append(entry)
    return {
        "previous_started": previous.get("run", {}).get("started"),
        "metrics": deltas,
        "regressed_metrics": [d for d in deltas if d["regressed"]],
        "pass_to_fail": flips,
        "fail_to_pass": fixes,
    }
