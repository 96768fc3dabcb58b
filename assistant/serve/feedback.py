"""Thumbs up/down on answers, with an optional comment: one JSON object per line.

Each record holds what is needed to judge the answer later without the index: the question,
the answer text, its citations (with their quotes), whether it abstained, and where it came
from. The file is ``<data_dir>/feedback.jsonl``; records are only ever appended.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from assistant.types import Citation

FEEDBACK_FILE = "feedback.jsonl"
MAX_COMMENT_CHARS = 4000
_lock = threading.Lock()  # one app process appends from several worker threads


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


def feedback_path(data_dir: Path) -> Path:
    return Path(data_dir) / FEEDBACK_FILE


def record_feedback(
    path: Path,
    *,
    rating: Rating | str,
    question: str,
    answer: str,
    citations: tuple[Citation, ...] | list[Citation] = (),
    abstained: bool = False,
    source: str = "documents",
    comment: str = "",
    user: str | None = None,
) -> dict:
    """Append one feedback record to ``path`` (created with its folder when missing).

    Args:
        rating: ``"up"`` or ``"down"``.
        question, answer: the turn being rated; ``answer`` keeps its ``[n]`` markers.
        citations: the answer's citations, saved in full so the record stands alone.
        source: what produced the answer ("documents", "eligibility checker", ...).
        comment: optional free text; trimmed to MAX_COMMENT_CHARS.
        user: the logged-in user, when login is on.
    Returns:
        The record as written.
    Raises:
        ValueError: an unknown rating.
    """
    record = {
        "id": uuid.uuid4().hex,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": str(Rating(rating)),
        "comment": (comment or "").strip()[:MAX_COMMENT_CHARS],
        "question": question,
        "answer": answer,
        "abstained": abstained,
        "source": source,
        "citations": [c.to_dict() for c in citations],
        "user": user,
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as f:
        f.write(line)
    return record


def read_feedback(path: Path) -> list[dict]:
    """All records in ``path``, oldest first; an absent file has none."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
