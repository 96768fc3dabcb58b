"""The ONNX query encoder must give the full model's vectors, without loading the full model."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embedding import MiniLMEmbedder

pytestmark = pytest.mark.slow

TEXTS = [
    "What is the carbon tax rate in 2026?",
    "Singapore–Papua New Guinea Implementation Agreement, Annex C (ITMOs)",
    "word " * 600,  # longer than the model's 256 tokens: both truncate the same way
    "",
]


def test_exported_encoder_matches_the_model_and_skips_torch(tmp_path: Path) -> None:
    full = MiniLMEmbedder(tmp_path)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reference = [np.asarray(full.model.get_query_embedding(t), dtype=np.float32) for t in TEXTS]
    assert (tmp_path / "onnx" / "all-MiniLM-L6-v2.onnx").is_file()  # exported on first load
    # the tracer's expected warnings are not shown to users as if something had gone wrong
    assert not [w for w in seen if "onnx" in w.filename or "Tracer" in str(w.category)], [
        str(w.message)[:80] for w in seen
    ]

    fresh = MiniLMEmbedder(tmp_path)  # a new process's embedder over the same cache
    for text, ref in zip(TEXTS, reference, strict=True):
        vec = fresh.embed_query(text)
        assert vec.shape == (384,)
        assert float(vec @ ref) > 0.9999
    assert fresh._model is None  # questions never needed the full model


def test_without_a_cache_dir_the_full_model_answers() -> None:
    e = MiniLMEmbedder(None)
    v = e.embed_query("carbon credits")
    assert e._model is not None and abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_a_corrupt_export_falls_back_to_the_full_model(tmp_path: Path) -> None:
    path = tmp_path / "onnx" / "all-MiniLM-L6-v2.onnx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an onnx model")
    e = MiniLMEmbedder(tmp_path)
    v = e.embed_query("carbon credits")
    assert e._model is not None and v.shape == (384,)
