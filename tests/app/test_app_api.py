"""The real app, served on loopback, driven through its API with gradio_client."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import make_settings

pytestmark = pytest.mark.slow

ZORBLAX = (
    "Zorblax accord\n\nSingapore and Testland signed the Zorblax carbon accord on 3 March 2025. "
    "The Zorblax accord covers mangrove restoration credits.\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(assistant, **settings_kw: object) -> tuple[object, str]:
    import app

    settings = assistant.settings.model_copy(update={"port": free_port(), **settings_kw})
    demo = app.build_app(assistant, settings)
    return demo, app.launch(demo, settings, block=False, quiet=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[SimpleNamespace]:
    """The app over a writable index of the corpus (embeddings come from the session cache)."""
    from assistant.api import Assistant

    a = Assistant(make_settings(tmp_path_factory.mktemp("app-data")), embedder=embedder)
    assert not a.ingest().failed
    demo, url = serve(a)
    yield SimpleNamespace(url=url, assistant=a)
    demo.close()


@pytest.fixture
def client(served: SimpleNamespace):
    from gradio_client import Client

    return Client(served.url, verbose=False)  # a new session: an empty chat


def last_message(chat: list[dict]) -> str:
    return chat[-1]["content"][0]["text"]


def ask(client, question: str, docs: list[str] | None = None) -> tuple[str, str]:
    """The final chat message and sources panel for ``question``."""
    _, chat, sources, _ = client.predict(question, docs or [], [], [], api_name="/chat")
    return last_message(chat), sources


# ------------------------------------------------------------------------------ chat


def test_answer_streams_in_with_clickable_citations(client) -> None:
    job = client.submit(
        "What share of taxable emissions can be offset with international carbon credits?",
        [], [], [], api_name="/chat",
    )  # fmt: skip
    job.result(timeout=120)
    texts = [last_message(out[1]) for out in job.outputs()]
    partial = [t for t in texts if t.endswith("▍")]
    final = texts[-1]
    assert len(partial) >= 2, texts  # the placeholder, then the answer growing
    assert re.search(r"five per cent|5%", final)
    assert "[\\[1\\]](#cite-0-1)" in final
    sources = job.outputs()[-1][2]
    assert 'href="#cite-0-1"' in sources
    assert re.search(r"Eligibility|Implementation Agreement", sources)  # the cited release

    passage = client.predict("cite-0-1", api_name="/passage")
    assert '<mark class="a6-mark">' in passage
    assert re.search(r"offset up to (five per cent|5%) of their taxable emissions", passage)
    assert re.search(r"Published \d{1,2} \w+ 20\d\d", passage) and "Section: " in passage


def test_abstains_and_shows_related_passages(client) -> None:
    text, sources = ask(client, "What is the price of bananas in Lima?")
    assert text.startswith("The documents do not")
    assert "**Related passages**" in text and "(#rel-0-1)" in text
    assert "do not answer this" in sources
    assert '<mark class="a6-mark">' in client.predict("rel-0-1", api_name="/passage")


def test_follow_up_questions_use_the_history(client) -> None:
    first, _ = ask(client, "When did Singapore and Peru sign their Implementation Agreement?")
    assert "31 March 2025" in first
    follow, _ = ask(client, "And when did they sign the MOU?")
    assert "(#cite-1-1)" in follow
    assert "MOU" in follow or "Memorandum" in follow


def test_filters_restrict_the_sources(client) -> None:
    _, sources = ask(client, "Which countries has Singapore signed agreements with?",
                     docs=["sg-peru-mou-2022"])  # fmt: skip
    assert "Singapore and Peru to Collaborate on Carbon Markets" in sources
    assert "International Collaboration" not in sources


def test_eligibility_question_is_handed_to_the_checker(client) -> None:
    text, sources = ask(client, "Is a VCS VM0007 project in Papua New Guinea eligible?")
    assert text.startswith("*Answered by the eligibility checker.*")
    assert "Verdict: CANNOT DETERMINE" in text and "(#cite-0-1)" in text
    assert "Singapore Publishes Eligibility List" in sources
    assert '<mark class="a6-mark">Papua New Guinea</mark>' in client.predict(
        "cite-0-1", api_name="/passage"
    )


def test_copy_as_markdown_and_feedback(client, served: SimpleNamespace) -> None:
    from assistant.serve.feedback import feedback_path, read_feedback

    question = "When did Singapore and Peru sign their Implementation Agreement?"
    text, _ = ask(client, question)
    exported = client.predict(api_name="/export_markdown")["value"]
    assert exported.startswith(f"**Question:** {question}")
    assert "**Sources**" in exported and "[1] [Peru Overview" in exported

    assert client.predict("Clear and correct", api_name="/feedback_up") == ""
    record = read_feedback(feedback_path(served.assistant.settings.data_dir))[-1]
    assert record["rating"] == "up" and record["comment"] == "Clear and correct"
    assert record["question"] == question and "31 March 2025" in record["answer"]
    assert record["citations"][0]["doc_id"] == "sg-peru-ia-overview"


def test_compliance_tabs(client) -> None:
    verdict = client.predict("Papua New Guinea", "VCS", "VM0007", "", "", api_name="/eligibility")
    assert "Verdict: CANNOT DETERMINE" in verdict and "**Sources**" in verdict
    offset = client.predict(200000, 2026, api_name="/offset")
    assert "10,000 tCO2e" in offset and "S\\$450,000" in offset


# ------------------------------------------------------------------------------ documents


def test_upload_answer_and_remove(client, served: SimpleNamespace, tmp_path: Path) -> None:
    from gradio_client import handle_file

    a = served.assistant
    before = a.status()
    good = tmp_path / "zorblax_note.txt"
    good.write_text(ZORBLAX, encoding="utf-8")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"this is not a PDF")
    out = client.predict([handle_file(good), handle_file(bad)], api_name="/upload")
    message, table, footer = out[0], out[2], out[3]
    assert "✅ Added 'Zorblax accord' to the index (1 chunk)." in message
    assert "❌ 'broken.pdf' is not a PDF" in message
    assert any(row[0] == "Zorblax accord" for row in table["data"])
    assert f"**{before.documents + 1}** documents" in footer
    assert sorted(p.name for p in a.settings.uploads_dir.iterdir()) == ["zorblax_note.txt"]

    text, sources = ask(client, "What does the Zorblax accord cover?")
    assert "mangrove restoration credits" in text and "Zorblax accord" in sources

    doc_id = next(d for d, r in a.documents().items() if r.meta.title == "Zorblax accord")
    assert "Remove **Zorblax accord**" in client.predict(doc_id, api_name="/remove")
    out = client.predict(api_name="/remove_confirm")
    assert out[0] == "Removed 'Zorblax accord' (1 chunk)."
    assert doc_id not in a.documents() and not list(a.settings.uploads_dir.iterdir())
    assert a.status().documents == before.documents
    assert "removed from the index" in client.predict("cite-0-1", api_name="/passage")
    text, _ = ask(client, "What does the Zorblax accord cover?")
    assert "Zorblax accord covers" not in text


# ------------------------------------------------------------------------------ login


@pytest.fixture(scope="module")
def served_with_login(served: SimpleNamespace) -> Iterator[str]:
    demo, url = serve(served.assistant, auth="admin:pw1:admin,reader:pw2")
    yield url
    demo.close()


def test_login_is_required(served_with_login: str) -> None:
    import httpx
    from gradio_client import Client

    assert httpx.get(served_with_login + "config").status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - the client's error type varies by version
        Client(served_with_login, auth=("reader", "wrong"), verbose=False)


def test_only_admins_may_change_the_index(served_with_login: str, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    reader = Client(served_with_login, auth=("reader", "pw2"), verbose=False)
    text, _ = ask(reader, "When did Singapore and Peru sign their Implementation Agreement?")
    assert "31 March 2025" in text  # readers may ask
    note = tmp_path / "note.txt"
    note.write_text(ZORBLAX, encoding="utf-8")
    for call in (
        lambda: reader.predict([handle_file(note)], api_name="/upload"),
        lambda: reader.predict("sg-peru-mou-2022", api_name="/remove"),
        lambda: reader.predict(api_name="/remove_confirm"),
    ):
        with pytest.raises(AppError, match="Only administrators"):
            call()

    admin = Client(served_with_login, auth=("admin", "pw1"), verbose=False)
    with pytest.raises(AppError, match="no longer in the index"):  # past the permission check
        admin.predict(api_name="/remove_confirm")


def test_questions_are_audited_with_the_logged_in_user(
    served: SimpleNamespace, served_with_login: str
) -> None:
    from gradio_client import Client

    from assistant.serve.audit import audit_path, read_entries

    reader = Client(served_with_login, auth=("reader", "pw2"), verbose=False)
    question = "What will the carbon tax rate be from 2026?"
    text, _ = ask(reader, question)
    entry = read_entries(audit_path(served.assistant.settings.data_dir), user="reader")[-1]
    assert entry["question"] == question and "S$45" in entry["answer"] and "S\\$45" in text
    assert entry["citations"] and not entry["abstained"] and entry["mode"] == "extractive"
