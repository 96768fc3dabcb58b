"""Start-up and streaming benchmark of the Gradio app (``python app.py``), on this machine.

    python -m evals.bench_app [--runs 3] [--cold-runs 2] [--out evals/results/bench_app.json]

Reports medians over several runs of:

* time to ready, cold: a fresh data directory, so ``app.py`` builds the index from
  ``corpus/`` (embedding cache empty) and starts serving;
* time to ready, warm: the index exists; ``app.py`` opens it and starts serving;
* time to the first answer: from starting ``app.py`` (index exists) until a question sent the
  moment the page is served has been answered (``app.py`` loads the model in the background
  while it serves, and such a question waits for it);
* time to the first streamed token: from submitting a question through the API to the first
  update that carries answer text (not a placeholder), and to the full answer.

"Ready" is the first successful ``GET /``: the page, the Documents tab and the API work.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What share of taxable emissions can be offset with international carbon credits?",
    "When did Singapore and Peru sign their Implementation Agreement?",
    "Which countries has Singapore signed Implementation Agreements with?",
    "What is the carbon tax rate in 2026?",
]
PLACEHOLDERS = ("Searching the documents", "Loading the search model")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    data_dir: Path, timeout: float = 900, env_extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str, float]:
    """Start ``app.py`` on a free port; return the process, its URL and seconds to ready.

    ``env_extra`` adds environment variables (e.g. ``ASSISTANT_AUTH``) for the app.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    port = free_port()
    env.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_PORT=str(port),
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        **(env_extra or {}),
    )
    url = f"http://127.0.0.1:{port}/"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise TimeoutError(f"app.py not ready after {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def first_token(url: str, question: str) -> tuple[float, float, int]:
    """Seconds to the first answer text and to the final answer, and the number of updates."""
    from gradio_client import Client

    client = Client(url, verbose=False)  # a fresh session: no history
    t0 = time.perf_counter()
    job = client.submit(question, [], [], [], api_name="/chat")
    first = None
    updates = 0
    for out in job:
        updates += 1
        text = out[1][-1]["content"][0]["text"] if out[1] else ""
        if first is None and text and not text.startswith(PLACEHOLDERS):
            first = time.perf_counter() - t0
    job.result()
    total = time.perf_counter() - t0
    return (first if first is not None else total), total, updates


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="warm starts and rounds of questions")
    ap.add_argument("--cold-runs", type=int, default=2, help="cold starts (each builds the index)")
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "bench_app.json")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="a6-bench-app-") as tmp:
        cold = []
        for i in range(args.cold_runs):
            proc, _, secs = start_app(Path(tmp) / f"cold-{i}")
            stop(proc)
            cold.append(secs)
            print(f"cold start {i + 1}: {secs:.1f} s", file=sys.stderr)
        data = Path(tmp) / "cold-0"
        warm, answered, first, total, updates = [], [], [], [], []
        for i in range(args.runs):
            proc, url, secs = start_app(data)
            warm.append(secs)
            try:
                answered.append(secs + first_token(url, QUESTIONS[0])[1])
                print(f"warm start {i + 1}: ready {secs:.1f} s, answered {answered[-1]:.1f} s",
                      file=sys.stderr)  # fmt: skip
                for q in QUESTIONS:
                    f, t, n = first_token(url, q)
                    first.append(f)
                    total.append(t)
                    updates.append(n)
            finally:
                stop(proc)

    result = {
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "runs": {"cold": args.cold_runs, "warm": args.runs, "questions": len(first)},
        "time_to_ready_cold_s": median(cold),
        "time_to_ready_warm_s": median(warm),
        "time_to_first_answer_warm_s": median(answered),
        "first_token_s": median(first),
        "full_answer_s": median(total),
        "stream_updates_median": statistics.median(updates),
        "samples": {
            "cold": cold,
            "warm": warm,
            "first_answer": answered,
            "first_token": first,
            "full_answer": total,
        },  # fmt: skip
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"time to ready, cold (builds the index): {result['time_to_ready_cold_s']:>6.2f} s")
    print(f"time to ready, warm (index exists):     {result['time_to_ready_warm_s']:>6.2f} s")
    print(
        f"time to the first answer, warm:         {result['time_to_first_answer_warm_s']:>6.2f} s"
    )
    print(f"time to first streamed token:           {result['first_token_s']:>6.2f} s")
    print(f"time to the full answer:                {result['full_answer_s']:>6.2f} s")
    print(f"machine: {result['machine']}; medians of {result['runs']}; written to {args.out}")


if __name__ == "__main__":
    main()
