"""The `assistant` command through its real entry point (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import N_CORPUS, ROOT

pytestmark = pytest.mark.slow


def run(
    args: list[str], data_dir: Path, stdin: str | None = None, corpus: Path | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    if corpus:
        env["ASSISTANT_CORPUS_DIR"] = str(corpus)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli-data")
    r = run(["ingest", "--json"], data)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["added"]) == N_CORPUS and report["failed"] == []
    return data


def test_search_json_contract(cli_index: Path) -> None:
    r = run(["search", "carbon tax rate in 2026", "--k", "3", "--json"], cli_index)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["query"] == "carbon tax rate in 2026" and len(out["results"]) == 3
    keys = {
        "chunk_id",
        "doc_id",
        "title",
        "section",
        "page",
        "published",
        "text",
        "start",
        "end",
        "score",
    }
    for res in out["results"]:
        assert keys <= set(res)
    assert any("S$45" in res["text"] for res in out["results"])


def test_search_reranks_unless_told_not_to(cli_index: Path) -> None:
    # Re-ranked scores are reciprocal-rank fusions (at most 2/61); --no-rerank gives the
    # hybrid fusion's own scores, the first of them well above that.
    query = ["search", "How much may a company offset with international credits?", "--json"]
    reranked = json.loads(run(query, cli_index).stdout)["results"]
    plain = json.loads(run([*query, "--no-rerank"], cli_index).stdout)["results"]
    assert all(r["score"] <= 2 / 61 + 1e-9 for r in reranked)
    assert plain[0]["score"] > 2 / 61
    assert len(plain) == len(reranked) == 5


def test_search_reads_queries_from_stdin_in_one_process(cli_index: Path) -> None:
    r = run(
        ["search", "-", "--k", "2"],
        cli_index,
        stdin="Joint Committee co-chairs\n\nPeru MOU signing date\n",
    )
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["Joint Committee co-chairs", "Peru MOU signing date"]
    assert all(len(x["results"]) == 2 for x in lines)


def test_status_and_reingest_is_a_noop(cli_index: Path) -> None:
    r = run(["ingest", "--json"], cli_index)
    assert (
        json.loads(r.stdout)["added"] == [] and len(json.loads(r.stdout)["unchanged"]) == N_CORPUS
    )
    st = json.loads(run(["status", "--json"], cli_index).stdout)
    assert st["documents"] == N_CORPUS and st["chunks"] > 0


def test_bad_input_gives_clear_errors(cli_index: Path, tmp_path: Path) -> None:
    r = run(["search", "x", "--from", "yesterday"], cli_index)
    assert r.returncode == 2 and "--from must be a date" in r.stderr and "Traceback" not in r.stderr
    r = run(["ingest", str(tmp_path / "missing.pdf")], cli_index)
    assert r.returncode == 2 and "no such file" in r.stderr
    (tmp_path / "empty.txt").write_text("")
    r = run(["ingest", str(tmp_path / "empty.txt")], cli_index)
    assert r.returncode == 1 and "empty.txt" in r.stderr and "Traceback" not in r.stderr


def test_help() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "assistant", "search", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0 and "--k" in r.stdout and "--country" in r.stdout


def test_ask_json_and_batch(cli_index: Path) -> None:
    r = run(["ask", "What is the carbon tax rate in 2026?", "--json"], cli_index)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["mode"] == "extractive" and not out["abstained"] and "S$45" in out["answer"]
    assert out["citations"][0]["quote"] and out["latency_ms"] > 0
    r = run(
        ["ask", "-"],
        cli_index,
        stdin="Who signed the Singapore–Peru MOU?\n\nWhat is the capital of France?\n",
    )
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 2 and not lines[0]["abstained"] and lines[1]["abstained"]
    assert lines[1]["related"]


def test_ask_hands_an_eligibility_question_to_the_checker(cli_index: Path) -> None:
    question = "Is VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0 eligible " \
        "for a VCS project in Papua New Guinea?"  # fmt: skip
    r = run(["ask", question], cli_index)
    assert r.returncode == 0, r.stderr
    # The whole verdict: its reasons and every condition, then the clauses it cites.
    assert r.stdout.startswith("Verdict: ELIGIBLE") and "Principle 7 of 7" in r.stdout
    assert "Annex A" in r.stdout and "[1] Singapore Publishes Eligibility List" in r.stdout
    out = json.loads(run(["ask", question, "--json"], cli_index).stdout)
    assert out["mode"] == "tool" and out["tool"] == "eligibility checker"
    assert out["result"]["verdict"] == "eligible" and len(out["result"]["conditions"]) > 7
    assert "ELIGIBLE" in out["answer"] and len(out["citations"]) < len(out["result"]["citations"])


def test_asked_questions_are_listed_by_the_audit_command(cli_index: Path) -> None:
    question = "When did Singapore and Peru sign their Implementation Agreement?"
    assert run(["ask", question], cli_index).returncode == 0
    r = run(["audit", "--since", "2000-01-01", "--json"], cli_index)
    assert r.returncode == 0, r.stderr
    entries = [json.loads(x) for x in r.stdout.splitlines()]
    mine = [e for e in entries if e["question"] == question]
    assert mine and mine[-1]["citations"] and mine[-1]["mode"] == "extractive"
    r = run(["audit", "--since", "yesterday"], cli_index)
    assert r.returncode == 2 and "--since must be a date" in r.stderr
