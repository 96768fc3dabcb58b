"""An eval result (see :mod:`evals.suite`) → a terminal summary, JSON files and an HTML report.

    paths = write_outputs(result, Path("evals/results"))   # eval-<time>.json, latest.json,
    print_summary(result)                                   # report.html (self-contained)

The HTML has no external resources: plots are inline base64 PNGs (matplotlib, Agg), so the
file can be mailed, archived by CI or opened from disk.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from evals.splits import HOLDOUTS

# metric → (label, unit) where unit is "rate" (0..1), "chars" or "ms"
METRICS: dict[str, tuple[str, str]] = {
    "retrieval.hit@1": ("Retrieval hit@1", "rate"),
    "retrieval.hit@3": ("Retrieval hit@3", "rate"),
    "retrieval.mrr": ("Retrieval MRR", "rate"),
    "retrieval.ndcg@10": ("Retrieval nDCG@10", "rate"),
    "answers.fact_accuracy": ("Fact accuracy", "rate"),
    "answers.citation_precision": ("Citation precision", "rate"),
    "answers.fact_grounding": ("Fact grounding", "rate"),
    "answers.abstention_accuracy": ("Abstention accuracy (unanswerable)", "rate"),
    "answers.false_abstention_rate": ("False-abstention rate (answerable)", "rate"),
    "answers.median_answer_length": ("Median answer length", "chars"),
    "eligibility.verdict_accuracy": ("Eligibility verdict accuracy", "rate"),
    "latency.p50_ms": ("Latency p50 (ask, warm)", "ms"),
    "latency.p95_ms": ("Latency p95 (ask, warm)", "ms"),
}
DEFINITIONS = {
    "Retrieval hit@k, MRR, nDCG@10": "A retrieved chunk is relevant when it is from the gold "
    "document and contains the gold quote; only the first relevant chunk counts (one passage "
    "answers each question). Top 10 passages per question.",
    "Fact accuracy": "Answerable items whose answer contains every required fact (any listed "
    "alternative; case, whitespace and quote marks ignored). An abstention fails.",
    "Citation precision": "Over answered answerable items: the share of citations whose cited "
    "span contains a required fact or overlaps the span of a gold support quote in the same "
    "document. A cited sentence that holds none of the answer counts against it.",
    "Fact grounding": "Over required facts stated in answers: the share that a cited passage "
    "contains (the answer issue's 'the cited passage contains the fact').",
    "Abstention accuracy": "Unanswerable items on which the assistant abstained.",
    "False-abstention rate": "Answerable items on which the assistant abstained.",
    "Median answer length": "Characters of the answer text (with its [n] markers), over "
    "answers given; abstentions are left out.",
    "Verdict accuracy": "Eligibility checks whose verdict equals the expected one.",
    "Latency p50/p95": "Wall time of each Assistant.ask, one question at a time, after a "
    "warm-up question (nearest-rank percentiles). Top passage: one search.",
    "Pass (per question)": "Answerable: answered, every fact found, every citation supports. "
    "Unanswerable: abstained. Retrieval: gold passage in the top 3 (hybrid). Eligibility: "
    "the expected verdict.",
}
CALIBRATION_NOTE = (
    "The composer was tuned and its answer threshold ({threshold}) calibrated on the dev and "
    "test splits, so their figures flatter it: the holdout splits ("
    + ", ".join(HOLDOUTS)
    + "), written by sessions that never ran the assistant and never tuned on, are the honest "
    "figure. CI gates on all."
)
STATUS_STYLE = {
    "pass": "green",
    "below target": "yellow",
    "fail": "bold red",
    "missing": "bold red",
    "skipped": "dim",
}


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    unit = _unit(metric)
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "chars":
        return f"{value:,.0f} ch"
    return f"{value:.3f}"


def status_of(gate: dict) -> str:
    """pass, below target (passes the gate, misses the issue's target), fail, missing, skipped."""
    if gate["status"] == "pass" and gate["meets_target"] is False:
        return "below target"
    return gate["status"]


def _gate_by_metric(result: dict) -> dict[str, dict]:
    return {g["metric"]: g for g in result.get("gates") or []}


# -- terminal ----------------------------------------------------------------------------


def console() -> object:
    """A rich Console; wide when writing to a file or CI log, where nothing would wrap it."""
    from rich.console import Console

    c = Console()
    return c if c.is_terminal else Console(width=160)


def print_summary(result: dict, out: object = None) -> None:
    """The summary tables: current metrics vs thresholds, systems side by side, gate verdict."""
    from rich.table import Table
    from rich.text import Text

    out = out or console()
    splits = result["run"]["splits"]
    gates = _gate_by_metric(result)
    t = Table(title="Current configuration (metric names as in evals/thresholds.toml)")
    for col in ("metric", *splits, "target", "gate", "status"):
        t.add_column(col, justify="left" if col in ("metric", "status") else "right")
    for name, per in result["metrics"].items():
        g = gates.get(name)
        status = status_of(g) if g else "not gated"
        op = ("≥ " if g["better"] == "higher" else "≤ ") if g else ""
        t.add_row(
            name,
            *(fmt(name, per.get(s)) for s in splits),
            op + fmt(name, g["target"]) if g and g["target"] is not None else "—",
            f"{op}{fmt(name, g['gate'])} ({g['split']})" if g else "—",
            Text(status, style=STATUS_STYLE.get(status, "")),
        )
    out.print(t)
    for group in ("retrieval", "answers"):
        systems = result["systems"][group]
        if len(systems) < 2:
            continue
        t = Table(title=f"{group.capitalize()}: current vs baselines ({' / '.join(splits)})")
        t.add_column("metric")
        for key, s in systems.items():
            t.add_column(f"{key}{' (current)' if s['current'] else ''}", justify="right")
        for m in _system_metrics(group):
            name = f"{'latency' if m.endswith('_ms') else group}.{m}"
            cells = [
                " / ".join(fmt(name, s["metrics"][sp][m]) for sp in splits)
                for s in systems.values()
            ]
            t.add_row(name, *cells)
        out.print(t)
    out.print(CALIBRATION_NOTE.format(threshold=result["config"]["answer_threshold"]))
    _print_regressions(result.get("regressions"), out)
    run = result["run"]
    stages = ", ".join(f"{k} {v:.0f} s" for k, v in run["timings_s"].items())
    out.print(f"Ran in {run['elapsed_s']:.0f} s ({stages}).")
    state, message, failed = verdict(result)
    out.print({"pass": "[bold green]", "fail": "[bold red]"}.get(state, "[bold]") + message + "[/]")
    for g in failed:
        op = "≥" if g["better"] == "higher" else "≤"
        shown = "not in the results" if g["status"] == "missing" else fmt(g["metric"], g["value"])
        out.print(
            f"  {g['metric']} on {g['split']}: {shown}, needs {op} {fmt(g['metric'], g['gate'])}"
        )


def verdict(result: dict) -> tuple[str, str, list[dict]]:
    """The gate's verdict: ("pass" | "fail" | "none", a message, the failed gates)."""
    gates = result.get("gates") or []
    failed = [g for g in gates if g["status"] in ("fail", "missing")]
    skipped = [g for g in gates if g["status"] == "skipped"]
    if failed:
        return "fail", f"Gate failed: {len(failed)} of {len(gates)} gated metrics", failed
    if not gates or len(skipped) == len(gates):
        return "none", "No gate evaluated: the gated split was not run (see --split).", []
    more = f" ({len(skipped)} skipped: their split was not run)" if skipped else ""
    return "pass", f"Gate passed: every gated metric is within its threshold{more}.", []


def _system_metrics(group: str) -> tuple[str, ...]:
    if group == "retrieval":
        return ("hit@1", "hit@3", "mrr", "ndcg@10")
    return (
        "fact_accuracy", "citation_precision", "fact_grounding", "abstention_accuracy",
        "false_abstention_rate", "median_answer_length", "p50_ms", "p95_ms",
    )  # fmt: skip


def _print_regressions(reg: dict | None, console: object) -> None:
    if not reg:
        return
    console.print(f"Compared with the run of {reg.get('previous_started') or 'unknown date'}:")
    for d in reg["regressed_metrics"]:
        console.print(
            f"  [red]regressed[/] {d['metric']} ({d['split']}): {fmt(d['metric'], d['previous'])} → {fmt(d['metric'], d['current'])}"
        )
    for f in reg["pass_to_fail"]:
        console.print(f"  [red]pass → fail[/] {f['set']} {f['id']} ({f['split']})")
    for f in reg["fail_to_pass"]:
        console.print(f"  [green]fail → pass[/] {f['set']} {f['id']} ({f['split']})")
    if not (reg["regressed_metrics"] or reg["pass_to_fail"]):
        console.print("  no regressions")


# -- files -------------------------------------------------------------------------------


def write_outputs(result: dict, out_dir: Path) -> dict[str, Path]:
    """Write eval-<UTC time>.json, latest.json and report.html into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=1, default=str)
    paths = {"json": out_dir / f"eval-{stamp}.json", "latest": out_dir / "latest.json"}
    for p in paths.values():
        p.write_text(text + "\n", encoding="utf-8")
    paths["html"] = out_dir / "report.html"
    paths["html"].write_text(render_html(result), encoding="utf-8")
    return paths


# -- plots -------------------------------------------------------------------------------

COLOURS = ["#2f5d8a", "#e08a2c", "#4c9a5b", "#9a4c8f", "#7a7a7a"]


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _bars(ax: object, groups: Sequence[str], series: dict[str, list[float | None]]) -> None:
    """Grouped bars: one group per metric, one bar per system, values printed on top."""
    width = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        vals = [v if v is not None else 0.0 for v in values]
        bars = ax.bar(xs, vals, width, label=label, color=COLOURS[i % len(COLOURS)])
        for b, v in zip(bars, values, strict=True):
            text = "n/a" if v is None else f"{v:.2f}"
            ax.annotate(text, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                        va="bottom", fontsize=7, xytext=(0, 1), textcoords="offset points")  # fmt: skip
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.grid(axis="y", alpha=0.3)
    # Below the axes, so it never hides a bar.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(series),
              frameon=False)  # fmt: skip


def plot_systems(result: dict) -> str:
    """Every system side by side: retrieval and answer metrics, one row per split shown."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = [s for s in result["run"]["splits"] if s != "dev"] or result["run"]["splits"]
    fig, axes = plt.subplots(len(splits), 2, figsize=(12, 3.6 * len(splits)), squeeze=False)
    r_metrics = ("hit@1", "hit@3", "mrr", "ndcg@10")
    a_metrics = (
        "fact_accuracy",
        "citation_precision",
        "abstention_accuracy",
        "false_abstention_rate",
    )
    a_labels = ("fact acc.", "citation prec.", "abstention acc.", "false abst.")
    for row, split in enumerate(splits):
        for col, (group, metrics, labels) in enumerate(
            (
                ("retrieval", r_metrics, ("hit@1", "hit@3", "MRR", "nDCG@10")),
                ("answers", a_metrics, a_labels),
            )
        ):
            systems = result["systems"][group]
            series = {
                s["label"]: [s["metrics"][split][m] for m in metrics] for s in systems.values()
            }
            ax = axes[row][col]
            if all(v is None for vs in series.values() for v in vs):
                ax.axis("off")  # e.g. holdout has answer items only
                ax.set_title(f"{group.capitalize()} — no {split} items", fontsize=10)
                continue
            _bars(ax, labels, series)
            ax.set_title(f"{group.capitalize()} — {split} split", fontsize=10)
    fig.suptitle("Current configuration vs baselines (same run, same items)", fontsize=11)
    fig.tight_layout()
    return _png(fig)


def plot_thresholds(result: dict) -> str:
    """Each gated metric on its gated split, with its gate (|) and target (◆)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    gates = [g for g in result.get("gates") or [] if g["value"] is not None]
    units = {"rate": "share (0–1)", "chars": "characters", "ms": "milliseconds"}
    panels = [(t, [g for g in gates if _unit(g["metric"]) == u]) for u, t in units.items()]
    panels = [p for p in panels if p[1]]
    if not panels:
        return ""  # no gate was evaluated (its split was not run)
    heights = [len(gs) + 1.2 for _, gs in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 0.3 * sum(heights) + 0.6),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)  # fmt: skip
    colour = {"pass": "#4c9a5b", "below target": "#e0a22c", "fail": "#cf222e"}
    for ax, (title, gs) in zip(axes[:, 0], panels, strict=True):
        ys = list(range(len(gs)))
        ax.barh(ys, [g["value"] for g in gs], height=0.6,
                color=[colour.get(status_of(g), "#999") for g in gs])  # fmt: skip
        ax.scatter([g["gate"] for g in gs], ys, marker="|", s=250, color="black", zorder=3)
        tg = [(g["target"], y) for g, y in zip(gs, ys, strict=True) if g["target"] is not None]
        if tg:
            ax.scatter(*zip(*tg, strict=True), marker="D", s=28, color="#2f5d8a", zorder=4)
        top = max(max(g["value"], g["gate"], g["target"] or 0) for g in gs)
        ax.set_xlim(0, 1.02 if top <= 1 else top * 1.08)
        labels = [f"{METRICS.get(g['metric'], (g['metric'],))[0]} ({g['split']})" for g in gs]
        ax.set_yticks(ys, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(title, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles = [
        Line2D([], [], color="black", marker="|", linestyle="", markersize=12, label="gate (CI)"),
        Line2D([], [], color="#2f5d8a", marker="D", linestyle="", label="target (issue)"),
        *(Line2D([], [], color=c, linewidth=6, label=k) for k, c in colour.items()),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return _png(fig)


def _unit(metric: str) -> str:
    return METRICS.get(metric, ("", "rate"))[1]


def plot_kinds_and_latency(result: dict) -> str:
    """Pass rate of the composer per question kind and split; the ask latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]["answers"]
    kinds = sorted({r["kind"] for r in rows})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    series = {}
    for split in [s for s in result["run"]["splits"] if s != "all"] or ["all"]:
        sub = [r for r in rows if r["split"] == split]
        series[split] = [
            (sum(r["passed"] for r in ks) / len(ks))
            if (ks := [r for r in sub if r["kind"] == k])
            else None
            for k in kinds
        ]
    _bars(ax1, [k.replace("_", " ") for k in kinds], series)
    ax1.set_title("Composer pass rate by question kind", fontsize=10)
    ms = [r["latency_ms"] for r in rows]
    ax2.hist(ms, bins=30, color=COLOURS[0])
    lat = result["metrics"]
    for q, style in (("p50_ms", "--"), ("p95_ms", ":")):
        v = lat[f"latency.{q}"].get("all") or next(iter(lat[f"latency.{q}"].values()))
        if v is not None:
            ax2.axvline(v, color="black", linestyle=style, label=f"{q[:3]} {v:,.0f} ms")
    ax2.set_title("Ask latency (warm), ms", fontsize=10)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


# -- HTML --------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1320px;padding:0 16px;color:#1f2328}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border:1px solid #d0d7de;
padding:4px 6px;vertical-align:top;text-align:left}th{background:#f6f8fa}
td.num{text-align:right;white-space:nowrap}.meta{color:#57606a}
.note{background:#ddf4ff;border-left:4px solid #0969da;padding:8px 12px;margin:12px 0}
.banner{padding:10px 14px;font-weight:600;border-radius:6px;margin:12px 0}
.banner ul{margin:4px 0 0}.banner{background:#eaeef2}.ok{background:#dafbe1;color:#1a7f37}.bad{background:#ffebe9;color:#cf222e}
.s-pass{background:#dafbe1}.s-below{background:#fff1c2}.s-fail,.s-missing{background:#ffcecb}
.s-skipped{color:#8c959f}.tag{display:inline-block;padding:0 6px;border-radius:10px;
font-size:12px;font-weight:600}.t-pass{background:#dafbe1;color:#1a7f37}
.t-fail{background:#ffcecb;color:#a40e26}.t-below{background:#fff1c2;color:#7d4e00}
.found{color:#1a7f37}.missing{color:#cf222e}small{color:#57606a}
td.q{min-width:170px;max-width:240px}td.ans{min-width:300px;max-width:420px;white-space:pre-wrap}
td.cit{min-width:280px}
table.small{width:auto}img{max-width:100%;display:block;margin:8px 0}
details summary{cursor:pointer;color:#0969da}ul{margin:2px 0;padding-left:18px}
"""


def _tag(passed: bool) -> str:
    return (
        '<span class="tag t-pass">pass</span>' if passed else '<span class="tag t-fail">fail</span>'
    )


def _num(name: str, value: float | None) -> str:
    return f'<td class="num">{escape(fmt(name, value))}</td>'


def _table(head: Sequence[str], rows: Sequence[str], cls: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _metrics_section(result: dict) -> str:
    splits = result["run"]["splits"]
    gates = _gate_by_metric(result)
    rows = []
    for name, per in result["metrics"].items():
        g = gates.get(name)
        status = status_of(g) if g else "not gated"
        op = ("≥ " if g["better"] == "higher" else "≤ ") if g else ""
        cls = {"below target": "s-below"}.get(status, f"s-{status.split()[0]}")
        target = op + fmt(name, g["target"]) if g and g["target"] is not None else "—"
        gate = f"{op}{fmt(name, g['gate'])} ({g['split']})" if g else "—"
        rows.append(
            f'<tr class="{cls}"><td>{escape(METRICS.get(name, (name,))[0])}</td>'
            + "".join(_num(name, per.get(s)) for s in splits)
            + f'<td class="num">{escape(target)}</td><td class="num">{escape(gate)}</td>'
            f"<td><b>{escape(status)}</b></td><td><small>{escape(g['note'] if g else '')}</small></td></tr>"
        )
    legend = (
        '<p><span class="tag t-pass">pass</span> meets its target (or its gate when no target '
        'is set) · <span class="tag t-below">below target</span> passes the CI gate but misses '
        'the issue\'s target · <span class="tag t-fail">fail</span> below the gate: CI fails</p>'
    )
    head = ["metric", *splits, "target", "gate (split)", "status", "why the gate sits there"]
    return legend + _table(head, rows)


def _systems_section(result: dict) -> str:
    splits = result["run"]["splits"]
    out = []
    for group in ("retrieval", "answers"):
        systems = result["systems"][group]
        rows = []
        for m in _system_metrics(group):
            name = f"{'latency' if m.endswith('_ms') else group}.{m}"
            cells = "".join(
                f'<td class="num">{" / ".join(escape(fmt(name, s["metrics"][sp][m])) for sp in splits)}</td>'
                for s in systems.values()
            )
            rows.append(f"<tr><td>{escape(METRICS.get(name, (name,))[0])}</td>{cells}</tr>")
        head = [f"metric ({' / '.join(splits)})", *(s["label"] for s in systems.values())]
        out.append(f"<h3>{group.capitalize()}</h3>" + _table(head, rows))
    return "".join(out)


def _answer_rows(result: dict) -> str:
    rows = sorted(result["rows"]["answers"], key=lambda r: (r["passed"], r["split"], r["id"]))
    out = []
    for r in rows:
        q = escape(r["question"])
        if r["history"]:
            turns = "".join(
                f"<li><b>{escape(t['role'])}</b>: {escape(t['content'])}</li>" for t in r["history"]
            )
            q += f"<details><summary>history</summary><ul>{turns}</ul></details>"
        if r.get("standalone_question"):
            q += f"<br><small>read as: {escape(r['standalone_question'])}</small>"
        facts = (
            "".join(
                f'<li class="{"found" if f["found"] else "missing"}">{"✓" if f["found"] else "✗"} '
                f"{escape(' | '.join(f['alternatives']))}</li>"
                for f in r["facts"]
            )
            or f"<li><i>unanswerable</i>: {escape(r.get('why') or '')}</li>"
        )
        cites = (
            "".join(
                f'<li class="{"found" if c["supports"] else "missing"}">[{c["n"]}] {escape(c["doc_id"])}'
                f"{' · ' + escape(c['section']) if c['section'] else ''}: "
                f"<small>{escape(_clip(c['quote'], 160))}</small></li>"
                for c in r["citations"]
            )
            or "<li><small>none</small></li>"
        )
        extra = "".join(f"<li>{escape(p)}</li>" for p in r["problems"])
        if r.get("diagnosis"):
            diag = "".join(
                f"<li>{d['prob']:.3f} {escape(d['doc_id'])}: "
                f"<small>{escape(d['text'])}</small></li>"
                for d in r["diagnosis"]
            )
            extra += f"<details><summary>top candidates</summary><ul>{diag}</ul></details>"
        base = r.get("baseline", {}).get("top_passage")
        out.append(
            f"<tr><td>{_tag(r['passed'])}</td><td>{escape(r['id'])}<br><small>{escape(r['split'])}"
            f" · {escape(r['kind'])}</small></td><td class='q'>{q}</td>"
            f"<td class='ans'>{escape(r['answer'])}<br><small>{r['length']} ch · "
            f"{r['latency_ms']:,.0f} ms</small></td><td><ul>{facts}</ul></td><td class='cit'><ul>{cites}</ul></td>"
            f"<td>{_tag(base['passed']) if base else '—'}</td><td><ul>{extra}</ul></td></tr>"
        )
    head = [
        "",
        "id",
        "question",
        "answer given",
        "expected facts",
        "citations",
        "top passage",
        "problems",
    ]
    return _table(head, out)


def _retrieval_rows(result: dict) -> str:
    systems = result["systems"]["retrieval"]
    rows = sorted(result["rows"]["retrieval"], key=lambda r: (r["passed"], r["split"], r["id"]))
    out = [
        f"<tr><td>{_tag(r['passed'])}</td><td>{escape(r['id'])}<br><small>{escape(r['split'])}</small></td>"
        f"<td class='q'>{escape(r['question'])}</td><td>{escape(r['doc_id'])}<br>"
        f"<small>{escape(r['quote'])}</small></td>"
        + "".join(f'<td class="num">{r["ranks"].get(k) or "—"}</td>' for k in systems)
        + "</tr>"
        for r in rows
    ]
    head = [
        "",
        "id",
        "question",
        "gold passage",
        *(f"rank: {s['label']}" for s in systems.values()),
    ]
    return _table(head, out)


def _eligibility_rows(result: dict) -> str:
    rows = sorted(result["rows"]["eligibility"], key=lambda r: (r["passed"], r["split"], r["id"]))
    out = []
    for r in rows:
        inputs = ", ".join(f"{k}: {v}" for k, v in r["input"].items() if v)
        reasons = "".join(f"<li>{escape(x)}</li>" for x in r["reasons"][:3])
        out.append(
            f"<tr><td>{_tag(r['passed'])}</td><td>{escape(r['id'])}<br><small>{escape(r['split'])}"
            f"</small></td><td>{escape(inputs)}</td><td>{escape(r['expected'])}</td>"
            f"<td>{escape(r['verdict'])}<ul>{reasons}</ul></td><td><small>{escape(r['why'])}</small></td></tr>"
        )
    return _table(["", "id", "input", "expected", "verdict and reasons", "why"], out)


def _regressions_section(reg: dict | None) -> str:
    if not reg:
        return "<p>No previous run given (use <code>--compare PREVIOUS.json</code>).</p>"
    rows = [
        f"<tr class='{'s-fail' if d['regressed'] else ''}'><td>{escape(d['metric'])}</td>"
        f"<td>{escape(d['split'])}</td>{_num(d['metric'], d['previous'])}{_num(d['metric'], d['current'])}"
        f"<td class='num'>{d['delta']:+.3f}</td><td>{'regressed' if d['regressed'] else ''}</td></tr>"
        for d in reg["metrics"]
        if d["delta"] or d["regressed"]
    ]
    flips = "".join(
        f"<li class='missing'>pass → fail: {escape(f['set'])} {escape(f['id'])} ({escape(f['split'])})</li>"
        for f in reg["pass_to_fail"]
    ) + "".join(
        f"<li class='found'>fail → pass: {escape(f['set'])} {escape(f['id'])} ({escape(f['split'])})</li>"
        for f in reg["fail_to_pass"]
    )
    changed = (
        _table(["metric", "split", "previous", "now", "delta", ""], rows)
        if rows
        else "<p>No metric changed.</p>"
    )
    return (
        f"<p>Against the run of {escape(str(reg.get('previous_started')))}: "
        f"{len(reg['regressed_metrics'])} metric regressions, {len(reg['pass_to_fail'])} questions "
        f"went from pass to fail, {len(reg['fail_to_pass'])} from fail to pass.</p>"
        f"{changed}<ul>{flips}</ul>"
    )


def _img(png: str, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{png}">' if png else ""


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_html(result: dict) -> str:
    """The whole report as one self-contained HTML page."""
    run, cfg, gold = result["run"], result["config"], result["gold"]
    splits = run["splits"]
    state, message, failed = verdict(result)
    items = "".join(
        f"<li>{escape(g['metric'])} on {escape(g['split'])}: {escape(fmt(g['metric'], g['value']))}"
        f" (gate {'≥' if g['better'] == 'higher' else '≤'} {escape(fmt(g['metric'], g['gate']))})</li>"
        for g in failed
    )
    css = {"pass": "ok", "fail": "bad"}.get(state, "")
    banner = f'<div class="banner {css}">{escape(message)}<ul>{items}</ul></div>'
    gold_rows = [
        f"<tr><td>{escape(name)}</td>"
        + "".join(f'<td class="num">{per.get(s, "—")}</td>' for s in splits)
        + "</tr>"
        for name, per in gold.items()
    ]
    defs = "".join(
        f"<dt><b>{escape(k)}</b></dt><dd>{escape(v)}</dd>" for k, v in DEFINITIONS.items()
    )
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in run["timings_s"].items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval report — Article 6 Assistant</title>
<style>{CSS}</style></head><body>
<h1>Article 6 Assistant — evaluation report</h1>
<p class="meta">Run {escape(run["started"])} · {run["elapsed_s"]:.0f} s ({escape(timings)}) ·
split: {escape(run["split"])} · corpus: {result["corpus"]["documents"]} documents,
{result["corpus"]["chunks"]} chunks (fresh index) · fusion {escape(cfg["fusion"])} ·
{escape(cfg["embedding_model"])} · LLM {"on" if cfg["llm"] else "off"}</p>
<div class="note">{escape(CALIBRATION_NOTE.format(threshold=cfg["answer_threshold"]))}</div>
{banner}
<h2>Gold sets (items per split)</h2>{_table(["set", *splits], gold_rows, "small")}
<h2>Metrics against thresholds</h2>{_metrics_section(result)}
{_img(plot_thresholds(result), "Gated metrics against their gates and targets")}
<h2>Systems side by side</h2>
<p>Baselines run in the same process, on the same index and questions: BM25 only, dense only,
hybrid with the reader's re-ranking switched the other way, a vanilla llama-index <code>VectorStoreIndex</code> (raw files, default <code>SentenceSplitter</code>,
same MiniLM model), and the first passage of search given verbatim as the answer.</p>
{_img(plot_systems(result), "Systems side by side")}
{_systems_section(result)}
<h2>Regressions</h2>{_regressions_section(result.get("regressions"))}
<h2>Answers, per question (failures first)</h2>
{_img(plot_kinds_and_latency(result), "Pass rate by question kind; latency")}
{_answer_rows(result)}
<h2>Retrieval, per question (failures first)</h2>{_retrieval_rows(result)}
<h2>Eligibility, per question (failures first)</h2>{_eligibility_rows(result)}
<h2>Definitions</h2><dl>{defs}</dl>
</body></html>
"""
