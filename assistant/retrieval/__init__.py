"""Retrieval: a query → ranked ``Hit``s.

``retriever`` runs dense and BM25 search over the index with filters, ``fusion`` merges the
two rankings, ``named`` puts the section a question names first, ``copies`` keeps one copy
of a text that two files hold, ``llama`` wraps it all as a llama-index retriever.
"""

from assistant.retrieval.copies import is_copy, preference, shingles
from assistant.retrieval.fusion import fuse
from assistant.retrieval.llama import make_llama_retriever
from assistant.retrieval.retriever import Filters, Retriever, Snapshot

__all__ = [
    "Filters",
    "Retriever",
    "Snapshot",
    "fuse",
    "is_copy",
    "make_llama_retriever",
    "preference",
    "shingles",
]
