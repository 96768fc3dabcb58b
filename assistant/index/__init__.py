"""Index: chunks → vectors and terms → the Chroma store, and back.

``embedding`` (the bundled MiniLM, cached by content hash), ``query_encoder`` (the same model
as a torch-free ONNX file for queries), ``lexical`` (BM25), ``store`` (the only chromadb
import) and ``indexer``, the incremental, crash-safe runner that reads files with
:mod:`assistant.ingest` and writes their chunks here.
"""

from assistant.index.embedding import Embedder, MiniLMEmbedder, bundled_model_path
from assistant.index.indexer import (
    IngestReport,
    Progress,
    embedding_text,
    index_documents,
    ingest,
    remove_document,
)
from assistant.index.lexical import BM25Index, TermTokenizer
from assistant.index.query_encoder import cpu_session
from assistant.index.store import ChromaStore, DocRecord

__all__ = [
    "BM25Index",
    "ChromaStore",
    "DocRecord",
    "Embedder",
    "IngestReport",
    "MiniLMEmbedder",
    "Progress",
    "TermTokenizer",
    "bundled_model_path",
    "cpu_session",
    "embedding_text",
    "index_documents",
    "ingest",
    "remove_document",
]
