"""Ingest: file → ``Document`` → ``Chunk``s.

``loaders`` reads each format (``pdf`` the layout of PDFs), ``manifest`` gives each file its
metadata, ``chunking`` cuts a document into cited chunks. Nothing here touches the index.
"""

from assistant.ingest.chunking import block_at, chunk_document, footnote_section, section_path
from assistant.ingest.loaders import LOADER_VERSION, iter_files, load_file, load_folder
from assistant.ingest.manifest import KNOWN_COUNTRIES, ManifestEntry, entry_for

__all__ = [
    "KNOWN_COUNTRIES",
    "LOADER_VERSION",
    "ManifestEntry",
    "block_at",
    "chunk_document",
    "entry_for",
    "footnote_section",
    "iter_files",
    "load_file",
    "load_folder",
    "section_path",
]
