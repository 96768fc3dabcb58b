"""The reader's network (torch): all-MiniLM-L6-v2 read as a cross-encoder.

(question, candidate) go in as one BERT pair; the last layer's token vectors are mean-pooled
(the pooling the bi-encoder was trained with, so training starts from a useful pooled vector)
and a linear head gives one logit, sigmoid(logit) being the probability that the candidate
answers the question. The embeddings and the lower layers stay as the package ships them;
only the upper layers and the head are trained, and only they are stored in the repository.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

HIDDEN = 384


class CrossReader(nn.Module):
    def __init__(self, base_dir: Path, frozen_layers: int) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base_dir))
        self.head = nn.Linear(HIDDEN, 1)
        self.frozen_layers = frozen_layers
        for p in self.encoder.embeddings.parameters():
            p.requires_grad = False
        for layer in self.encoder.encoder.layer[:frozen_layers]:
            for p in layer.parameters():
                p.requires_grad = False

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> torch.Tensor:
        out = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def trained_state(self) -> dict[str, torch.Tensor]:
        """The parameters training changes: what the repository stores."""
        names = {n for n, p in self.named_parameters() if p.requires_grad}
        return {n: t for n, t in self.state_dict().items() if n in names}


def quantise(state: dict) -> dict:
    """Weight matrices as int8 with one fp16 scale per row (``<name>.scale``); the rest fp16.

    Weight-only and per row, so the reader runs in fp32 as before (no activation quantisation,
    which moved the logits by up to 0.7 when tried) and the file is half the fp16 one: git
    keeps every version of it."""
    out = {}
    for name, t in state.items():
        t = t.detach().to("cpu").float()
        if t.dim() == 2 and t.shape[1] >= 256:
            scale = (t.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-12)
            out[name] = torch.round(t / scale).clamp(-127, 127).to(torch.int8).contiguous()
            out[f"{name}.scale"] = scale.half().contiguous()
        else:
            out[name] = t.half().contiguous()
    return out


def dequantise(stored: dict) -> dict:
    """The fp32 state ``quantise`` stored (fp16 files of format 1 load as they are)."""
    out = {}
    for name, t in stored.items():
        if name.endswith(".scale"):
            continue
        if f"{name}.scale" in stored:
            out[name] = t.float() * stored[f"{name}.scale"].float()
        else:
            out[name] = t.float()
    return out
