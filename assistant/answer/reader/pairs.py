"""Training and test data for the reader, built from ``../shared/qa-data`` (pure Python).

A *group* is one question with a few candidate sentences and a 0/1 label each:

- SQuAD 1.1 train and the SQuAD 2.0 dev articles picked for training: the sentence holding
  the answer is the positive; the paragraph's other sentences that share most words with the
  question, and the most similar sentence of another paragraph of the same article, are the
  negatives.
- SQuAD 2.0 unanswerable questions of those training articles: the paragraph's sentences
  most like the question, all negative (written to look answerable: the adversarial case).
- "Answer not retrieved": a question with the most similar sentences of *other* paragraphs
  of its article, none holding the answer string, all negative. In the product the reader
  sees on-topic passages that lack the answer; this teaches it to say so.
- "Near miss": an answerable question with one of its names or numbers that the answering
  sentence states swapped for another of the same kind from the same article ("... in 1995?"
  becomes "... in 1998?", "... Beyonce ..." becomes "... Solange ..."), over the answering
  sentence and the paragraph's others, none of which states the new one: all negative.
  SQuAD 2.0's 5,945 written-to-mislead questions are too few to train on alone (15 articles'
  worth may be trained on), and staff's unanswerable questions are mostly of this kind: a
  year, a country or a price the documents do not give, next to ones they do.

Questions whose answer text occurs more than once in the paragraph are dropped (the data's
``answer_start`` is the first occurrence, see ``SOURCE.md``), as are answers that cross a
sentence boundary, and duplicate (question, candidate) pairs.

The other SQuAD 2.0 dev articles and SelQA are never trained on: they are the test sets.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer.sentences import sentence_spans

GROUP = 4  # candidates per group
SCARCE = ("squad2-unanswerable", "near-miss")  # sources every capped build keeps whole
N_TRAIN_DEV_ARTICLES = 15  # of SQuAD 2.0 dev's 35 articles; the other 20 are the test set
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "did",
        "does",
        "do",
        "has",
        "have",
        "had",
        "that",
        "this",
        "it",
        "its",
        "as",
        "into",
        "than",
        "then",
    ]
)
# A sentence that opens with one of these leans on the one before it.
ANAPHOR = re.compile(r"^(It|Its|This|These|That|Those|They|Their|Them|He|She|His|Her|Such)\b")


def candidate_text(sentence: str, heading: str = "", previous: str = "") -> str:
    """What the reader reads for one candidate: the sentence first (truncation cuts the
    context, never the sentence), then its heading, then the sentence before it when this
    one opens with a pronoun ("It was introduced in November 2022")."""
    parts = [sentence.strip()]
    if heading:
        parts.append(heading.strip())
    if previous and ANAPHOR.match(sentence.strip()):
        parts.append(previous.strip())
    return " | ".join(parts)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _overlap(q: set[str], text: str) -> float:
    w = _words(text)
    return len(q & w) / (len(q) or 1)


@dataclass
class Paragraph:
    title: str
    context: str
    spans: list[tuple[int, int]]

    @property
    def sentences(self) -> list[str]:
        return [self.context[s:e] for s, e in self.spans]

    def candidate(self, i: int) -> str:
        prev = self.sentences[i - 1] if i else ""
        return candidate_text(self.sentences[i], self.title, prev)

    def sentence_of(self, start: int, end: int) -> int | None:
        for i, (s, e) in enumerate(self.spans):
            if s <= start and end <= e:
                return i
        return None


@dataclass
class Group:
    question: str
    candidates: list[str]
    labels: list[int]
    source: str
    article: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {"q": self.question, "c": self.candidates, "y": self.labels, "s": self.source},
            ensure_ascii=False,
        )


@dataclass
class Counts:
    questions_seen: int = 0
    dropped_ambiguous: int = 0
    dropped_crossing: int = 0
    duplicate_pairs: int = 0
    groups: dict[str, int] = field(default_factory=dict)

    def add(self, source: str) -> None:
        self.groups[source] = self.groups.get(source, 0) + 1


def load_squad(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)["data"]


def _title(raw: str) -> str:
    return raw.replace("_", " ")


def _paragraphs(article: dict) -> list[Paragraph]:
    return [
        Paragraph(_title(article["title"]), p["context"], sentence_spans(p["context"]))
        for p in article["paragraphs"]
    ]


def split_dev_articles(dev: list[dict], seed: int) -> tuple[set[str], set[str]]:
    """SQuAD 2.0 dev titles for training and for testing: whole articles, never mixed."""
    titles = sorted(a["title"] for a in dev)
    random.Random(seed).shuffle(titles)
    return set(titles[:N_TRAIN_DEV_ARTICLES]), set(titles[N_TRAIN_DEV_ARTICLES:])


def _hardest(q: set[str], pool: list[str], k: int, rng: random.Random) -> list[str]:
    """The ``k`` candidates sharing most words with the question (ties broken at random)."""
    scored = sorted(pool, key=lambda t: (-_overlap(q, t), rng.random()))
    return scored[:k]


# Names (capitalised runs, joined by "of", "the", ...) and numbers: what a near miss swaps.
_JOINERS = ("of", "the", "de", "and", "for", "in")
_NAME = re.compile(rf"\b[A-Z][\w'-]*(?:\s+(?:(?:{'|'.join(_JOINERS)})\s+)*[A-Z][\w'-]*)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")


def _mentions(text: str) -> tuple[list[str], list[str]]:
    """The names and numbers of ``text``. A capitalised word that opens a sentence or the
    question is no evidence of a name ("They", "What"), so it is left off the run."""
    names = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        if not text[: m.start()].rstrip() or text[: m.start()].rstrip()[-1] in ".!?\"'(":
            words = words[1:]
            while words and words[0] in _JOINERS:
                words = words[1:]
        if words and len(" ".join(words)) > 2:
            names.append(" ".join(words))
    return names, _NUMBER.findall(text)


def near_miss(
    question: str, sentence: str, pool: tuple[list[str], list[str]], rng: random.Random
) -> tuple[str, str] | None:
    """``question`` with a name or number that ``sentence`` states swapped for another of
    the same kind from ``pool`` that it does not state, and the new mention; None if none."""
    names, numbers = _mentions(question)
    low = sentence.lower()
    options = [(n, pool[1]) for n in numbers] + [(n, pool[0]) for n in names]
    options = [(m, same_kind) for m, same_kind in options if m.lower() in low]
    rng.shuffle(options)
    for mention, same_kind in options:
        subs = [x for x in same_kind if x.lower() not in low and x.lower() != mention.lower()
                and (not mention[:1].isdigit() or len(x) == len(mention))]  # fmt: skip
        if subs:
            new = rng.choice(subs)
            return question.replace(mention, new, 1), new
    return None


def _article_groups(
    article: dict,
    rng: random.Random,
    counts: Counts,
    unanswered_rate: float,
    near_miss_rate: float = 0.0,
) -> Iterator[Group]:
    paras = _paragraphs(article)
    pool: tuple[list[str], list[str]] = ([], [])
    if near_miss_rate:
        for p in paras:
            names, numbers = _mentions(p.context)
            pool[0].extend(names)
            pool[1].extend(numbers)
        pool = (sorted(set(pool[0])), sorted(set(pool[1])))
    for pi, para in enumerate(paras):
        others = [
            paras[j].candidate(i)
            for j in rng.sample(range(len(paras)), min(len(paras), 6))
            if j != pi
            for i in range(len(paras[j].spans))
        ]
        cands = [para.candidate(i) for i in range(len(para.spans))]
        for qa in article["paragraphs"][pi]["qas"]:
            counts.questions_seen += 1
            q = qa["question"].strip()
            qw = _words(q)
            if qa.get("is_impossible"):
                negs = _hardest(qw, cands, GROUP, rng)
                if negs:
                    counts.add("squad2-unanswerable")
                    yield Group(q, negs, [0] * len(negs), "squad2-unanswerable", article["title"])
                continue
            ans = qa["answers"][0]
            text = ans["text"]
            if para.context.count(text) != 1:
                counts.dropped_ambiguous += 1
                continue
            start = para.context.index(text)
            pos = para.sentence_of(start, start + len(text))
            if pos is None:
                counts.dropped_crossing += 1
                continue
            rest = [c for i, c in enumerate(cands) if i != pos]
            far = [c for c in others if text not in c]
            if rng.random() < unanswered_rate and len(far) >= GROUP:
                negs = _hardest(qw, far, GROUP, rng)
                counts.add("not-retrieved")
                yield Group(q, negs, [0] * len(negs), "not-retrieved", article["title"])
                continue
            negs = _hardest(qw, rest, GROUP - 2, rng) + _hardest(qw, far, 1, rng)
            group = [cands[pos], *negs]
            labels = [1] + [0] * len(negs)
            counts.add("answerable")
            yield Group(q, group, labels, "answerable", article["title"])
            if (
                near_miss_rate
                and rng.random() < near_miss_rate
                and (swap := near_miss(q, para.sentences[pos], pool, rng))
            ):
                mq, new = swap
                # No candidate may state the new mention: one that did might answer.
                clean = [c for c in rest if new.lower() not in c.lower()]
                if new.lower() not in cands[pos].lower():
                    negs = [cands[pos], *_hardest(_words(mq), clean, GROUP - 1, rng)]
                    counts.add("near-miss")
                    yield Group(mq, negs, [0] * len(negs), "near-miss", article["title"])


def build_groups(
    qa_dir: Path,
    seed: int = 13,
    max_groups: int | None = None,
    unanswered_rate: float = 0.15,
    near_miss_rate: float = 0.0,
) -> tuple[list[Group], Counts]:
    """All training groups, shuffled, deduplicated, at most ``max_groups``."""
    rng = random.Random(seed)
    counts = Counts()
    train = load_squad(qa_dir / "squad" / "train-v1.1.json.gz")
    dev = load_squad(qa_dir / "squad" / "dev-v2.0.json.gz")
    dev_train, _ = split_dev_articles(dev, seed)
    articles = train + [a for a in dev if a["title"] in dev_train]
    seen: set[tuple[str, str]] = set()
    groups: list[Group] = []
    for article in articles:
        for g in _article_groups(article, rng, counts, unanswered_rate, near_miss_rate):
            keep = [(c, y) for c, y in zip(g.candidates, g.labels, strict=True)
                    if (g.question, c) not in seen]  # fmt: skip
            counts.duplicate_pairs += len(g.candidates) - len(keep)
            if not keep:
                continue
            seen.update((g.question, c) for c, _ in keep)
            g.candidates, g.labels = [c for c, _ in keep], [y for _, y in keep]
            groups.append(g)
    rng.shuffle(groups)
    if max_groups is not None and len(groups) > max_groups:
        # Keep every adversarial group: they are the scarce kind.
        adv = [g for g in groups if g.source in SCARCE]
        rest = [g for g in groups if g.source not in SCARCE]
        groups = adv + rest[: max(0, max_groups - len(adv))]
        rng.shuffle(groups)
    counts.groups = {}
    for g in groups:
        counts.add(g.source)
    return groups, counts


# --- test sets -------------------------------------------------------------------------------


@dataclass
class RankItem:
    """One test question: its candidates and which answer it (none: unanswerable)."""

    question: str
    candidates: list[str]
    sentences: list[str]  # the bare sentences, for scorers that ignore context
    positives: set[int]
    answerable: bool


def squad_test_items(qa_dir: Path, seed: int = 13) -> list[RankItem]:
    """SQuAD 2.0 dev questions of the held-out articles, over their paragraph's sentences."""
    dev = load_squad(qa_dir / "squad" / "dev-v2.0.json.gz")
    _, held = split_dev_articles(dev, seed)
    items: list[RankItem] = []
    for article in dev:
        if article["title"] not in held:
            continue
        for para, raw in zip(_paragraphs(article), article["paragraphs"], strict=True):
            cands = [para.candidate(i) for i in range(len(para.spans))]
            for qa in raw["qas"]:
                if qa["is_impossible"]:
                    items.append(RankItem(qa["question"], cands, para.sentences, set(), False))
                    continue
                pos = {
                    i
                    for a in qa["answers"]
                    for i, s in enumerate(para.sentences)
                    if a["text"] and a["text"] in s
                }
                if pos:
                    items.append(RankItem(qa["question"], cands, para.sentences, pos, True))
    return items


def selqa_items(qa_dir: Path, split: str = "test") -> list[RankItem]:
    with gzip.open(qa_dir / "selqa" / f"selqa-ass-{split}.json.gz", "rt") as f:
        data = json.load(f)
    items = []
    for d in data:
        heading = f"{d['article']} {d['section']}".strip()
        sents = d["candidates"]
        cands = [candidate_text(s, heading, sents[i - 1] if i else "") for i, s in enumerate(sents)]
        items.append(RankItem(d["question"], cands, sents, set(d["answers"]), True))
    return items
