from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from assistant.index.indexer import embedding_text
from assistant.types import Chunk
from tests.conftest import CORPUS, DATA, N_CORPUS


def _copy(src: Path, dst_dir: Path, name: str | None = None) -> Path:
    dst = dst_dir / (name or src.name)
    shutil.copy(src, dst)
    return dst


def test_incremental_and_idempotent(fresh_assistant) -> None:
    a = fresh_assistant
    corpus = a.settings.corpus_dir
    _copy(DATA / "sample.md", corpus)
    html = _copy(DATA / "sample.html", corpus)

    first = a.ingest()
    assert sorted(first.added) == ["sample-html", "sample-md"]
    n_chunks = a.status().chunks
    assert n_chunks > 0

    again = a.ingest()
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 2
    assert not again.changed and a.status().chunks == n_chunks

    html.write_text(html.read_text().replace("2 February 2026", "3 March 2026"))
    changed = a.ingest()
    assert len(changed.updated) == 1 and changed.added == []
    texts = " ".join(c.text for c in a.retriever.snapshot().chunks)
    assert "3 March 2026" in texts and "2 February 2026" not in texts.replace(
        "Singapore, 2 February 2026", ""
    )
    # no chunk of the old version survives in Chroma itself
    stored = a.store.chunk_ids_by_doc()
    for doc_id, rec in a.store.records().items():
        assert {h for _, h in stored[doc_id]} == {rec.content_hash}

    html.unlink()
    gone = a.ingest()
    assert len(gone.removed) == 1
    assert len(a.documents()) == 1


def test_failed_file_reported_and_rest_ingested(fresh_assistant) -> None:
    a = fresh_assistant
    corpus = a.settings.corpus_dir
    _copy(DATA / "sample.md", corpus)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    report = a.ingest()
    assert len(report.added) == 1
    failed = {Path(p).name: reason for p, reason in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf"}
    assert "empty" in failed["empty.txt"]


def test_changed_file_that_breaks_keeps_previous_version(fresh_assistant) -> None:
    a = fresh_assistant
    md = _copy(DATA / "sample.md", a.settings.corpus_dir)
    a.ingest()
    before = a.status().chunks
    md.write_bytes(b"\xff\xfe\x00broken")
    report = a.ingest()
    assert report.failed and report.removed == []
    assert a.status().chunks == before


def test_orphans_from_an_interrupted_run_are_invisible_then_removed(fresh_assistant) -> None:
    a = fresh_assistant
    _copy(DATA / "sample.md", a.settings.corpus_dir)
    a.ingest()
    doc_id = next(iter(a.documents()))
    visible = a.status().chunks
    # What a killed ingest leaves: chunks written, document row not yet updated.
    ghost = Chunk(
        chunk_id="ghost0000000000000000",
        doc_id=doc_id,
        text="ghost passage zebra",
        start=0,
        end=5,
        doc_hash="other",
    )
    a.store.add_chunks([ghost], np.ones((1, 384), dtype=np.float32) / np.sqrt(384))
    a.store.bump_generation()
    assert a.status().chunks == visible
    assert not a.search("ghost passage zebra", mode="bm25")
    damage = a.store.integrity()
    assert (damage.stale, damage.orphaned, damage.incomplete, damage.ok) == (1, 0, 0, False)
    report = a.ingest()
    assert report.orphans_removed == 1
    assert a.store.integrity().ok
    assert "ghost0000000000000000" not in {
        c for rows in a.store.chunk_ids_by_doc().values() for c, _ in rows
    }


def test_an_update_killed_after_writing_chunks_keeps_the_old_version_whole(
    fresh_assistant,
) -> None:
    """The first write of an update is the new version's chunks. Killed right after it, the
    old version must still have all its chunks: versions must not share chunk ids, or the
    upsert re-labels the unchanged ones as the new version and the old row loses them."""
    from assistant.index.indexer import embedding_text
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import load_file

    a = fresh_assistant
    txt = _copy(CORPUS / "002_b733d8bb322409ec.txt", a.settings.corpus_dir)
    a.ingest()
    old = a.store.integrity()
    assert old.chunks > 3
    txt.write_text(txt.read_text() + "\n\nA closing line added in a later version.\n")
    new_chunks = chunk_document(load_file(txt), a.settings.chunk_chars)
    a.store.add_chunks(
        new_chunks, a.embedder.embed_documents([embedding_text(c) for c in new_chunks])
    )
    a.store.bump_generation()  # what readers see if the process dies here
    damage = a.store.integrity()
    assert (damage.documents, damage.incomplete) == (old.documents, 0)
    assert a.status().chunks == old.chunks
    assert "S$45" in a.ask("What will the carbon tax rate be from 2026?").answer
    a.ingest()
    assert a.store.integrity().ok
    assert a.search("closing line added in a later version", 1)[0].chunk.text.endswith("version.")


def test_a_document_missing_chunks_is_indexed_again(fresh_assistant) -> None:
    """What a second writer's orphan sweep can leave: a row whose chunks are partly gone."""
    a = fresh_assistant
    _copy(CORPUS / "002_b733d8bb322409ec.txt", a.settings.corpus_dir)
    a.ingest()
    doc_id, rows = next(iter(a.store.chunk_ids_by_doc().items()))
    a.store.delete_chunks([rows[0][0]])
    assert a.store.integrity().incomplete == 1
    report = a.ingest()
    assert report.updated == [doc_id] and report.unchanged == []
    assert a.store.integrity().ok and a.ingest().unchanged == [doc_id]


def test_manifest_metadata_and_embedding_text(corpus_assistant) -> None:
    docs = corpus_assistant.documents()
    assert len(docs) == N_CORPUS
    rec = docs["sg-peru-ia-overview"]
    assert rec.meta.url == "https://www.carbonmarkets-cooperation.gov.sg/overview-peru/"
    chunk = corpus_assistant.retriever.snapshot().chunks[0]
    assert embedding_text(chunk).startswith(chunk.title)


def test_full_document_round_trips(corpus_assistant) -> None:
    from assistant.ingest.loaders import load_file

    stored = corpus_assistant.document("sg-icc-eligibility-list-2023")
    loaded = load_file(CORPUS / "002_b733d8bb322409ec.txt")
    assert stored.text == loaded.text and stored.blocks == loaded.blocks
