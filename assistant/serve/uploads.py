"""Adding a user's file to the index: check it, save it under ``uploads/``, ingest it.

A file is refused before it reaches the index when its name is unsafe, its type is not one
the loaders read, it is too large, or its bytes do not match its type. A file that passes
these checks but still fails to load is deleted again, so a bad upload never changes the
index or leaves a file behind for the next ``assistant ingest``.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Protocol

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.index import DocRecord, IngestReport, Progress

ALLOWED_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".md", ".txt")
_TEXT_SUFFIXES = (".html", ".htm", ".md", ".txt")
_MAX_NAME = 120
_UNSAFE_CHARS = re.compile(r"[^\w.\-() ]+")
# Signatures of binary formats that must not pass as text (a renamed PDF, zip, image, program).
_BINARY_MAGIC = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x7fELF",
    b"MZ",
    b"\xd0\xcf\x11\xe0",  # legacy Office (.doc, .xls)
)
_DOCX_MAX_UNZIPPED = 500 * 1024 * 1024  # guards against zip bombs


class Indexes(Protocol):
    """What an upload is added to: :class:`assistant.api.Assistant` (typed structurally, so
    the serving helpers sit below the API that uses them)."""

    settings: Settings

    def ingest(
        self,
        paths: Iterable[Path] | None = None,
        *,
        prune: bool = True,
        progress: bool = False,
        on_progress: Progress | None = None,
    ) -> IngestReport: ...

    def documents(self) -> Mapping[str, DocRecord]: ...


class UploadError(AssistantError):
    """An upload was refused; the message says why, in words a user can act on."""


@dataclass(frozen=True)
class UploadResult:
    doc_id: str
    title: str
    chunks: int
    status: str  # "added", "updated" or "unchanged"
    path: Path

    @property
    def message(self) -> str:
        chunks = f"{self.chunks} chunk" + ("" if self.chunks == 1 else "s")
        if self.status == "unchanged":
            return f"'{self.title}' is already in the index ({chunks})."
        return f"Added '{self.title}' to the index ({chunks})."


def safe_name(name: str) -> str:
    """A file name that is safe to create in the uploads folder.

    Raises:
        UploadError: the name is absolute, climbs out with ``..``, or has no usable stem.
    """
    raw = (name or "").strip()
    win, posix = PureWindowsPath(raw), PurePosixPath(raw)
    if posix.is_absolute() or win.is_absolute() or win.drive or raw.startswith(("\\", "/")):
        raise UploadError(f"'{raw}': absolute file names are not accepted; upload the file itself")
    if ".." in posix.parts or ".." in win.parts:
        raise UploadError(f"'{raw}': file names with '..' are not accepted")
    base = win.name  # PureWindowsPath splits on both "/" and "\\"
    clean = _UNSAFE_CHARS.sub("_", base).strip(" .")
    stem, dot, suffix = clean.rpartition(".")
    if not dot:
        stem, suffix = clean, ""
    stem = stem.strip(" ._")[: _MAX_NAME - len(suffix) - 1]
    if not stem:
        raise UploadError(f"'{raw}': the file name is empty; rename the file and try again")
    return f"{stem}.{suffix.lower()}" if suffix else stem


def check_upload(path: Path, name: str, max_mb: float) -> str:
    """Validate an uploaded file and return the name it will be saved under.

    Args:
        path: where the uploaded bytes are now (e.g. Gradio's temporary file).
        name: the name the user gave the file; only its last component is used.
        max_mb: the size limit in megabytes (``Settings.max_upload_mb``).
    Raises:
        UploadError: unsafe name, unsupported type, empty or too large, or content that does
            not match the type (a PDF without the PDF header, a DOCX that is not a Word zip,
            binary data in a text file).
    """
    clean = safe_name(name)
    suffix = Path(clean).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(
            f"'{clean}': file type '{suffix or '(none)'}' is not supported; "
            f"upload PDF, DOCX, HTML, Markdown or TXT ({', '.join(ALLOWED_SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UploadError(f"'{clean}': the upload could not be read ({exc.strerror})") from exc
    if size == 0:
        raise UploadError(f"'{clean}': the file is empty")
    if size > max_mb * 1024 * 1024:
        raise UploadError(f"'{clean}' is {_size(size)}; the limit is {max_mb:g} MB")
    with path.open("rb") as f:
        head = f.read(8192)
    if suffix == ".pdf":
        # The PDF spec lets the header start anywhere in the first 1024 bytes.
        if b"%PDF-" not in head[:1024]:
            raise UploadError(f"'{clean}' is not a PDF (no PDF header); check the file type")
    elif suffix == ".docx":
        _check_docx(path, clean)
    elif suffix in _TEXT_SUFFIXES:
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if head.startswith(_BINARY_MAGIC) or (b"\x00" in head and not utf16):
            kind = "HTML" if suffix in (".html", ".htm") else "text"
            raise UploadError(f"'{clean}' is a binary file, not {kind}; check the file type")
    return clean


def _check_docx(path: Path, clean: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            unzipped = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"'{clean}' is not a DOCX file (not a Word document)") from exc
    if "word/document.xml" not in names:
        raise UploadError(f"'{clean}' is a zip file but not a Word document (.docx)")
    if unzipped > _DOCX_MAX_UNZIPPED:
        raise UploadError(f"'{clean}' expands to more than 500 MB; it is refused")


def save_upload(path: Path, name: str, uploads_dir: Path, max_mb: float) -> tuple[Path, bool]:
    """Check an upload and copy it into ``uploads_dir``.

    Returns:
        ``(saved path, created)``. ``created`` is False when an identical file of that name
        is already there; a different file of the same name gets a new name (``x-2.pdf``),
        so an upload never overwrites an indexed document.
    Raises:
        UploadError: see :func:`check_upload`.
    """
    clean = check_upload(path, name, max_mb)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    data = path.read_bytes()
    target = uploads_dir / clean
    n = 1
    while target.exists():
        if _digest(target.read_bytes()) == _digest(data):
            return target, False
        n += 1
        target = uploads_dir / f"{Path(clean).stem}-{n}{Path(clean).suffix}"
    target.write_bytes(data)
    return target, True


def add_upload(
    assistant: Indexes,
    path: Path,
    name: str,
    on_progress: Progress | None = None,
) -> UploadResult:
    """Check, save and index one uploaded file.

    Args:
        assistant: the assistant whose index receives the file.
        path: where the uploaded bytes are now.
        name: the user's file name.
        on_progress: ``callback(fraction, message)`` while ingesting.
    Raises:
        UploadError: the file was refused or could not be loaded (the loader's reason is
            given). Nothing is indexed and no file is left behind.
    """
    s = assistant.settings
    saved, created = save_upload(Path(path), name, s.uploads_dir, s.max_upload_mb)
    try:
        report = assistant.ingest([saved], prune=False, on_progress=on_progress)
    except Exception:
        if created:
            saved.unlink(missing_ok=True)
        raise
    if report.failed:
        if created:
            saved.unlink(missing_ok=True)
        _, reason = report.failed[0]
        raise UploadError(f"'{saved.name}' could not be read: {reason}")
    statuses = (("added", report.added), ("updated", report.updated))
    status, ids = next(((k, v) for k, v in statuses if v), ("unchanged", report.unchanged))
    doc_id = ids[0]
    rec = assistant.documents().get(doc_id)
    title = rec.meta.title if rec else doc_id
    return UploadResult(doc_id, title, rec.n_chunks if rec else 0, status, saved)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
