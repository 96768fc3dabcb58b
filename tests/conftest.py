"""Shared fixtures. Every test gets a temporary data dir, a clean environment and no network.

The embedding model and a corpus index are built once per session (they are slow) and
shared read-only; tests that write get their own index via ``fresh_assistant``.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# Documents in corpus/ (one manifest entry each): tests count on it, not on a number.
N_CORPUS = sum(
    1 for line in (CORPUS / "manifest.yaml").read_text().splitlines() if line.startswith("  - id: ")
)
DATA = Path(__file__).resolve().parent / "data"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _is_local(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str | bytes) and not isinstance(address, tuple):
        return True  # AF_UNIX socket paths
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost",)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that leaves this machine (loopback stays allowed)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(address: object) -> None:
        if not _is_local(address):
            raise OSError(f"network access blocked in tests: {address!r}")

    def connect(self: socket.socket, address: object) -> object:
        guard(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> object:
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    from assistant.index.embedding import MiniLMEmbedder

    e = MiniLMEmbedder(cache_dir=tmp_path_factory.mktemp("embcache"))
    e.warm_up()
    return e


def make_settings(data_dir: Path, corpus_dir: Path = CORPUS, **kw: object):
    from assistant.config import Settings

    return Settings(data_dir=data_dir, corpus_dir=corpus_dir, **kw)


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory: pytest.TempPathFactory, embedder):
    """An Assistant over the real corpus, indexed once for the session. Read-only."""
    from assistant.api import Assistant

    a = Assistant(make_settings(tmp_path_factory.mktemp("corpus-index")), embedder=embedder)
    report = a.ingest()
    assert not report.failed, report.failed
    return a


@pytest.fixture
def fresh_assistant(tmp_path: Path, embedder):
    """An Assistant over an empty index and an empty corpus folder of its own."""
    from assistant.api import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return Assistant(make_settings(tmp_path / "index", corpus_dir=corpus), embedder=embedder)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus-copy"
    shutil.copytree(CORPUS, dst, ignore=shutil.ignore_patterns("rules"))
    return dst
