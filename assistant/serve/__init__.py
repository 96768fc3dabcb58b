"""Serve: what the app and the API hand to people.

``present`` (answers, sources and tools as Markdown/HTML), ``uploads`` (checked files into the
index), ``auth`` (users from ``ASSISTANT_AUTH``), ``feedback`` (👍/👎 records) and ``audit``
(the trail of answered questions).
"""

from assistant.serve import present
from assistant.serve.audit import AuditLog, audit_path, parse_when, read_entries
from assistant.serve.auth import UserTable, load_users
from assistant.serve.feedback import feedback_path, read_feedback, record_feedback
from assistant.serve.present import Turn
from assistant.serve.uploads import ALLOWED_SUFFIXES, UploadError, UploadResult, add_upload

__all__ = [
    "ALLOWED_SUFFIXES",
    "AuditLog",
    "Turn",
    "UploadError",
    "UploadResult",
    "UserTable",
    "add_upload",
    "audit_path",
    "feedback_path",
    "load_users",
    "parse_when",
    "present",
    "read_entries",
    "read_feedback",
    "record_feedback",
]
