"""The reader: its shipped weights, its export, its training data and its training loop."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.answer.reader import pairs
from assistant.answer.reader.runtime import PROBES, WEIGHTS, export, metadata
from assistant.answer.reader.train import app as train_app
from assistant.answer.reader.train import sha256


def test_shipped_weights_match_their_checksum_and_card() -> None:
    meta = metadata()
    weights = WEIGHTS / "reader.safetensors"
    assert sha256(weights) == meta["sha256"]
    assert weights.stat().st_size <= 25 * 1024 * 1024
    card = (WEIGHTS / "MODEL_CARD.md").read_text()
    assert meta["sha256"] in card  # the card describes these weights, not earlier ones


@pytest.mark.slow
def test_exported_reader_reproduces_the_training_runs_scores(tmp_path: Path) -> None:
    path = tmp_path / "reader.onnx"
    export(path)  # raises if any probe differs from the training run by more than 2e-3
    from assistant.answer.reader.runtime import Reader
    from assistant.answer.selection import ANSWER_THRESHOLD

    reader = Reader(path)
    got = [float(reader.logits(q, [c])[0]) for q, c in PROBES]
    assert np.allclose(got, metadata()["probe_logits"], atol=2e-3)
    # batched scoring gives the same numbers as one pair at a time (padding is masked)
    batch = reader.logits(PROBES[0][0], [PROBES[0][1], PROBES[1][1]])
    assert np.allclose(batch, got[:2], atol=2e-3)
    probs = reader.score(PROBES[0][0], [PROBES[0][1], PROBES[1][1]])
    # the sentence that answers passes the answer threshold and beats the one that does not
    assert probs[0] > ANSWER_THRESHOLD > probs[1]


def _squad(articles: list[tuple[str, list[tuple[str, list[tuple]]]]]) -> dict:
    data = []
    for title, paras in articles:
        ps = []
        for context, qas in paras:
            ps.append({"context": context, "qas": [
                {"id": f"{title}{i}", "question": q, "is_impossible": a is None,
                 "answers": [] if a is None else [{"text": a, "answer_start": context.find(a)}]}
                for i, (q, a) in enumerate(qas)
            ]})  # fmt: skip
        data.append({"title": title, "paragraphs": ps})
    return {"version": "x", "data": data}


@pytest.fixture
def qa_dir(tmp_path: Path) -> Path:
    para = (
        "The river rises in the Alps. It flows north for 1,230 kilometres. "
        "Its delta lies in the Netherlands. The river carries barges and ships."
    )
    other = "The city has a cathedral built in 1248. The cathedral has two towers of stone."
    train = _squad([("Rhine", [
        (para, [("How long is the river?", "1,230 kilometres"),
                ("Where is the delta?", "the Netherlands"),
                ("What carries barges?", "The river")]),  # twice in the paragraph: ambiguous
        (other, [("When was the cathedral built?", "1248")]),
    ])])  # fmt: skip
    dev = _squad([("Cologne", [(other, [("How many towers are there?", "two towers"),
                                         ("Who designed the towers?", None)])])])  # fmt: skip
    (tmp_path / "squad").mkdir()
    for name, obj in (("train-v1.1.json.gz", train), ("dev-v2.0.json.gz", dev)):
        with gzip.open(tmp_path / "squad" / name, "wt") as f:
            json.dump(obj, f)
    return tmp_path


def test_pairs_label_the_answer_sentence_and_drop_ambiguous_answers(qa_dir: Path) -> None:
    groups, counts = pairs.build_groups(qa_dir, seed=1, unanswered_rate=0.0)
    by_q = {g.question: g for g in groups}
    assert counts.dropped_ambiguous == 1 and "What carries barges?" not in by_q
    g = by_q["How long is the river?"]
    pos = [c for c, y in zip(g.candidates, g.labels, strict=True) if y]
    # the positive is the sentence with the answer, read with its heading and, because it
    # opens with "It", the sentence before it
    assert pos == ["It flows north for 1,230 kilometres. | Rhine | The river rises in the Alps."]
    assert sum(g.labels) == 1 and len(g.candidates) == pairs.GROUP
    assert all("1,230" not in c for c, y in zip(g.candidates, g.labels, strict=True) if not y)
    # a SQuAD 2.0 unanswerable question of a training article: every candidate is negative
    (u,) = [g for g in groups if g.source == "squad2-unanswerable"]
    assert u.question == "Who designed the towers?" and not any(u.labels)
    # no (question, candidate) pair twice
    seen = [(g.question, c) for g in groups for c in g.candidates]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("question", "sentence", "pool", "expected"),
    [
        # a number the sentence states becomes another of the same length from the article
        ("How far did the river flow in 1995?", "In 1995 the river flowed 30 km.",
         ([], ["1995", "2001", "12"]), ("How far did the river flow in 2001?", "2001")),
        # a name the sentence states becomes another name it does not state
        ("Where does the Rhine rise?", "The Rhine rises in the Alps.",
         (["Rhine", "Alps", "Danube"], []), ("Where does the Danube rise?", "Danube")),
        # nothing the sentence states to swap: no near miss
        ("Where does it rise?", "The Rhine rises in the Alps.", (["Danube"], ["3"]), None),
        # the only other name is in the sentence too: no near miss
        ("Where does the Rhine rise?", "The Rhine rises in the Alps.", (["Alps"], []), None),
    ],
)  # fmt: skip
def test_near_miss_swaps_what_the_sentence_states_for_what_it_does_not(
    question: str, sentence: str, pool: tuple, expected: tuple | None
) -> None:
    import random

    assert pairs.near_miss(question, sentence, pool, random.Random(0)) == expected


def test_near_miss_groups_are_all_negative_and_never_state_the_new_mention(tmp_path: Path) -> None:
    para = ("The Rhine rises in the Alps. The Rhine reaches the sea at Rotterdam. "
            "The Danube rises in the Black Forest.")  # fmt: skip
    train = _squad([("Rivers", [(para, [("Where does the Rhine reach the sea?", "Rotterdam")])])])
    dev = _squad([("Other", [("A line. Another line.", [("What?", None)])])])
    (tmp_path / "squad").mkdir()
    for name, obj in (("train-v1.1.json.gz", train), ("dev-v2.0.json.gz", dev)):
        with gzip.open(tmp_path / "squad" / name, "wt") as f:
            json.dump(obj, f)
    groups, counts = pairs.build_groups(tmp_path, seed=1, unanswered_rate=0.0, near_miss_rate=1.0)
    (g,) = [g for g in groups if g.source == "near-miss"]
    assert counts.groups["near-miss"] == 1 and not any(g.labels)
    new = next(n for n in ("Danube", "Black Forest", "Alps") if n in g.question)
    assert "Rhine" not in g.question and all(new not in c for c in g.candidates)
    assert g.candidates[0].startswith("The Rhine reaches the sea at Rotterdam.")


def test_int8_weights_load_back_close_to_the_trained_ones() -> None:
    import torch

    from assistant.answer.reader.model import dequantise, quantise

    torch.manual_seed(0)
    state = {"layer.weight": torch.randn(384, 1536) * 0.05, "layer.bias": torch.randn(384)}
    stored = quantise(state)
    assert stored["layer.weight"].dtype == torch.int8 and "layer.weight.scale" in stored
    assert stored["layer.bias"].dtype == torch.float16  # vectors stay fp16
    back = dequantise(stored)
    assert set(back) == set(state)
    err = (back["layer.weight"] - state["layer.weight"]).abs().max()
    assert err <= state["layer.weight"].abs().max() / 127  # half a step, plus fp16 scale


def test_training_checkpoints_resumes_and_writes_weights(qa_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    work, out = tmp_path / "work", tmp_path / "out"
    args = ["train", "--qa-dir", str(qa_dir), "--work", str(work), "--out", str(out),
            "--per-batch", "1", "--frozen-layers", "5", "--checkpoint-every", "1",
            "--near-miss-rate", "1.0", "--int8"]  # fmt: skip
    first = runner.invoke(train_app, [*args, "--stop-after", "1"])
    assert first.exit_code == 0, first.output
    assert "run again to resume" in first.output and not out.exists()
    second = runner.invoke(train_app, args)
    assert second.exit_code == 0, second.output
    assert "resuming at step 1/" in second.output
    log = [json.loads(line) for line in (work / "loss.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, len(log) + 1))  # each step once
    meta = json.loads((out / "reader.json").read_text())
    assert meta["sha256"] == sha256(out / "reader.safetensors")
    assert len(meta["probe_logits"]) == len(PROBES)  # recorded through the int8 weights
    assert meta["format"] == 2 and meta["settings"]["near_miss_rate"] == 1.0
    from safetensors.torch import load_file

    stored = load_file(str(out / "reader.safetensors"))
    assert any(t.dtype.itemsize == 1 for t in stored.values())  # int8 matrices
    # a checkpoint from other settings is refused, not silently mixed in
    other = runner.invoke(train_app, [*args, "--seed", "99"])
    assert other.exit_code != 0 and "another run" in other.output


def test_training_refuses_a_missing_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(train_app, ["train", "--qa-dir", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "no SQuAD data" in result.output


@pytest.mark.slow
def test_length_sorted_batches_give_each_candidate_its_own_logit() -> None:
    from assistant.answer.reader.runtime import load_reader

    reader = load_reader()
    question = PROBES[0][0]
    cands = [c for _, c in PROBES] + ["Five per cent " * n + "| Carbon tax" for n in (1, 9, 30)]
    cands += ["short", "Companies may offset taxes. " * 12]  # 9 pairs: two batches
    together = reader.logits(question, cands)
    alone = [float(reader.logits(question, [c])[0]) for c in cands]
    assert np.allclose(together, alone, atol=1e-4)


def _candidate(text: str, rank: int = 1):  # noqa: ANN202 - Candidate
    from assistant.answer.candidates import Candidate
    from assistant.answer.sentences import Unit
    from assistant.types import BlockKind

    unit = Unit("doc", 0, len(text), text, BlockKind.PARAGRAPH, 0, len(text))
    return Candidate(unit, None, rank, f"{text} | Agreements")  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_reader_reads_only_prefiltered_candidates_of_the_asked_type() -> None:
    from assistant.answer import scoring
    from assistant.answer.reader.runtime import load_reader

    reader = load_reader()
    read: list[str] = []

    class Recording:
        def score(self, question: str, texts: list[str]) -> np.ndarray:
            read.extend(texts)
            return reader.score(question, texts)

    answer = "Singapore and Ghana signed the Implementation Agreement on 1 May 2024."
    dated = [f"The carbon tax report was published on {d} March 2023." for d in range(1, 16)]
    undated = ["Ghana is a host country.", "The Implementation Agreement was signed by both."]
    cands = [_candidate(t, 1 + i // 4) for i, t in enumerate([*dated, *undated, answer])]
    out = scoring.scored(Recording(), "When was the agreement with Ghana signed?", cands)

    assert out[0].unit.text == answer and out[0].prob > 0.5
    assert len(read) <= scoring.PREFILTER_K < len(cands)
    assert not any(t.startswith(tuple(undated)) for t in read)  # no date: not read at all
    unread = {c.unit.text for c in cands} - {t.split(" | ")[0] for t in read}
    assert unread and all(c.prob == 0.0 for c in out if c.unit.text in unread)


def test_a_reader_weights_folder_in_the_settings_is_the_one_read(tmp_path: Path) -> None:
    from assistant.answer.composer import Answerer
    from assistant.config import Settings
    from assistant.errors import ConfigError

    empty = tmp_path / "weights"
    empty.mkdir()
    answerer = Answerer(Settings(data_dir=tmp_path / "data", reader_weights=empty), None, None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="weights are missing"):
        answerer.reader  # noqa: B018
