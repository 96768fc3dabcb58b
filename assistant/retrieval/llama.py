"""The hybrid retriever as a llama-index ``BaseRetriever`` (llama-index imported lazily)."""

from __future__ import annotations

from assistant.retrieval.retriever import Filters, Retriever


def make_llama_retriever(
    retriever: Retriever, k: int | None = None, filters: Filters | None = None
):  # noqa: ANN201
    """A llama-index ``BaseRetriever`` over ``retriever`` (imported lazily: llama-index is heavy)."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class LlamaHybridRetriever(BaseRetriever):
        """Hybrid (dense + BM25) retrieval with provenance in each node's metadata."""

        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            hits = retriever.search(query_bundle.query_str, k, filters=filters)
            out = []
            for h in hits:
                meta = h.to_dict()
                text = meta.pop("text")
                node = TextNode(id_=h.chunk.chunk_id, text=text, metadata=meta)
                node.excluded_embed_metadata_keys = list(meta)
                node.excluded_llm_metadata_keys = [x for x in meta if x not in ("title", "section")]
                out.append(NodeWithScore(node=node, score=h.score))
            return out

    return LlamaHybridRetriever()
