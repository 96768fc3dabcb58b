"""The eval suite: metric definitions on hand-made answers, the gate, the regression report,
and one real `python -m evals --no-baselines` run on the corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.types import Answer, AnswerMode, Citation
from evals import suite
from evals.suite import AnswerItem, Threshold
from tests.conftest import ROOT

DOC = "sg-icc-eligibility-list-2023"


def cite(n: int, quote: str, start: int = 0, doc: str = DOC) -> Citation:
    return Citation(
        n, f"c{n}", doc, "title", "", None, None, None, quote, start, start + len(quote)
    )


def answer(text: str, *citations: Citation, abstained: bool = False) -> Answer:
    return Answer("q?", text, abstained, AnswerMode.EXTRACTIVE, tuple(citations), latency_ms=12.5)


def item(facts: list[list[str]], answerable: bool = True, split: str = "dev") -> AnswerItem:
    support = ((DOC, "offset up to five per cent"),) if answerable else ()
    kind = "single" if answerable else "unanswerable"
    return AnswerItem("a1", "q?", answerable, tuple(map(tuple, facts)), support, kind, split)


FIVE = [["five per cent", "5%"]]
GOLD = [(DOC, 100, 130)]  # where the support quote sits in its document


# -- facts and citations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Up to FIVE PER CENT of emissions. [1]", True),  # case-insensitive
        ("Up to five\n per   cent. [1]", True),  # whitespace-insensitive
        ("Up to 5% of emissions.", True),  # any alternative
        ("Up to five percent.", False),  # not a listed alternative
        ("Up to 15% of emissions.", False),  # inside a larger number
        ("Up to 5.5% of emissions.", False),
    ],
)
def test_a_fact_is_found_by_any_alternative(text: str, found: bool) -> None:
    assert suite.fact_found(text, FIVE[0]) is found


def test_a_fact_starts_at_a_word_but_may_be_a_stem() -> None:
    assert not suite.fact_found("the content of the agreement", ["ten"])
    assert suite.fact_found("ten agreements", ["ten"])
    assert suite.fact_found("the listed exceptions apply", ["exception"])  # a stem
    assert not suite.fact_found("S$450 per tonne", ["S$45"])


def test_quote_marks_do_not_matter() -> None:
    assert suite.fact_found("the “Sectoral Scope 3” category", ['"Sectoral Scope 3"'])


def test_a_citation_supports_by_holding_a_fact_or_overlapping_the_gold_passage() -> None:
    assert suite.citation_supports(cite(1, "offset up to five per cent", 500), FIVE, GOLD)
    # no fact in the quote, but the span overlaps the gold support span [100, 130)
    assert suite.citation_supports(cite(1, "x" * 20, 120), FIVE, GOLD)
    # touching is not overlapping: [130, 150) starts where the gold span ends
    assert not suite.citation_supports(cite(1, "x" * 20, 130), FIVE, GOLD)
    # same offsets in another document
    assert not suite.citation_supports(cite(1, "x" * 20, 120, doc="other"), FIVE, GOLD)


def test_a_right_answer_with_supporting_citations_passes() -> None:
    row = suite.score_answer(item(FIVE), answer("Five per cent. [1]", cite(1, "five per cent")))
    assert row["passed"] and row["problems"] == []
    assert row["facts"] == [{"alternatives": FIVE[0], "found": True, "cited": True}]
    assert row["length"] == len("Five per cent. [1]") and row["latency_ms"] == 12.5


def test_an_off_topic_citation_fails_the_row_but_not_the_fact() -> None:
    a = answer("Five per cent. [1] Other. [2]", cite(1, "five per cent"), cite(2, "Other.", 900))
    row = suite.score_answer(item(FIVE), a, GOLD)
    assert not row["passed"] and row["facts"][0]["found"]
    assert row["problems"] == ["citation [2] does not support a fact"]


def test_a_fact_stated_but_not_in_any_citation_is_ungrounded() -> None:
    row = suite.score_answer(item(FIVE), answer("Five per cent. [1]", cite(1, "x", 120)), GOLD)
    assert row["facts"][0] == {"alternatives": FIVE[0], "found": True, "cited": False}
    assert row["passed"]  # the citation overlaps the gold passage, so it supports


def test_abstentions() -> None:
    no = answer("The documents do not state this. five per cent", abstained=True)
    row = suite.score_answer(item(FIVE), no)
    # an abstention never counts a fact as found, even if its text happens to contain it
    assert not row["passed"] and not row["facts"][0]["found"]
    assert row["problems"] == ["abstained on an answerable question"]
    assert suite.score_answer(item([], answerable=False), no)["passed"]
    answered = suite.score_answer(item([], answerable=False), answer("Guess. [1]", cite(1, "G")))
    assert answered["problems"] == ["answered an unanswerable question"]


def test_answer_metrics() -> None:
    rows = [
        suite.score_answer(item(FIVE), answer("5% [1]", cite(1, "5%"))),  # right
        suite.score_answer(item(FIVE), answer("Ten. [1] [2]", cite(1, "Ten."), cite(2, "5%"))),
        suite.score_answer(item(FIVE), answer("No.", abstained=True)),  # false abstention
        suite.score_answer(item([], False), answer("No.", abstained=True)),  # right abstention
        suite.score_answer(item([], False), answer("x" * 11, cite(1, "x"))),  # answered
    ]
    m = suite.answer_metrics(rows)
    assert m["fact_accuracy"] == pytest.approx(1 / 3)
    assert m["citation_precision"] == pytest.approx(2 / 3)  # over answered answerable items
    assert m["fact_grounding"] == 1.0  # the one stated fact, "5%", is in a citation
    assert m["abstention_accuracy"] == 0.5
    assert m["false_abstention_rate"] == pytest.approx(1 / 3)
    assert m["median_answer_length"] == 11.0  # of 6, 12 and 11 characters: not abstentions
    assert m["pass_rate"] == 0.4 and m["n"] == 5


def test_metrics_with_nothing_to_measure_are_none_not_zero() -> None:
    rows = [suite.score_answer(item(FIVE), answer("No.", abstained=True))]
    m = suite.answer_metrics(rows)
    assert m["abstention_accuracy"] is None and m["citation_precision"] is None
    assert m["median_answer_length"] is None and m["fact_accuracy"] == 0.0


def test_percentiles_are_nearest_rank() -> None:
    assert suite.percentile([], 0.5) is None
    assert suite.percentile([5.0], 0.95) == 5.0
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert suite.percentile(values, 0.5) == 10.0
    assert suite.percentile(values, 0.95) == 19.0


def test_splits() -> None:
    rows = [{"split": "dev", "v": 1}, {"split": "test", "v": 2}]
    assert suite.in_split(rows, "all") == rows
    assert suite.in_split(rows, "test") == [rows[1]]
    per = suite.per_split(rows, lambda rs: {"n": len(rs)}, ["dev", "test", "all"])
    assert per == {"dev": {"n": 1}, "test": {"n": 1}, "all": {"n": 2}}


# -- the gate ---------------------------------------------------------------------------------


def test_the_real_thresholds_load_and_gate_every_metric_the_suite_reports() -> None:
    thresholds, tolerances = suite.load_thresholds()
    names = {t.metric for t in thresholds}
    reported = {f"retrieval.{m}" for m in suite.RETRIEVAL_METRICS}
    reported |= {f"answers.{m}" for m in suite.ANSWER_METRICS}
    reported |= {"eligibility.verdict_accuracy", "latency.p50_ms", "latency.p95_ms"}
    assert names == reported
    assert {t.split for t in thresholds} == {"all"}
    assert set(tolerances) == {"quality", "latency"}
    for t in thresholds:
        # a gate looser than its target must say why
        if t.target is not None and not t.meets(t.gate, t.target):
            assert "below target" in t.note.lower(), t.metric


def test_a_malformed_threshold_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[metrics."answers.fact_accuracy"]\ngaet = 0.8\n')
    with pytest.raises(ValueError, match="needs gate"):
        suite.load_thresholds(bad)
    bad.write_text('[metrics."answers.fact_accuracy"]\ngate = 0.8\nbetter = "more"\n')
    with pytest.raises(ValueError, match="higher"):
        suite.load_thresholds(bad)


def test_gates() -> None:
    metrics = {
        "answers.fact_accuracy": {"dev": 0.9, "test": 0.79, "all": 0.84},
        "latency.p95_ms": {"all": 900.0},
        "answers.abstention_accuracy": {"all": None},
    }
    thresholds = [
        Threshold("answers.fact_accuracy", "all", gate=0.80, target=0.90),
        Threshold("answers.fact_accuracy", "test", gate=0.80),
        Threshold("latency.p95_ms", "all", gate=1000, higher_is_better=False),
        Threshold("latency.p95_ms", "all", gate=800, higher_is_better=False),
        Threshold("answers.fact_acuracy", "all", gate=0.5),  # a typo
        Threshold("answers.abstention_accuracy", "all", gate=0.8),  # nothing measured
    ]
    gates = suite.check_gates(metrics, thresholds)
    assert [g["status"] for g in gates] == ["pass", "fail", "pass", "fail", "missing", "skipped"]
    assert gates[0]["meets_target"] is False and gates[0]["value"] == 0.84
    assert gates[2]["meets_target"] is None  # no target
    assert [g["metric"] for g in suite.failed_gates(gates)] == [
        "answers.fact_accuracy",
        "latency.p95_ms",
        "answers.fact_acuracy",
    ]


def test_a_gate_on_a_split_that_was_not_run_is_skipped() -> None:
    gates = suite.check_gates(
        {"answers.fact_accuracy": {"dev": 0.5}}, [Threshold("answers.fact_accuracy", "all", 0.8)]
    )
    assert gates[0]["status"] == "skipped" and not suite.failed_gates(gates)


# -- regressions ------------------------------------------------------------------------------


def result(fact: float, p50: float, passed: dict[str, bool]) -> dict:
    rows = [{"id": i, "split": "test", "passed": p} for i, p in passed.items()]
    return {
        "run": {"started": "2026-01-01T00:00:00+00:00"},
        "metrics": {
            "answers.fact_accuracy": {"test": fact, "all": fact},
            "answers.false_abstention_rate": {"all": 0.0},
            "latency.p50_ms": {"all": p50},
        },
        "rows": {"answers": rows},
    }


def test_compare_reports_metric_regressions_and_flips() -> None:
    before = result(0.85, 400.0, {"a1": True, "a2": False, "a3": True})
    now = result(0.80, 480.0, {"a1": False, "a2": True, "a3": True, "a4": False})
    now["metrics"]["answers.false_abstention_rate"]["all"] = 0.02  # lower is better: worse
    reg = suite.compare(now, before, {"latency": 0.25})
    regressed = {(d["metric"], d["split"]) for d in reg["regressed_metrics"]}
    assert regressed == {
        ("answers.fact_accuracy", "test"),
        ("answers.fact_accuracy", "all"),
        ("answers.false_abstention_rate", "all"),
    }  # latency rose 20%, within its 25% tolerance
    assert reg["pass_to_fail"] == [{"set": "answers", "id": "a1", "split": "test"}]
    assert reg["fail_to_pass"] == [{"set": "answers", "id": "a2", "split": "test"}]
    assert reg["previous_started"] == "2026-01-01T00:00:00+00:00"
    slower = result(0.85, 600.0, {})
    assert [d["metric"] for d in suite.compare(slower, before)["regressed_metrics"]] == [
        "latency.p50_ms"
    ]


def test_compare_with_itself_reports_nothing() -> None:
    r = result(0.85, 400.0, {"a1": True})
    reg = suite.compare(r, r)
    assert reg["regressed_metrics"] == [] and reg["pass_to_fail"] == reg["fail_to_pass"] == []


# -- the report -------------------------------------------------------------------------------


def tiny_result(split: str = "all", fail: bool = False) -> dict:
    """A small result through the suite's own summarising, as run_suite would build it."""
    from evals.retrieval_eval import RetrievalItem

    splits = list(suite.SPLITS) if split == "all" else [split]
    a_rows = [
        suite.score_answer(item(FIVE, split="dev"), answer("5% [1]", cite(1, "5%"))),
        suite.score_answer(item(FIVE, split="test"), answer("Ten <b>. [1]", cite(1, "Ten"))),
        suite.score_answer(item([], False, "test"), answer("No.", abstained=True)),
    ]
    r_items = [
        RetrievalItem("r1", "q1?", DOC, "quote", "dev"),
        RetrievalItem("r2", "q2?", DOC, "q", "test"),
    ]
    ranks = {"r1": 1, "r2": None}
    r_rows = [suite.ranking_row(i, ["c1", "c2"], ranks[i.id]) for i in r_items]
    e_rows = [
        {"id": "e1", "split": "dev", "input": {"host_country": "PNG"}, "expected": "eligible",
         "verdict": "eligible", "reasons": ["Listed."], "why": "", "passed": True},
    ]  # fmt: skip
    retrieval = {"hybrid": ("Hybrid", suite.in_split(r_rows, split))}
    retrieval["bm25"] = ("BM25 only", retrieval["hybrid"][1])
    answers = {"composer": ("Composer", suite.in_split(a_rows, split))}
    answers["top_passage"] = ("Top passage", answers["composer"][1])
    systems = suite.summarise(retrieval, answers, suite.in_split(e_rows, split), splits)
    result = {
        "run": {"started": "now", "split": split, "splits": splits, "elapsed_s": 1.0,
                "timings_s": {"answers": 1.0}},
        "config": {"answer_threshold": 0.47, "fusion": "rrf", "embedding_model": "m", "llm": False},
        "corpus": {"documents": 1, "chunks": 2},
        "gold": {"answers": {s: len(suite.in_split(a_rows, s)) for s in splits}},
        "systems": systems,
        "metrics": suite.current_metrics(systems),
        "rows": {"retrieval": suite.retrieval_table(suite.in_split(r_items, split), retrieval),
                 "answers": answers["composer"][1], "eligibility": e_rows},
    }  # fmt: skip
    gate = 1.0 if fail else 0.1
    result["gates"] = suite.check_gates(
        result["metrics"], [Threshold("answers.fact_accuracy", "all", gate, target=0.9)]
    )
    return result


def test_report_formats() -> None:
    from evals import report

    assert report.fmt("latency.p50_ms", 1234.4) == "1,234 ms"
    assert report.fmt("answers.median_answer_length", 268.0) == "268 ch"
    assert report.fmt("answers.fact_accuracy", None) == "—"
    assert report.status_of({"status": "pass", "meets_target": False}) == "below target"


def test_the_verdict() -> None:
    from evals import report

    assert report.verdict(tiny_result("all"))[0] == "pass"
    state, message, failed = report.verdict(tiny_result("all", fail=True))
    assert state == "fail" and [g["metric"] for g in failed] == ["answers.fact_accuracy"]
    assert report.verdict(tiny_result("dev"))[:2] == ("none", report.verdict({})[1])


@pytest.mark.parametrize(("split", "fail"), [("all", True), ("dev", False)])
def test_report_renders_html_json_and_terminal(
    tmp_path: Path, split: str, fail: bool, capsys: pytest.CaptureFixture
) -> None:
    from rich.console import Console

    from evals import report

    result = tiny_result(split, fail)
    paths = report.write_outputs(result, tmp_path)
    assert json.loads(paths["latest"].read_text()) == json.loads(paths["json"].read_text())
    html = paths["html"].read_text()
    assert html.count("data:image/png;base64,") == (2 if split == "dev" else 3)
    assert "holdout split" in html
    if split == "all":
        assert "Ten &lt;b&gt;" in html and "<b>." not in html  # answer text is escaped
        assert html.index("test · single") < html.index("dev · single")  # failures first
    report.print_summary(result, Console(width=200, force_terminal=False))
    out = capsys.readouterr().out
    assert "answers.fact_accuracy" in out and ("Gate failed" in out) is fail


def test_eval_is_a_command_of_the_main_cli() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    r = CliRunner().invoke(app, ["eval", "--help"])
    assert r.exit_code == 0 and "--compare" in r.output and "holdout split" in r.output


# -- one real run ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_run_writes_json_and_html_and_exits_by_the_gate(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(
        json.dumps(
            {
                "run": {"started": "then"},
                "metrics": {"answers.fact_accuracy": {"all": 1.0}},
                "rows": {"answers": [{"id": "a069", "passed": True}]},
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    out = tmp_path / "results"
    r = subprocess.run(
        [sys.executable, "-m", "evals", "--no-baselines", "--out", str(out)]
        + ["--compare", str(previous)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert r.returncode in (0, 1), r.stderr
    latest = json.loads((out / "latest.json").read_text())
    [stamped] = out.glob("eval-*.json")
    assert json.loads(stamped.read_text()) == latest

    assert latest["schema"] == suite.SCHEMA and latest["run"]["splits"] == list(suite.SPLITS)
    assert latest["config"]["answer_threshold_calibrated_on"] == "dev+test"
    assert set(latest["systems"]["retrieval"]) == {"hybrid"}  # --no-baselines
    assert set(latest["systems"]["answers"]) == {"composer"}
    gold = latest["gold"]
    assert gold["answers"]["all"] == len(latest["rows"]["answers"]) >= 60
    assert gold["retrieval"]["all"] == len(latest["rows"]["retrieval"]) >= 40
    assert gold["eligibility"]["all"] == len(latest["rows"]["eligibility"]) > 0
    for name, per in latest["metrics"].items():
        assert set(per) == set(suite.SPLITS), name
        # holdout has answer items only: its retrieval and eligibility metrics are None
        assert all(isinstance(per[s], float | int) for s in ("dev", "test", "all")), name
    assert len(latest["gates"]) == len(suite.load_thresholds()[0])

    # the exit code is the gate's verdict, and a failed gate is named on the terminal
    failed = suite.failed_gates(latest["gates"])
    assert r.returncode == (1 if failed else 0)
    for g in failed:
        assert g["metric"] in r.stdout
    assert "holdout split" in r.stdout

    reg = latest["regressions"]
    assert reg["previous_started"] == "then"
    assert any(d["metric"] == "answers.fact_accuracy" for d in reg["regressed_metrics"])
    assert reg["pass_to_fail"] == [] or reg["pass_to_fail"][0]["id"] == "a069"

    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "http" not in html.split("<body>")[0]
    assert "holdout split" in html
