"""The Gradio app: a thin layer over :class:`assistant.Assistant`. Start it with ``python app.py``.

Tabs: Chat (streamed, cited answers; markers open the passage), Documents (the index; upload
and remove for admins) and the compliance tools (eligibility, offset, agreements). Behaviour
lives in the ``assistant`` package (``present``, ``uploads``, ``feedback``, ``auth``); this
file only lays out components and wires their events to it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from assistant.api import Assistant
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.serve import present
from assistant.serve.auth import UserTable, load_users
from assistant.serve.feedback import feedback_path, record_feedback
from assistant.serve.present import Turn
from assistant.serve.uploads import ALLOWED_SUFFIXES, UploadError, add_upload
from assistant.types import Citation

if TYPE_CHECKING:
    from assistant.compliance import RuleBook

TITLE = "Article 6 Assistant"
DESCRIPTION = (
    "Cited answers about Singapore's Article 6 carbon-market cooperation, from the documents "
    "only, offline."
)
EXAMPLES = [
    "What share of taxable emissions can be offset with international carbon credits?",
    "When did Singapore and Peru sign their Implementation Agreement?",
    "Which countries has Singapore signed Implementation Agreements with?",
    "Is a VCS VM0007 project in Papua New Guinea eligible?",
]

# Markers and related-passage links are <a href="#cite-…"> in Markdown (the chat sanitises
# anything richer). A click keeps the reference and clicks a hidden button, whose event sends
# it to the server in place of the hidden textbox's value (that textbox is the API's input).
CLICK_JS = """
() => {
  if (window.__a6_clicks) return;
  window.__a6_clicks = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href^="#cite-"], a[href^="#rel-"]');
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__a6_ref = a.getAttribute('href').slice(1);
    const button = document.querySelector('#a6-open');
    if (button) button.click();
  }, true);
}
"""
SCROLL_TO_MARK_JS = """
() => { setTimeout(() => {
  const m = document.querySelector('#a6-passage mark');
  const box = m && m.closest('.a6-text');
  if (!box) return;
  // Scroll the passage box only, not the page, so the chat stays in view.
  box.scrollTop += m.getBoundingClientRect().top - box.getBoundingClientRect().top
    - box.clientHeight / 4;
}, 50); }
"""
CSS = """
#a6-header h1 { margin-bottom: 0.1em; }
#a6-header p { margin-top: 0; color: var(--body-text-color-subdued); }
#a6-ref, #a6-open { display: none !important; }
.a6-sources { padding-left: 0; list-style: none; margin: 0; max-height: 300px;
  overflow-y: auto; }
.a6-source { padding: 0.5em 0; border-bottom: 1px solid var(--border-color-primary); }
.a6-cite { font-weight: 600; text-decoration: none; margin-right: 0.25em; }
.a6-title { font-weight: 600; color: var(--body-text-color); text-decoration: none; }
.a6-title:hover, .a6-cite:hover { text-decoration: underline; }
.a6-meta { font-size: 0.85em; color: var(--body-text-color-subdued); }
.a6-quote { font-size: 0.9em; margin-top: 0.2em; }
.a6-empty, .a6-abstained { color: var(--body-text-color-subdued); }
.a6-passage-title { font-weight: 600; font-size: 1.05em; margin-bottom: 0.2em; }
.a6-text { white-space: pre-line; line-height: 1.5; margin-top: 0.6em; max-height: 330px;
  overflow-y: auto; padding: 0.6em; border: 1px solid var(--border-color-primary);
  border-radius: 6px; }
.a6-text mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 2px; }
#a6-chat a[href^="#cite-"], #a6-chat a[href^="#rel-"] { color: var(--color-accent);
  font-weight: 600; text-decoration: none; }
#a6-chat a[href^="#cite-"]:hover, #a6-chat a[href^="#rel-"]:hover { text-decoration: underline; }
#a6-documents table, #a6-documents td, #a6-documents th, #a6-documents span {
  font-family: var(--font) !important; }
#a6-footer { text-align: center; font-size: 0.9em; color: var(--body-text-color-subdued); }
"""


def build_app(
    assistant: Assistant,
    settings: Settings,
    users: UserTable | None = None,
    *,
    warming: threading.Thread | None = None,
) -> gr.Blocks:
    """The app's Blocks for ``assistant``: a header, one builder per tab, a status footer.

    Args:
        users: who may log in and who is an admin; defaults to ``settings.auth``'s users.
        warming: a thread loading the model; questions wait for it rather than load it again.
    """
    users = users if users is not None else load_users(settings.auth)
    rules, rules_error = _load_rules(settings)
    # Choices are set here too, not only on page load: API clients never run load events.
    choices = present.filter_choices(assistant.documents())
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {TITLE}\n{DESCRIPTION}", elem_id="a6-header")
        # Created here, shown under the tabs: the Documents tab refreshes it.
        footer = gr.Markdown(elem_id="a6-footer", render=False)
        with gr.Tabs():
            filters = _chat_tab(assistant, settings, choices, warming)
            _documents_tab(demo, assistant, settings, users, choices, [footer, *filters])
            _compliance_tabs(rules, rules_error)
        footer.render()

        def status() -> str:
            """The index status line: documents, chunks, last update."""
            return present.status_markdown(assistant.status())

        gr.api(status, api_name="status")
    demo.queue(default_concurrency_limit=4)  # the light events: passages, feedback, status
    return demo


def _chat_tab(
    assistant: Assistant,
    settings: Settings,
    choices: dict[str, list],
    warming: threading.Thread | None,
) -> list[gr.Dropdown]:
    """The Chat tab: streamed, cited answers, the sources and the passage a marker opens,
    feedback and export. Returns the filter dropdowns (documents, types, countries), whose
    choices follow the index."""
    fb_file = feedback_path(settings.data_dir)

    def respond(
        message: str,
        turns: list[Turn],
        doc_ids: list[str],
        types: list[str],
        countries: list[str],
        request: gr.Request,
    ) -> Iterator[tuple]:
        message = (message or "").strip()
        if not message:
            yield "", present.chat_messages(turns), turns, gr.skip(), gr.skip()
            return
        shown = present.chat_messages(turns) + [
            {"role": "user", "content": present.md_escape(message)},
            {"role": "assistant", "content": "Searching the documents… ▍"},
        ]
        yield "", shown, turns, gr.skip(), present.passage_placeholder()
        if warming is not None and warming.is_alive():
            shown[-1]["content"] = "Loading the search model (once, after start-up)… ▍"
            yield gr.skip(), shown, gr.skip(), gr.skip(), gr.skip()
            warming.join()
        try:
            filters = present.make_filters(doc_ids, types, countries)
            history = present.history_for_ask(turns)
            user = getattr(request, "username", None)  # recorded in the audit trail
            # An eligibility or offset question is answered by the compliance tools inside
            # ``ask`` (assistant/compliance/handoff.py), as for the CLI and the evals.
            for item in assistant.ask_stream(message, history, filters, user=user):
                if isinstance(item, str):
                    shown[-1]["content"] = present.streaming_markdown(item)
                    yield gr.skip(), shown, gr.skip(), gr.skip(), gr.skip()
                else:
                    turn = Turn.from_answer(item)
        except AssistantError as exc:  # an over-long question, a malformed date, ...
            shown[-1]["content"] = f"⚠️ {present.md_escape(str(exc))}"
            yield gr.skip(), shown, gr.skip(), gr.skip(), gr.skip()
            return
        turns = [*turns, turn]
        index = len(turns) - 1
        shown[-1]["content"] = present.turn_markdown(turn, index)
        yield gr.skip(), shown, turns, present.sources_html(turn, index), gr.skip()

    def open_ref(ref: str, turns: list[Turn]) -> str:
        target = present.lookup(turns, present.parse_ref(ref))
        if target is None:
            return present.passage_placeholder()
        try:
            if isinstance(target, Citation):
                doc = assistant.document(target.doc_id)
                return present.passage_html(
                    doc.text, target.start, target.end, doc.meta,
                    label=f"[{target.n}]", section=target.section, page=target.page,
                )  # fmt: skip
            c = target.chunk
            doc = assistant.document(c.doc_id)
            return present.passage_html(
                doc.text, c.start, c.end, doc.meta, label="Related:", section=c.section,
                page=c.page,
            )  # fmt: skip
        except AssistantError:  # removed from the index since the answer was given
            return present.passage_gone()

    def give_feedback(rating: str, comment: str, turns: list[Turn], request: gr.Request) -> str:
        if not turns:
            raise gr.Error("Ask a question first; feedback is about the latest answer.")
        t = turns[-1]
        record_feedback(
            fb_file, rating=rating, question=t.question, answer=t.text, citations=t.citations,
            abstained=t.abstained, source=t.source, comment=comment,
            user=getattr(request, "username", None),
        )  # fmt: skip
        gr.Info("Thank you: your feedback was saved.")
        return ""

    def feedback_up(comment: str, turns: list[Turn], request: gr.Request) -> str:
        return give_feedback("up", comment, turns, request)

    def feedback_down(comment: str, turns: list[Turn], request: gr.Request) -> str:
        return give_feedback("down", comment, turns, request)

    def pick_example(ev: gr.SelectData) -> str:  # Gradio passes SelectData by this hint
        return ev.value["text"]

    def export(turns: list[Turn]) -> dict:
        if not turns:
            raise gr.Error("There is no answer to copy yet.")
        return gr.update(value=present.export_markdown(turns[-1]), visible=True)

    v = _chat_view(choices)

    # Every way of asking shares one pool of workers; index writes get one of their own, so
    # an upload neither takes a question's worker nor waits behind the questions.
    chat_io = dict(
        inputs=[v.question, v.turns, v.f_docs, v.f_types, v.f_countries],
        outputs=[v.question, v.chatbot, v.turns, v.sources, v.passage],
        concurrency_id="chat",
        concurrency_limit=settings.concurrency,
    )
    v.question.submit(respond, **chat_io, api_name="chat")
    v.ask_btn.click(respond, **chat_io, api_name=False)
    v.chatbot.example_select(pick_example, None, v.question, api_name=False).then(
        respond, **chat_io, api_name=False
    )
    v.open_btn.click(
        open_ref,
        [v.ref, v.turns],
        v.passage,
        api_name="passage",
        js="(ref, turns) => [window.__a6_ref || ref, turns]",
    ).then(None, js=SCROLL_TO_MARK_JS)
    v.up_btn.click(feedback_up, [v.comment, v.turns], v.comment, api_name="feedback_up")
    v.down_btn.click(feedback_down, [v.comment, v.turns], v.comment, api_name="feedback_down")
    v.copy_btn.click(export, v.turns, v.exported, api_name="export_markdown").then(
        None, v.exported, None, js="(t) => { navigator.clipboard?.writeText(t); }"
    )
    v.new_btn.click(
        lambda: ([], [], present.sources_html(None, 0), present.passage_placeholder(),
                 gr.update(value="", visible=False)),
        None, [v.turns, v.chatbot, v.sources, v.passage, v.exported], api_name=False,
    )  # fmt: skip
    return [v.f_docs, v.f_types, v.f_countries]


@dataclass
class _ChatView:
    """The Chat tab's components that its events read or write."""

    turns: gr.State
    chatbot: gr.Chatbot
    question: gr.Textbox
    ask_btn: gr.Button
    up_btn: gr.Button
    down_btn: gr.Button
    comment: gr.Textbox
    copy_btn: gr.Button
    new_btn: gr.Button
    exported: gr.Textbox
    f_docs: gr.Dropdown
    f_types: gr.Dropdown
    f_countries: gr.Dropdown
    sources: gr.HTML
    passage: gr.HTML
    ref: gr.Textbox
    open_btn: gr.Button


def _chat_view(choices: dict[str, list]) -> _ChatView:
    """Lay out the Chat tab: the chat and its actions left, filters, sources and the opened
    passage right; a hidden textbox and button carry a clicked marker to the server."""
    with gr.Tab("Chat", id="chat"):
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", elem_id="a6-chat", height=480, latex_delimiters=[],
                    feedback_options=None, buttons=["copy"],
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="**Ask about Singapore's Article 6 carbon-market "
                    "cooperation.** Every answer cites its sources; click a [1] to "
                    "read the passage.",
                )  # fmt: skip
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False, placeholder="Ask a question…", scale=6,
                        elem_id="a6-question", autofocus=True,
                    )  # fmt: skip
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                with gr.Row(elem_id="a6-actions", equal_height=True):
                    up_btn = gr.Button("👍", size="sm", scale=0, min_width=48, elem_id="a6-up")
                    down_btn = gr.Button("👎", size="sm", scale=0, min_width=48,
                                         elem_id="a6-down")  # fmt: skip
                    comment = gr.Textbox(
                        show_label=False, scale=4, min_width=160, container=False,
                        lines=1, max_lines=1, elem_id="a6-comment",
                        placeholder="Optional comment with your 👍 or 👎",
                    )  # fmt: skip
                    copy_btn = gr.Button("Copy as Markdown", size="sm", scale=0,
                                         min_width=150, elem_id="a6-copy")  # fmt: skip
                    new_btn = gr.Button("New chat", size="sm", scale=0, min_width=90)
                exported = gr.Textbox(
                    label="Answer as Markdown (copied to the clipboard)", lines=6,
                    max_lines=20, buttons=["copy"], visible=False, elem_id="a6-export",
                )  # fmt: skip
            with gr.Column(scale=2):
                with gr.Accordion("Filters", open=False):
                    f_docs = gr.Dropdown(choices["documents"], label="Documents",
                                         multiselect=True)  # fmt: skip
                    f_types = gr.Dropdown(choices["types"], label="Document types",
                                          multiselect=True)  # fmt: skip
                    f_countries = gr.Dropdown(choices["countries"], label="Countries",
                                              multiselect=True)  # fmt: skip
                gr.Markdown("### Sources")
                sources = gr.HTML(present.sources_html(None, 0), elem_id="a6-sources")
                gr.Markdown("### Passage")
                passage = gr.HTML(present.passage_placeholder(), elem_id="a6-passage")
        ref = gr.Textbox(elem_id="a6-ref", show_label=False, container=False)
        open_btn = gr.Button("Open passage", elem_id="a6-open")
    return _ChatView(
        turns, chatbot, question, ask_btn, up_btn, down_btn, comment, copy_btn, new_btn,
        exported, f_docs, f_types, f_countries, sources, passage, ref, open_btn,
    )  # fmt: skip


def _documents_tab(
    demo: gr.Blocks,
    assistant: Assistant,
    settings: Settings,
    users: UserTable,
    choices: dict[str, list],
    outside: list[gr.components.Component],
) -> None:
    """The Documents tab: the index as a table; upload and remove for admins. ``outside``
    are the other views the index refreshes: the status footer and the chat's filters."""

    def require_admin(request: gr.Request | None) -> None:
        # Enforced here, server-side: hidden buttons alone would not stop an API call.
        if not users.is_admin(getattr(request, "username", None)):
            raise gr.Error("Only administrators may add or remove documents.")

    def index_views() -> tuple:
        """New values for ``views``: the table, the footer, the filters, the remove choice."""
        records = assistant.documents()
        choices = present.filter_choices(records)
        return (
            present.document_rows(records),
            present.status_markdown(assistant.status()),
            gr.update(choices=choices["documents"]),
            gr.update(choices=choices["types"]),
            gr.update(choices=choices["countries"]),
            gr.update(choices=choices["documents"], value=None),
        )

    def on_load(request: gr.Request) -> tuple:
        admin = users.is_admin(getattr(request, "username", None))
        return (*index_views(), gr.update(visible=admin), gr.update(visible=not admin))

    def upload(
        files: list[str] | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects progress
    ) -> tuple:
        require_admin(request)
        if not files:
            raise gr.Error("Choose one or more files to add first.")
        lines = []
        for i, f in enumerate(files):
            name = Path(f).name

            def step(frac: float, msg: str, i: int = i, name: str = name) -> None:
                progress((i + frac) / len(files), desc=f"{name}: {msg}")

            try:
                result = add_upload(assistant, Path(f), name, on_progress=step)
                lines.append(f"✅ {present.md_escape(result.message)}")
            except UploadError as exc:
                lines.append(f"❌ {present.md_escape(str(exc))}")
        if all(line.startswith("❌") for line in lines):
            gr.Warning("No document was added; see the message under the upload box.")
        return ("\n\n".join(lines), None, *index_views())

    def ask_remove(doc_id: str | None, request: gr.Request) -> tuple:
        require_admin(request)
        rec = assistant.documents().get(doc_id or "")
        if rec is None:
            raise gr.Error("Choose a document to remove first.")
        question = (
            f"Remove **{present.md_escape(rec.meta.title)}** (`{rec.meta.doc_id}`, "
            f"{present.plural(rec.n_chunks, 'chunk')}) from the index? This cannot be undone."
        )
        return doc_id, question, gr.update(visible=True)

    def confirm_remove(pending: str | None, request: gr.Request) -> tuple:
        require_admin(request)
        rec = assistant.documents().get(pending or "")
        if rec is None:
            raise gr.Error("That document is no longer in the index.")
        n = assistant.remove(rec.meta.doc_id)
        msg = f"Removed '{present.md_escape(rec.meta.title)}' ({present.plural(n, 'chunk')})."
        return (None, gr.update(visible=False), msg, *index_views())

    with gr.Tab("Documents", id="documents"):
        pending = gr.State(None)
        doc_table = gr.Dataframe(
            headers=present.DOCUMENT_COLUMNS, interactive=False, wrap=True,
            column_widths=["30%", "10%", "12%", "27%", "7%", "14%"],
            show_search="search", elem_id="a6-documents",
        )  # fmt: skip
        not_admin = gr.Markdown("Only administrators may add or remove documents.", visible=False)
        with gr.Row(visible=True) as admin_panel:
            with gr.Column():
                gr.Markdown("### Add documents")
                files = gr.File(
                    label=f"PDF, DOCX, HTML, Markdown or TXT, up to "
                    f"{settings.max_upload_mb:g} MB each",
                    file_count="multiple", file_types=list(ALLOWED_SUFFIXES),
                    elem_id="a6-upload",
                )  # fmt: skip
                upload_btn = gr.Button("Add to index", variant="primary")
                upload_msg = gr.Markdown(elem_id="a6-upload-msg")
            with gr.Column():
                gr.Markdown("### Remove a document")
                remove_choice = gr.Dropdown(
                    choices["documents"], value=None, label="Document",
                    elem_id="a6-remove-choice",
                )  # fmt: skip
                remove_btn = gr.Button("Remove…", variant="stop")
                with gr.Group(visible=False) as confirm_box:
                    confirm_msg = gr.Markdown()
                    with gr.Row():
                        confirm_btn = gr.Button("Yes, remove it", variant="stop")
                        cancel_btn = gr.Button("Cancel")
                remove_msg = gr.Markdown()

    writes = dict(concurrency_id="index", concurrency_limit=1)  # one index writer at a time
    views = [doc_table, *outside, remove_choice]
    demo.load(on_load, None, [*views, admin_panel, not_admin], api_name=False)
    upload_btn.click(upload, files, [upload_msg, files, *views], api_name="upload", **writes)
    remove_btn.click(
        ask_remove, remove_choice, [pending, confirm_msg, confirm_box], api_name="remove"
    )
    confirm_btn.click(
        confirm_remove, pending, [pending, confirm_box, remove_msg, *views],
        api_name="remove_confirm", **writes,
    )  # fmt: skip
    cancel_btn.click(
        lambda: (None, gr.update(visible=False), "Nothing was removed."),
        None, [pending, confirm_box, remove_msg], api_name=False,
    )  # fmt: skip


def _compliance_tabs(rules: RuleBook | None, rules_error: str) -> None:
    """The compliance tools: Eligibility, Offset calculator and Agreements, or one tab that
    says why they are unavailable."""
    if rules is None:
        with gr.Tab("Compliance tools", id="compliance"):
            gr.Markdown(f"The compliance tools are unavailable: {rules_error}")
        return
    from assistant.compliance import (
        ComplianceInputError,
        agreement_table,
        calculate_offset,
        check_eligibility,
    )

    def eligibility(country: str, programme: str, methodology: str, published: str,
                    category: str) -> str:  # fmt: skip
        try:
            r = check_eligibility(country, programme, methodology, published or None,
                                  category or None, rules=rules)  # fmt: skip
        except ComplianceInputError as exc:
            raise gr.Error(str(exc)) from exc
        return present.eligibility_markdown(r) + "\n\n" + present.sources_markdown(r.citations)

    def offset(emissions: float | None, year: float | None) -> str:
        if emissions is None or year is None:
            raise gr.Error("Give both the taxable emissions (tCO2e) and the tax year.")
        try:
            r = calculate_offset(str(emissions), int(year), rules=rules)
        except ComplianceInputError as exc:
            raise gr.Error(str(exc)) from exc
        return present.offset_markdown(r) + "\n\n" + present.sources_markdown(r.citations)

    hosts = sorted({lst.host_country for lst in rules.eligibility})
    with gr.Tab("Eligibility", id="eligibility"):
        gr.Markdown(
            "Can credits from this project count against Singapore's carbon tax? The verdict "
            "comes from the published eligibility lists, with the clauses behind it."
        )
        with gr.Row():
            e_country = gr.Dropdown(hosts, label="Host country", allow_custom_value=True)
            e_programme = gr.Textbox(label="Programme", placeholder="e.g. VCS")
            e_method = gr.Textbox(label="Methodology", placeholder="e.g. VM0042")
        with gr.Row():
            e_published = gr.Textbox(label="Methodology published (optional)",
                                     placeholder="YYYY-MM-DD")  # fmt: skip
            e_category = gr.Textbox(label="Category or sectoral scope (optional)",
                                    placeholder="e.g. Sectoral Scope 14")  # fmt: skip
        e_btn = gr.Button("Check eligibility", variant="primary")
        e_out = gr.Markdown()
    with gr.Tab("Offset calculator", id="offset"):
        gr.Markdown(
            "How much carbon tax eligible credits can offset in a year (at most 5% of taxable "
            "emissions), at the rate the documents state."
        )
        with gr.Row():
            o_emissions = gr.Number(label="Taxable emissions (tCO2e)", minimum=0)
            o_year = gr.Number(label="Tax year", precision=0, value=2026)
        o_btn = gr.Button("Calculate", variant="primary")
        o_out = gr.Markdown()
    with gr.Tab("Agreements", id="agreements"):
        table = agreement_table(rules=rules)
        gr.Markdown(
            present.agreements_markdown(table) + "\n\n" + present.sources_markdown(table.citations)
        )
    e_btn.click(
        eligibility, [e_country, e_programme, e_method, e_published, e_category], e_out,
        api_name="eligibility",
    )  # fmt: skip
    o_btn.click(offset, [o_emissions, o_year], o_out, api_name="offset")


def _load_rules(settings: Settings) -> tuple[RuleBook | None, str]:
    """The compliance rules, or None and the reason the tools are unavailable."""
    try:
        from assistant.compliance import load_rules

        return load_rules(settings.corpus_dir), ""
    except (ImportError, AssistantError) as exc:
        return None, str(exc)


def launch(
    demo: gr.Blocks,
    settings: Settings,
    users: UserTable | None = None,
    *,
    block: bool = True,
    quiet: bool = False,
) -> str:
    """Serve ``demo`` on ``settings.host``/``settings.port``; login when users are configured.

    Returns the local URL (with ``block=False`` the server runs in a background thread).
    """
    users = users if users is not None else load_users(settings.auth)
    _, url, _ = demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=users.check if users.enabled else None,
        auth_message=f"{TITLE}: sign in" if users.enabled else None,
        max_file_size=f"{int(settings.max_upload_mb * 1024)}kb",
        prevent_thread_lock=not block,
        share=False,
        quiet=quiet,
        show_error=True,
        footer_links=["api", "settings"],
        theme=gr.themes.Soft(primary_hue="teal", secondary_hue="slate"),
        css=CSS,
        js=CLICK_JS,
    )
    return url


def main() -> None:
    """Build the index if there is none (with a progress bar), warm up, and serve."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = Settings()
    users = load_users(settings.auth)
    assistant = Assistant(settings)
    if assistant.is_empty():
        print(f"No index yet: building it from {settings.corpus_dir} …", file=sys.stderr)
        report = assistant.ingest(progress=True)
        for path, reason in report.failed:
            print(f"  skipped {path}: {reason}", file=sys.stderr)
    # Serve at once and load the model meanwhile: the page and the Documents tab do not need
    # it, and a question asked before it is loaded waits for it (see build_app's `warming`).
    warm = threading.Thread(target=assistant.warm_up, name="warm-up", daemon=True)
    warm.start()
    demo = build_app(assistant, settings, users, warming=warm)
    print(f"{TITLE}: {present.status_markdown(assistant.status()).replace('**', '')}")
    launch(demo, settings, users)


if __name__ == "__main__":
    main()
