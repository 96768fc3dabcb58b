"""Article 6 carbon-market assistant: cited answers and compliance checks, offline.

    from assistant import Assistant, Settings
    a = Assistant(Settings())
    a.ask("What share of emissions can be offset?")

The stages, in the order data flows: ``ingest`` (files → documents → chunks), ``index``
(embeddings, BM25, the Chroma store), ``retrieval`` (ranked hits), ``answer`` (the reader and
the cited answer), ``compliance`` (eligibility, offsets, agreements), ``serve`` (what the app
shows), then :class:`Assistant` (``api``) over all of them, and the ``cli``. ``types``,
``config`` and ``errors`` are shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.config import Settings
    from assistant.types import Answer, Citation, Hit

__all__ = ["Answer", "Assistant", "Citation", "Hit", "Settings"]

_WHERE = {
    "Assistant": "assistant.api",
    "Settings": "assistant.config",
    "Answer": "assistant.types",
    "Citation": "assistant.types",
    "Hit": "assistant.types",
}


def __getattr__(name: str) -> object:
    # Resolved on first use (PEP 562): importing any one stage (``assistant.ingest``) runs
    # this file first, and an eager import of the API here would load every stage with it.
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
