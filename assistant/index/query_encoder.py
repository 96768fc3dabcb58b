"""A light query encoder: the same all-MiniLM-L6-v2 weights, run with onnxruntime.

Why this exists (hand-rolled on purpose): llama-index's ``HuggingFaceEmbedding`` imports
sentence-transformers, torch, transformers and scikit-learn, which takes about 10 s of a 14 s
cold start on a 2-CPU machine (measured with ``python -X importtime``). A question needs only
its own vector: the passages' and sentences' vectors are in Chroma and the embedding cache.

So the first time the full model is loaded (at ingest, which needs it anyway), its weights are
exported once to ONNX under the cache directory, checked against the full model on probe
sentences, and from then on a new process embeds questions with onnxruntime and the fast
``tokenizers`` library (both already installed as chromadb dependencies), without importing
torch. The pipeline is sentence-transformers' own for this model (``modules.json``): the
transformer, mean pooling over the attention mask, L2 normalisation, 256 tokens at most.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
PROBES = [
    "What share of taxable emissions can be offset with international carbon credits?",
    "Singapore and Peru signed an Implementation Agreement on 31 March 2025.",
    "ITMOs, corresponding adjustments and Article 6.2 of the Paris Agreement",
    "x",
]
MIN_AGREEMENT = 0.9999  # cosine between the ONNX and the full model's vectors on every probe


class OnnxQueryEncoder:
    """Embeds short texts with an exported ONNX copy of the model. Safe to share between threads."""

    def __init__(self, onnx_path: Path, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.no_padding()
        self._session = cpu_session(onnx_path)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        enc = self._tok.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.asarray([enc.type_ids], dtype=np.int64)
        with self._lock:
            hidden = self._session.run(None, feed)[0]  # (1, tokens, 384)
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        vec = pooled[0]
        return (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)


def export(model_dir: Path, onnx_path: Path, reference) -> bool:  # noqa: ANN001
    """Export the transformer in ``model_dir`` to ``onnx_path``; keep it only if it agrees.

    ``reference(text) -> vector`` is the full model's query embedding. Returns True when the
    exported file was written and agrees with it on every probe sentence.
    """
    import torch
    from transformers import AutoModel

    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_suffix(f".{os.getpid()}.tmp")
    try:
        bert = AutoModel.from_pretrained(str(model_dir)).eval()

        class Hidden(torch.nn.Module):  # keyword arguments: forward()'s order varies by version
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
                return self.bert(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        ids = torch.ones((1, 8), dtype=torch.long)
        # The tracer warns that the attention-mask arithmetic is recorded as a constant and
        # about opset details: expected for this graph, and the agreement check below is what
        # decides whether the export is used. Shown to users, they read like a fault.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden().eval(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"}
                    for name in ("input_ids", "attention_mask", "token_type_ids")
                }
                | {"last_hidden_state": {0: "batch", 1: "tokens"}},
                opset_version=17,
                dynamo=False,
            )
        encoder = OnnxQueryEncoder(tmp, model_dir)
        worst = min(
            float(np.dot(encoder.embed(p), np.asarray(reference(p), dtype=np.float32)))
            for p in PROBES
        )
        if worst < MIN_AGREEMENT:
            log.warning("ONNX query encoder disagrees with the model (cosine %.6f); unused", worst)
            return False
        os.replace(tmp, onnx_path)  # atomic: other processes see a whole file or none
        return True
    except Exception as exc:  # an optional speed-up: any failure leaves the full model in use
        log.warning("could not export the ONNX query encoder: %s", str(exc)[:300])
        return False
    finally:
        tmp.unlink(missing_ok=True)


def cpu_session(onnx_path: Path):  # noqa: ANN201 - onnxruntime.InferenceSession, imported lazily
    """An onnxruntime CPU session on at most two threads (the machines this runs on), quiet."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(2, os.cpu_count() or 1)
    opts.log_severity_level = 3
    return ort.InferenceSession(
        str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"]
    )
