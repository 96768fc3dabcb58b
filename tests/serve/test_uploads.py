from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.serve.uploads import UploadError, add_upload, check_upload, safe_name, save_upload
from tests.docgen import make_docx, make_image_only_pdf, make_pdf

NOTE = (
    "Zorblax accord\n\nSingapore and Testland signed the Zorblax carbon accord on 3 March 2025. "
    "The Zorblax accord covers mangrove restoration credits.\n"
)


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("Report FINAL.PDF", "Report FINAL.pdf"),
        ("folder/sub/notes.md", "notes.md"),
        ("C\\Users\\me\\notes.txt", "notes.txt"),
        ("we<i>rd|na*me?.html", "we_i_rd_na_me.html"),
        (".hidden.txt", "hidden.txt"),
        ("  spaced name .txt ", "spaced name.txt"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize(
    "name", ["/etc/passwd.txt", "\\\\server\\share\\a.txt", "C:\\a.txt", "../a.txt", "a/../../b.md"]
)
def test_safe_name_refuses_absolute_and_parent_paths(name: str) -> None:
    with pytest.raises(UploadError):
        safe_name(name)


@pytest.mark.parametrize("name", ["", "   ", "...", "___.txt"])
def test_safe_name_refuses_empty_names(name: str) -> None:
    with pytest.raises(UploadError, match="empty"):
        safe_name(name)


# ------------------------------------------------------------------------------ checks


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", NOTE),
        ("a.md", "# Title\n\nText.\n"),
        ("a.html", "<html><body><p>Text</p></body></html>"),
        ("a.htm", "<p>Text</p>"),
        ("a.txt", "\ufeffUTF-8 with a BOM"),
        ("a.txt", "UTF-16 text".encode("utf-16")),
    ],
)
def test_accepts_supported_text(tmp_path: Path, name: str, content: str | bytes) -> None:
    assert check_upload(write(tmp_path / "upload", content), name, 1) == name


def test_accepts_real_pdf_and_docx(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", [["Page one text."]])
    docx = make_docx(tmp_path / "x.docx")
    assert check_upload(pdf, "x.pdf", 5) == "x.pdf"
    assert check_upload(docx, "x.docx", 5) == "x.docx"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ\x90\x00", "not supported"),
        ("a.doc", b"\xd0\xcf\x11\xe0", "not supported"),
        ("noext", b"hello", "not supported"),
        (".pdf", b"%PDF-1.4", "not supported"),  # a dot file, not a PDF
        ("a.pdf", b"hello, I am not a PDF", "not a PDF"),
        ("a.docx", b"PK\x03\x04 not really a zip", "not a DOCX"),
        ("a.txt", b"%PDF-1.7 renamed", "binary file"),
        ("a.md", b"\x89PNG\r\n\x1a\n....", "binary file"),
        ("a.html", b"<p>\x00\x01\x02</p>", "binary file"),
        ("a.txt", b"", "empty"),
    ],
)
def test_refuses_wrong_type_or_content(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(UploadError, match=message):
        check_upload(write(tmp_path / "upload", content), name, 1)


def test_refuses_a_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(UploadError, match="not a Word document"):
        check_upload(path, "a.docx", 1)


def test_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "upload", "x" * 3000)
    assert check_upload(path, "a.txt", 0.01)
    with pytest.raises(UploadError, match=r"limit is 0\.001 MB"):
        check_upload(path, "a.txt", 0.001)


# ------------------------------------------------------------------------------ saving


def test_save_never_overwrites_a_different_file(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    first, created = save_upload(write(tmp_path / "u1", "one"), "a.txt", uploads, 1)
    again, created_again = save_upload(write(tmp_path / "u2", "one"), "a.txt", uploads, 1)
    other, created_other = save_upload(write(tmp_path / "u3", "two"), "a.txt", uploads, 1)
    assert (first, created) == (uploads / "a.txt", True)
    assert (again, created_again) == (first, False)
    assert (other, created_other) == (uploads / "a-2.txt", True)
    assert first.read_text() == "one" and other.read_text() == "two"


# ------------------------------------------------------------------------------ indexing


def test_add_upload_indexes_the_file(tmp_path: Path, fresh_assistant) -> None:
    a = fresh_assistant
    seen: list[float] = []
    result = add_upload(
        a, write(tmp_path / "tmp123", NOTE), "zorblax.txt", lambda f, m: seen.append(f)
    )
    assert result.status == "added"
    assert result.path == a.settings.uploads_dir / "zorblax.txt"
    assert result.doc_id in a.documents()
    assert "Added 'Zorblax accord'" in result.message
    assert seen and seen[-1] == 1.0
    hits = a.search("Zorblax mangrove restoration")
    assert hits and hits[0].chunk.doc_id == result.doc_id

    again = add_upload(a, write(tmp_path / "tmp456", NOTE), "zorblax.txt")
    assert again.status == "unchanged" and "already in the index" in again.message


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("scan.pdf", make_image_only_pdf, "could not be read"),
        (
            "broken.pdf",
            lambda p: write(p, b"%PDF-1.4\n garbage without objects"),
            "could not be read",
        ),
        ("fake.docx", lambda p: write(p, b"not a zip"), "not a DOCX"),
        (
            "latin1.txt",
            lambda p: write(p, "caf\xe9 cr\xe8me".encode("latin-1")),
            "could not be read",
        ),
    ],
)
def test_a_bad_file_leaves_index_and_uploads_unchanged(
    tmp_path: Path, fresh_assistant, name: str, make, message: str
) -> None:
    a = fresh_assistant
    add_upload(a, write(tmp_path / "good", NOTE), "good.txt")
    before = a.status()
    with pytest.raises(UploadError, match=message):
        add_upload(a, make(tmp_path / "bad"), name)
    after = a.status()
    assert (after.documents, after.chunks) == (before.documents, before.chunks)
    assert sorted(p.name for p in a.settings.uploads_dir.iterdir()) == ["good.txt"]
    assert a.search("Zorblax mangrove")[0].chunk.title == "Zorblax accord"
