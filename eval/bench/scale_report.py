"""Tables and chart for `eval.bench.scale` results (see that module for what is measured)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGET_ASK_P95_MS = 500  # issue 6, warm, at 1,000 reports
TARGET_RSS_GIB = 4
TARGET_INGEST_RATIO = 2  # ours / llama-index default, embedded word pieces per second


def _f(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _growth(rows: list[dict[str, Any]], get) -> str:
    """'x9.6' growth of a figure from the smallest size to the largest."""
    first, last = get(rows[0]), get(rows[-1])
    return f"×{last / first:.1f}" if first and last is not None else "–"


def growth_lines(rows: list[dict[str, Any]]) -> list[str]:
    """What grows how between the smallest and the largest size."""
    if len(rows) < 2:
        return []
    size = rows[-1]["size"] / rows[0]["size"]
    figures = [
        ("chunks", lambda r: r["ingest"]["chunks"]),
        ("ingest time", lambda r: r["ingest"]["ingest_s"]),
        ("index on disk (Chroma)", lambda r: r["disk"]["total_mb"] - r["disk"]["derived_mb"]),
        ("derived-state cache on disk", lambda r: r["disk"]["derived_mb"]),
        ("ingest peak RSS", lambda r: r["ingest"]["peak_rss_mb"]),
        ("first start to first answer (derives state)", lambda r: r["first_start"]["first_answer_s"]),
        ("restart to first answer (cached state)", lambda r: r["restart"]["first_answer_s"]),
        ("query process peak RSS", lambda r: r["restart"]["peak_rss_mb"]),
        ("search p50", lambda r: r["restart"]["search"]["p50_ms"]),
        ("ask p50", lambda r: r["restart"]["ask"]["p50_ms"]),
        ("ask p95", lambda r: r["restart"]["ask"]["p95_ms"]),
    ]
    lines = [f"From {rows[0]['size']:,} to {rows[-1]['size']:,} reports (×{size:.0f}):"]
    for label, get in figures:
        try:
            lines.append(f"- {label}: {_growth(rows, get)}")
        except KeyError:
            continue
    return lines


def markdown(results: dict[str, Any]) -> str:
    rows = sorted(results["sizes"], key=lambda r: r["size"])
    s = results["settings"]
    out = ["# Scale benchmark", "",
           f"Synthetic corpora from the bundled reports (`eval/bench/synth.py`); embedding precision "
           f"{s['precision']}, index `{s['index_name']}`. Synthesis: {results.get('synthesis')}.", "",
           "## Ingest", "",
           "| reports | chunks | ingest s | chunks/s | report chars/s | s per 1k chunks | Chroma MB | derived cache MB | peak RSS MB |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        g = r["ingest"]
        out.append(f"| {r['size']:,} | {g['chunks']:,} | {g['ingest_s']:.0f} | {g['chunks_per_s']:.1f} | "
                   f"{g['report_chars_per_s']:,.0f} | {1000 * g['ingest_s'] / g['chunks']:.1f} | "
                   f"{r['disk']['total_mb'] - r['disk']['derived_mb']:,.0f} | {r['disk']['derived_mb']:,.0f} | "
                   f"{g['peak_rss_mb']:,.0f} |")
    out += ["", "## Queries (warm, one process, gold questions)", "",
            "| reports | first start → first answer s | restart → first answer s | search p50 / p95 ms | "
            "ask p50 / p95 ms | peak RSS MB |", "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        q = r["restart"]
        search, ask = q.get("search", {}), q.get("ask", {})
        out.append(f"| {r['size']:,} | {r['first_start']['first_answer_s']:.1f} | {q['first_answer_s']:.1f} | "
                   f"{_f(search.get('p50_ms'))} / {_f(search.get('p95_ms'))} | "
                   f"{_f(ask.get('p50_ms'))} / {_f(ask.get('p95_ms'))} | {q['peak_rss_mb']:,.0f} |")
    loads = [r for r in rows if "load" in r]
    if loads:
        out += ["", "## Load test (`python app.py`, concurrent gradio_client clients on loopback)", "",
                "| reports | clients | requests | errors | /ask p50 / p95 ms | /search p50 / p95 ms | requests/s | app peak RSS MB |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in loads:
            ld = r["load"]
            lat = ld["latency_ms"]
            cells = [f"{_f(lat.get(e, {}).get('p50'))} / {_f(lat.get(e, {}).get('p95'))}" for e in ("/ask", "/search")]
            out.append(f"| {r['size']:,} | {ld['clients']} | {ld['requests']} | {ld['errors']} | {cells[0]} | "
                       f"{cells[1]} | {ld['throughput_rps']:.2f} | {_f(ld.get('app_peak_rss_mb'))} |")
    base = results.get("baseline")
    if base:
        pipes = base["pipelines"]
        out += ["", f"## Ingest vs llama-index's default pipeline ({pipes['ours']['files']} synthetic reports, "
                    f"same run, median of {base['repeat']} interleaved runs)",
                "", "| pipeline | seconds | report chars/s | chunks/s | embedded word pieces/s |", "|---|---:|---:|---:|---:|"]
        for name, label in (("ours", f"ours ({base['precision']})"), ("ours_float32", "ours (float32)"),
                            ("llama_index_fit", "llama-index, chunks that fit the window"),
                            ("llama_index", "llama-index default")):
            if name in pipes:
                f = pipes[name]
                out.append(f"| {label} | {f['seconds']:.1f} | {f['report_chars_per_s']:,.0f} | "
                           f"{f['chunks_per_s']:.1f} | {f['embedded_pieces_per_s']:,.0f} |")
        ratio = base["ratio_ours_over_llama"]
        out.append(f"\nours / llama-index: embedded word pieces/s ×{ratio['embedded_pieces_per_s']:.2f}, "
                   f"chunks/s ×{ratio['chunks_per_s']:.2f}, report chars/s ×{ratio['report_chars_per_s']:.2f}.")
        fit = base.get("ratio_ours_over_llama_fit")
        if fit:
            out.append(f"ours / llama-index with chunks that fit (embeds all the text, as ours does): report chars/s "
                       f"×{fit['report_chars_per_s']:.2f}, embedded word pieces/s ×{fit['embedded_pieces_per_s']:.2f}.")
    last = rows[-1] if rows else None
    if last and last["ingest"].get("slices"):
        out += ["", f"## Ingest rate as the index grows ({last['size']:,} reports, in timed slices)", "",
                "| chunks already indexed | chunks | s | chunks/s | CPU s per 1k chunks | load average (1 min) |",
                "|---:|---:|---:|---:|---:|---:|"]
        for st in last["ingest"]["slices"]:
            out.append(f"| {st['indexed_before']:,} | {st['chunks']:,} | {st['seconds']:.0f} | {st['chunks_per_s']:.1f} | "
                       f"{1000 * st['cpu_seconds'] / st['chunks']:.1f} | {st['loadavg_1m']:.1f} |")
    for kind in ("search", "ask"):
        slow = (last or {}).get("restart", {}).get(kind, {}).get("slowest")
        if slow:
            out += ["", f"Slowest {kind} questions at {last['size']:,} reports: "
                    + "; ".join(f"{q!r} {1000 * t:,.0f} ms" for q, t in slow)]
    out += ["", "## What grows how", "", *growth_lines(rows), "", *targets(results, rows)]
    return "\n".join(out) + "\n"


def targets(results: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, checked at the largest size measured."""
    if not rows:
        return []
    last = rows[-1]
    lines = [f"## Targets at {last['size']:,} reports", ""]
    ask = last["restart"].get("ask", {}).get("p95_ms")
    if ask is not None:
        lines.append(f"- warm ask p95 {ask:,.0f} ms (target ≤ {TARGET_ASK_P95_MS}): {'met' if ask <= TARGET_ASK_P95_MS else 'NOT met'}")
    rss = [last["ingest"]["peak_rss_mb"], last["restart"]["peak_rss_mb"]]
    if last.get("load", {}).get("app_peak_rss_mb"):
        rss.append(last["load"]["app_peak_rss_mb"])
    gib = max(rss) / 1024
    lines.append(f"- peak resident memory {gib:.2f} GiB (largest of ingest, query and app processes; target ≤ "
                 f"{TARGET_RSS_GIB}): {'met' if gib <= TARGET_RSS_GIB else 'NOT met'}")
    if "baseline" in results:
        r = results["baseline"]["ratio_ours_over_llama"]["embedded_pieces_per_s"]
        lines.append(f"- ingest ×{r:.2f} llama-index's default in embedded word pieces/s (target ≥ "
                     f"{TARGET_INGEST_RATIO}): {'met' if r >= TARGET_INGEST_RATIO else 'NOT met'}")
        fit = results["baseline"].get("ratio_ours_over_llama_fit")
        if fit:
            f = fit["report_chars_per_s"]
            lines.append(f"- ingest ×{f:.2f} llama-index with chunks that fit the window, in report chars/s (target ≥ "
                         f"{TARGET_INGEST_RATIO}): {'met' if f >= TARGET_INGEST_RATIO else 'NOT met'}")
    if "load" in last:
        lines.append(f"- load test errors: {last['load']['errors']} (target 0)")
    return lines


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    rows = sorted(results["sizes"], key=lambda r: r["size"])
    sizes = [r["size"] for r in rows]
    fig, (lat, ing, mem) = plt.subplots(1, 3, figsize=(15, 4.2))
    series = [("search p50", "search", "p50_ms", "-o"), ("search p95", "search", "p95_ms", "--o"),
              ("ask p50", "ask", "p50_ms", "-s"), ("ask p95", "ask", "p95_ms", "--s")]
    for label, kind, key, style in series:
        values = [r["restart"].get(kind, {}).get(key) for r in rows]
        if all(v is not None for v in values):
            lat.plot(sizes, values, style, label=label)
    loaded = [r for r in rows if "load" in r and "/ask" in r["load"]["latency_ms"]]
    if loaded:
        lat.plot([r["size"] for r in loaded], [r["load"]["latency_ms"]["/ask"]["p95"] for r in loaded], ":^",
                 label=f"/ask p95, {loaded[0]['load']['clients']} clients at once")
    lat.axhline(TARGET_ASK_P95_MS, color="grey", linewidth=0.8, linestyle=":")
    lat.set(xscale="log", yscale="log", xlabel="reports in the corpus", ylabel="ms", title="Query latency (warm)")
    lat.legend(fontsize=8)
    for r in rows:  # per-slice rate against what is already indexed: flat = linear cost
        steps = r["ingest"].get("slices") or []
        if steps:
            ing.plot([st["indexed_before"] + st["chunks"] / 2 for st in steps], [st["chunks_per_s"] for st in steps],
                     "-o", markersize=3, label=f"{r['size']:,} reports")
    ing.set(xlabel="chunks in the index", ylabel="chunks/s", title="Ingest rate as the index grows")
    ing.set_ylim(bottom=0)
    ing.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v else "0"))
    ing.legend(fontsize=8)
    for label, get, style in (("ingest", lambda r: r["ingest"]["peak_rss_mb"], "-o"),
                              ("query (restart)", lambda r: r["restart"]["peak_rss_mb"], "--s"),
                              ("app under load", lambda r: (r.get("load") or {}).get("app_peak_rss_mb"), ":^")):
        values = [get(r) for r in rows]
        if all(v is not None for v in values):
            mem.plot(sizes, [v / 1024 for v in values], style, label=label)
    mem.axhline(TARGET_RSS_GIB, color="grey", linewidth=0.8, linestyle=":")
    mem.set(xscale="log", xlabel="reports in the corpus", ylabel="GiB", title="Peak resident memory")
    mem.set_ylim(bottom=0)
    mem.legend(fontsize=8)
    for axis in (lat, mem):  # plain numbers at the sizes measured
        axis.set_xticks(sizes, [f"{n:,}" for n in sizes])
        axis.xaxis.set_minor_locator(ticker.NullLocator())
    lat.yaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
    lat.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    lat.yaxis.set_minor_locator(ticker.NullLocator())
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
