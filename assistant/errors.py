"""The assistant's exceptions. Every message says what went wrong and what to do.

AssistantError
├── ConfigError           bad settings (path, endpoint, model not installed)
├── IngestError           a file could not be turned into a Document; names the file
│   ├── UnsupportedFileError   unknown extension or mismatched content
│   ├── EmptyDocumentError     no text (empty file, or a PDF with no text layer)
│   └── CorruptFileError       unreadable, undecodable or corrupt
├── IndexError_           the index is missing or inconsistent
└── QueryError            a question or filter that cannot be run (empty, too long)
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: any error the assistant reports to a user."""


class ConfigError(AssistantError):
    pass


class IngestError(AssistantError):
    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFileError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class CorruptFileError(IngestError):
    pass


class IndexError_(AssistantError):  # noqa: N801 - trailing underscore avoids shadowing IndexError
    pass


class QueryError(AssistantError):
    pass
