"""One Settings object, read from the environment (prefix ``ASSISTANT_``) once, at the edge.

The CLI and the app build it and pass it down; library code never reads ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.types import FusionMethod

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # Where things live.
    corpus_dir: Path = Field(default=PROJECT_ROOT / "corpus", description="Starting documents.")
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".data",
        description="Index, uploads, caches, feedback and audit logs (git-ignored).",
    )
    collection: str = Field(default="article6", description="Chroma collection name prefix.")

    # Chroma server mode: when set, the same code path talks to `chroma run` over HTTP.
    chroma_host: str | None = None
    chroma_port: int = 8000

    # Retrieval.
    top_k: int = Field(default=5, ge=1, le=100)
    candidates: int = Field(default=50, ge=1, le=1000, description="Per-retriever pool size.")
    # Tuned on SciFact train (809 queries), checked on the corpus gold set: a convex
    # combination of min-max normalised scores beat RRF (nDCG@10 0.738 vs 0.717), with the
    # best weight 0.45 at both 50 and 150 candidates; RRF itself does better with k=10 than 60.
    fusion: FusionMethod = FusionMethod.CONVEX
    rrf_k: int = Field(default=10, ge=1)
    dense_weight: float = Field(default=0.45, ge=0.0, le=1.0)
    embed_batch_size: int = Field(default=32, ge=1)
    # Hybrid search re-ranks its passages with the reader (assistant/answer/rerank.py).
    rerank: bool = Field(default=True, description="Re-rank hybrid search with the reader.")
    # ``ask`` hands an eligibility question naming a methodology, or an offset question, to the
    # compliance tools (assistant/compliance/handoff.py) when the corpus has their rules.
    tools: bool = Field(
        default=True, description="Answer eligibility and offset questions with the tools."
    )

    # Answering: a retrained reader (a folder laid out like assistant/answer/reader/weights)
    # can be tried, and calibrated with `python -m evals.calibrate`, without replacing the
    # shipped one.
    reader_weights: Path | None = Field(
        default=None, description="Reader weights folder (default: the shipped reader)."
    )

    # Chunking.
    chunk_chars: int = Field(default=900, ge=200, le=8000, description="Soft chunk size target.")

    # Optional LLM (any OpenAI-compatible endpoint).
    llm_base_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = 60.0

    # App.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None
    max_upload_mb: float = Field(default=20.0, gt=0)
    # Questions the app answers at once (its Gradio queue); the Assistant is thread-safe.
    # Answering is CPU-bound: on 2 cores, 8 or 20 at once gave fewer answers per second than
    # 4, a worse p95 and a 2.5x slower upload (evals/bench_load.py, docs/OPERATIONS.md).
    concurrency: int = Field(
        default_factory=lambda: min(64, 2 * (os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="Questions answered at once (default: twice the CPU count).",
    )

    # Audit trail of answered questions (assistant.serve.audit); evals and benchmarks turn it off.
    audit: bool = Field(default=True, description="Log every answer to <data_dir>/audit/.")
    audit_max_mb: float = Field(
        default=10.0, gt=0, description="Rotate the audit log at this size."
    )
    audit_backups: int = Field(default=10, ge=1, description="Rotated audit files kept.")

    @field_validator("corpus_dir", "data_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)
