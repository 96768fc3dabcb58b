"""Gradio app: a thin layer over assistant.Assistant. Start with `python app.py`."""

from __future__ import annotations

import gradio as gr

from assistant.api import Assistant
from assistant.config import Settings


def build(assistant: Assistant) -> gr.Blocks:
    def search(query: str) -> str:
        if not query.strip():
            return "Type a question."
        hits = assistant.search(query)
        if not hits:
            return "No matching passages."
        out = []
        for i, h in enumerate(hits, 1):
            c = h.chunk
            where = " · ".join(str(x) for x in (c.section, c.published) if x)
            out.append(f"**[{i}] {c.title}**  \n_{where}_\n\n> {' '.join(c.text.split())}")
        return "\n\n".join(out)

    with gr.Blocks(title="Article 6 Assistant") as demo:
        gr.Markdown("# Article 6 Assistant\nSearch Singapore's Article 6 carbon-market documents.")
        q = gr.Textbox(label="Question")
        out = gr.Markdown()
        q.submit(search, q, out)
    return demo


def main() -> None:
    settings = Settings()
    assistant = Assistant(settings)
    if assistant.is_empty():
        print("No index yet: building it from", settings.corpus_dir)
        assistant.ingest(progress=True)
    assistant.warm_up()
    build(assistant).launch(server_name=settings.host, server_port=settings.port)


if __name__ == "__main__":
    main()
