"""Chroma server mode: a real `chroma run` on loopback, reached through the same code path."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, DATA, make_settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-srv")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_search_and_ask_against_a_chroma_server(
    chroma_server: int, tmp_path: Path, embedder
) -> None:
    from assistant.api import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "002_b733d8bb322409ec.txt", corpus)
    shutil.copy(CORPUS / "manifest.yaml", corpus)
    settings = make_settings(
        tmp_path / "data",
        corpus_dir=corpus,
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
        collection="srvtest",
    )
    writer = Assistant(settings, embedder=embedder)
    report = writer.ingest()
    assert report.added == ["sg-icc-eligibility-list-2023"]
    assert writer.status().location.startswith("chroma://127.0.0.1:")
    assert not (tmp_path / "data" / "chroma").exists()  # nothing written locally

    # A second process-like client sees the same index; its BM25 follows the server.
    reader = Assistant(settings, embedder=embedder)
    assert (
        reader.search("carbon tax rate 2026", 1)[0].chunk.doc_id == "sg-icc-eligibility-list-2023"
    )
    before = reader.status().chunks
    shutil.copy(DATA / "sample.md", corpus)
    writer.ingest()
    hits = reader.search("Testland framework transfer of ITMOs", 3, mode="bm25")
    assert any(h.chunk.doc_id == "sample-md" for h in hits)
    assert reader.status().chunks > before
    answer = reader.ask("What is the carbon tax rate from 2026?")
    assert "S$45" in answer.answer and answer.citations

    # A removal by the writer reaches the reader's next question too (both retrievers).
    writer.remove("sample-md")
    for mode in ("bm25", "dense"):
        hits = reader.search("Testland framework transfer of ITMOs", 3, mode=mode)
        assert all(h.chunk.doc_id != "sample-md" for h in hits)
    assert reader.status().chunks == before
