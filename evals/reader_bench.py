"""The reader against three simpler scorers, on data it never trained on.

    python -m evals.reader_bench [--limit N] [--out evals/results/reader.json]

- SelQA test (answer sentence selection, Wikipedia sections of ten topics written by other
  annotators): P@1, MAP and MRR over each question's candidate sentences.
- The held-out SQuAD 2.0 dev articles (``assistant.answer.reader.pairs.split_dev_articles``):
  sentence P@1 over the paragraph's sentences for answerable questions, and AUROC of
  answerable against unanswerable questions by each scorer's best sentence score.

Scorers, on the same candidates in the same run: BM25 over the sentences (bm25s), MiniLM
cosine (the bundled bi-encoder), the old composer's score (IDF-weighted term coverage 0.55 +
cosine 0.45, the formula of the extractive composer before the reader; its product rules,
such as answer types, need a corpus and are left out), and the reader.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from assistant.answer.reader.pairs import RankItem, selqa_items, squad_test_items
from assistant.answer.reader.train import DEFAULT_QA

app = typer.Typer(add_completion=False)
SCORERS = ("bm25", "cosine", "composer", "reader")


def _stem_tokens(texts: list[str]) -> list[list[str]]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    tok = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False,
                         show_progress=False)  # fmt: skip
    return [list(t) for t in tok]


def bm25_scores(item: RankItem) -> np.ndarray:
    import bm25s

    # BM25 over one question's candidates: the IDF is the candidate set's own.
    docs = _stem_tokens(item.sentences)
    q = _stem_tokens([item.question])[0]
    model = bm25s.BM25()
    model.index(docs, show_progress=False)
    return np.asarray(model.get_scores(q), dtype=np.float32)


def coverage_scores(item: RankItem) -> np.ndarray:
    docs = [set(d) for d in _stem_tokens(item.sentences)]
    terms = list(dict.fromkeys(_stem_tokens([item.question])[0]))
    n = len(docs)
    idf = {t: math.log(1 + (n - sum(t in d for d in docs) + 0.5) /
                       (sum(t in d for d in docs) + 0.5)) for t in terms}  # fmt: skip
    total = sum(idf.values()) or 1.0
    return np.asarray([sum(idf[t] for t in terms if t in d) / total for d in docs])


class Cosine:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        from assistant.index.embedding import bundled_model_path

        self.model = SentenceTransformer(str(bundled_model_path()), device="cpu")
        self.cache: dict[str, np.ndarray] = {}

    def prime(self, texts: list[str]) -> None:
        todo = sorted({t for t in texts if t not in self.cache})
        vecs = self.model.encode(todo, batch_size=64, normalize_embeddings=True,
                                 show_progress_bar=True)  # fmt: skip
        self.cache.update(zip(todo, vecs, strict=True))

    def scores(self, item: RankItem) -> np.ndarray:
        q = self.cache[item.question]
        return np.asarray([float(np.dot(q, self.cache[s])) for s in item.sentences])


def ranking(items: list[RankItem], scores: list[np.ndarray]) -> dict[str, float]:
    p1, ap, rr = [], [], []
    for item, s in zip(items, scores, strict=True):
        order = list(np.argsort(-s, kind="stable"))
        hits = [i in item.positives for i in order]
        p1.append(float(hits[0]))
        first = hits.index(True)
        rr.append(1.0 / (first + 1))
        found, precs = 0, []
        for k, h in enumerate(hits, 1):
            if h:
                found += 1
                precs.append(found / k)
        ap.append(sum(precs) / len(item.positives))
    return {"p_at_1": _r(np.mean(p1)), "map": _r(np.mean(ap)), "mrr": _r(np.mean(rr)),
            "n": len(items)}  # fmt: skip


def auroc(pos: list[float], neg: list[float]) -> float:
    """Probability that an answerable question outscores an unanswerable one (ties: half)."""
    values = np.asarray(pos + neg)
    ranks = _ranks(values)
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), dtype=float)
    ranks[order] = np.arange(1, len(x) + 1)
    for v in np.unique(x):  # average ranks of ties
        idx = np.where(x == v)[0]
        if len(idx) > 1:
            ranks[idx] = ranks[idx].mean()
    return ranks


def _r(x: float) -> float:
    return round(float(x), 4)


def score_all(items: list[RankItem], cosine: Cosine, reader, desc: str) -> dict:  # noqa: ANN001
    from tqdm.auto import tqdm

    out: dict[str, list[np.ndarray]] = {s: [] for s in SCORERS}
    cosine.prime([i.question for i in items] + [s for i in items for s in i.sentences])
    for item in tqdm(items, desc=desc, unit="question"):
        cos = cosine.scores(item)
        out["bm25"].append(bm25_scores(item))
        out["cosine"].append(cos)
        out["composer"].append(0.55 * coverage_scores(item) + 0.45 * cos)
        out["reader"].append(reader.logits(item.question, item.candidates))
    return out


@app.command()
def main(
    qa_dir: Annotated[Path, typer.Option()] = DEFAULT_QA,
    limit: Annotated[int, typer.Option(help="Questions per test set (0: all).")] = 0,
    seed: Annotated[int, typer.Option()] = 13,
    weights: Annotated[Path | None, typer.Option(help="Reader weights folder.")] = None,
    out: Annotated[Path, typer.Option()] = Path("evals/results/reader.json"),
) -> None:
    """Score SelQA test and the held-out SQuAD 2.0 articles with all four scorers."""
    import tempfile

    from assistant.answer.reader.runtime import WEIGHTS, load_reader, metadata

    weights = weights or WEIGHTS
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        reader = load_reader(Path(tmp), weights)
        cosine = Cosine()
        rng = random.Random(seed)
        sel = selqa_items(qa_dir, "test")
        squad = squad_test_items(qa_dir, seed=13)  # the article split training used
        if limit:
            sel = rng.sample(sel, min(limit, len(sel)))
            squad = rng.sample(squad, min(limit, len(squad)))
        result: dict = {"weights_sha256": metadata(weights)["sha256"], "limit": limit}
        s = score_all(sel, cosine, reader, "SelQA test")
        result["selqa_test"] = {k: ranking(sel, v) for k, v in s.items()}
        q = score_all(squad, cosine, reader, "SQuAD 2.0 held-out")
        ans = [i for i, it in enumerate(squad) if it.answerable]
        una = [i for i, it in enumerate(squad) if not it.answerable]
        result["squad2_heldout"] = {
            k: {
                "sentence_p_at_1": ranking([squad[i] for i in ans], [v[i] for i in ans])["p_at_1"],
                "answerable_auroc": _r(
                    auroc([float(v[i].max()) for i in ans], [float(v[i].max()) for i in una])
                ),
                "answerable": len(ans),
                "unanswerable": len(una),
            }
            for k, v in q.items()
        }
    result["seconds"] = round(time.time() - t0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    if weights == WEIGHTS and not limit:  # the shipped weights, measured in full: their card
        from assistant.answer.reader.card import write_card

        write_card(weights, result)
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    app()
