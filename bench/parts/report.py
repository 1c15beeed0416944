"""The results as Markdown: one block per database kind in bench/results.md, the rest kept."""
from __future__ import annotations

from pathlib import Path

from bench.parts.common import CONCURRENCY

GOALS = {
    "generate_s": 120, "submit_ratio": 0.3, "dashboard_ms": 150, "audit_pdf_s": 1.0, "employee_pdf_s": 2.0,
    "submit_p95_ms": 50,
    "branch_pdf_s": 3.0, "impact_s": 2.0, "pdf_mb": 300, "export_mb": 200, "page_kb": 60,
}
GENERATE_GOAL_S = {"large": 900}  # ten times the standard data set: 15 minutes


def _fmt(value, unit="", digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:,.{digits}f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _met(ok) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def render(results: dict) -> str:
    m, d = results["machine"], results["dataset"]
    counts = d.get("counts", {})
    lines = [
        f"### {results['db']} — {results['when'][:16].replace('T', ' ')} UTC"
        + (" (quick)" if results.get("quick") else ""),
        "",
        f"- Command: `{results['command']}` on {results['url']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, Linux {m['kernel']}, "
        f"Python {m['python']}; load average {m['load_before']} at the start (the machine is shared)",
        f"- Data set ({results['scale']}): {_fmt(counts.get('branches'))} branches, "
        f"{_fmt(counts.get('employees'))} employees, {_fmt(counts.get('audit'))} audits, "
        f"{_fmt(counts.get('answer'))} answers, {_fmt(counts.get('section_score'))} section scores; "
        + (f"generated in {d['seconds']} s (goal < {GENERATE_GOAL_S.get(results['scale'], GOALS['generate_s'])} s; "
           f"{d.get('cpu_seconds')} s of CPU in "
           "the generator itself)" if not d.get("reused")
           else f"reused (generated {d.get('when')} in {d['seconds']} s)"),
        "",
        "| measurement | median | floor (same run) | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    notes = []
    s = results.get("submit")
    if s:
        p95_ok = s["submit_p95_ms"] is not None and s["submit_p95_ms"] < GOALS["submit_p95_ms"]
        lines.append(f"| submit: audits per second ({CONCURRENCY} clients, {s['workers']} gunicorn workers) | "
                     f"{_fmt(s['submit_rps'])}/s, p50 {_fmt(s['submit_p50_ms'])} ms, "
                     f"p95 {_fmt(s['submit_p95_ms'])} ms, "
                     f"{s['submit_errors']} errors | same work with the driver {_fmt(s['floor_rps'], '/s', 0)}, "
                     f"p50 {_fmt(s['floor_p50_ms'])} ms, p95 {_fmt(s['floor_p95_ms'])} ms | {s['ratio']} | "
                     f"≥ {GOALS['submit_ratio']}; p95 < {GOALS['submit_p95_ms']} ms | "
                     f"{_met(s['ratio'] >= GOALS['submit_ratio'] and p95_ok and s['submit_errors'] == 0)} |")
        notes.append(f"Submit: {s['rounds']} rounds of {s['seconds']} s each server, alternating (hello world, "
                     f"same-work floor bench/floor.py, the app), client {s['client']}; ratios to the floor per round "
                     f"{s['ratios']}; {s['requests']:,} POST /api/v1/audits with submit=true and "
                     f"Prefer: return=minimal, {s.get('submitted_in_db', 0):,} found submitted in the database "
                     f"afterwards, with the floor's {s['floor_requests']:,} (then deleted); floor errors "
                     f"{s['floor_errors']}; hello world {_fmt(s['hello_rps'], '/s', 0)} (p50 "
                     f"{_fmt(s['hello_p50_ms'])} ms), the app at {s['hello_ratio']} of it; largest worker peak memory "
                     f"{s['app_worker_peak_mb']} MB (floor {s['floor_worker_peak_mb']} MB, hello "
                     f"{s['hello_worker_peak_mb']} MB).")
    dash = results.get("dashboards")
    if dash:
        for p in dash["pages"]:
            if p.get("missing") or p.get("error"):
                what = f"error: {p['error']}" if p.get("error") else "not built yet"
                lines.append(f"| dashboard: {p['name']} (`{p['endpoint']}`) | {what} | | | < 150 ms | — |")
                continue
            lines.append(f"| dashboard: {p['name']} | {_fmt(p['median_ms'])} ms (second views: "
                         f"{_fmt(p.get('warm_median_ms'))} ms) | one SQL query "
                         f"{_fmt(p['floor_ms'], digits=2)} ms ({p['floor_rows']} rows) | "
                         f"{round(p['median_ms'] / max(p['floor_ms'], 0.01), 1)} | < {GOALS['dashboard_ms']} ms | "
                         f"{_met(p['median_ms'] < GOALS['dashboard_ms'])} |")
        notes.append("Dashboards: server time through the Flask test client (routing, permissions, queries, "
                     "templates), logged in, over the last 12 months; nothing is cached (the figures add up the "
                     "monthly roll-ups and the raw rows of the current month), the first runs measured after a "
                     "fresh process, in brackets the same pages again; "
                     "runs "
                     + "; ".join(f"{p['name']} {p.get('ms')}" for p in dash["pages"] if p.get("ms"))
                     + f"; peak memory {dash.get('peak_rss_mb')} MB.")
    pdfs = results.get("pdfs") or {}
    for kind, goal in (("audit", "audit_pdf_s"), ("employee", "employee_pdf_s"), ("branch", "branch_pdf_s")):
        p = pdfs.get(kind)
        if not p:
            continue
        if p.get("missing") or p.get("error"):
            what = f"error: {p['error']}" if p.get("error") else "not built yet"
            lines.append(f"| {kind} PDF | {what} | | | < {GOALS[goal]} s | — |")
            continue
        over = "" if kind == "audit" else " over a year"
        lines.append(f"| {kind} PDF{over} ({p['pages']} pages) | {_fmt(p['median_s'], ' s', 2)} "
                     f"(first in a fresh process {_fmt(p.get('first_s'), ' s', 2)}), peak "
                     f"{_fmt(p['peak_rss_mb'], ' MB', 0)} | plain {p['floor']['pages']}-page WeasyPrint "
                     f"{_fmt(p['floor']['median_s'], ' s', 2)} | {p['ratio']} | < {GOALS[goal]} s, "
                     f"< {GOALS['pdf_mb']} MB | "
                     f"{_met(p['median_s'] < GOALS[goal] and p['peak_rss_mb'] < GOALS['pdf_mb'])} |")
    e = results.get("exports")
    if e:
        if e.get("missing") or e.get("error"):
            what = f"error: {e['error']}" if e.get("error") else "not built yet"
            lines.append(f"| XLSX of all answers | {what} | | | < {GOALS['export_mb']} MB | — |")
        else:
            args = e.get("args") or {}
            period = f"{args.get('from', '…')} to {args.get('to', 'today')}"
            lines.append(f"| XLSX of the answers of scored audits, {period} ({_fmt(e.get('rows'))} rows) | "
                         f"{_fmt(e['median_s'], ' s')}, "
                         f"{_fmt(e['bytes'] / 1e6, ' MB')} file, peak {_fmt(e['peak_rss_mb'], ' MB', 0)} | | | "
                         f"flat memory, < {GOALS['export_mb']} MB | {_met(e['peak_rss_mb'] < GOALS['export_mb'])} |")
    i = results.get("impact")
    if i:
        if i.get("missing") or i.get("error"):
            what = f"error: {i['error']}" if i.get("error") else i.get("why", "not built yet")
            lines.append(f"| impact preview: replay of 10,000 audits | {what} | | | < {GOALS['impact_s']} s | — |")
        else:
            lines.append(f"| impact preview: replay of {_fmt(i['audits'])} audits under a draft "
                         f"({_fmt(i['distinct_audits'])} distinct; loading them {_fmt(i['load_median_s'], ' s', 2)}) | "
                         f"{_fmt(i['replay_median_s'], ' s', 2)} | scoring them with their version "
                         f"{_fmt(i['floor_median_s'], ' s', 2)} | {i['ratio']} | < {GOALS['impact_s']} s | "
                         f"{_met(i['replay_median_s'] < GOALS['impact_s'])} |")
    pg = results.get("page")
    if pg:
        if pg.get("missing"):
            lines.append(f"| phone: fill page weight | {pg['missing']} | | | < {GOALS['page_kb']} KB | — |")
        else:
            figure = pg["transferred_kb"]
            lines.append(f"| phone: fill page and all it loads ({pg['network_requests']} requests over the network) | "
                         f"{_fmt(figure)} KB transferred | bodies gzipped, without headers: "
                         f"{_fmt(pg['gzip_proxy_kb'])} KB | | "
                         f"< {GOALS['page_kb']} KB | {_met(figure < GOALS['page_kb'])} |")
            how = ("the app compresses pages" if pg["app_compresses"] else "the app compresses nothing")
            if pg["uncompressed"]:
                how += "; sent uncompressed although gzip would shrink them: " + ", ".join(
                    f"`{u}`" for u in pg["uncompressed"])
            notes.append(f"Fill page ({how}). Bytes on the wire incl. headers / decoded body / encoding: "
                         + "; ".join(f"`{r['url'][:60]}`{' (service worker)' if r['by_service_worker'] else ''} "
                                     f"{r['transferred']:,} / {r['decoded']:,} / {r['encoding']}"
                                     for r in pg["resources"])
                         + f"; {pg['requests'] - pg['network_requests']} more requests came from the cache or "
                           "the service worker (0 bytes).")
    lines.append("")
    lines.extend(f"- {n}" for n in notes)
    lines.append(f"- Whole run: {results['seconds']} s.")
    return "\n".join(lines) + "\n"


HEADER = """# Benchmark results

Written by `bench/run.py` (see the README, "Performance"). Each block is the latest run on that
database; every figure is a median of several runs, beside a floor measured in the same run.

"""


def write_results(path: Path, results: dict) -> None:
    begin, end = f"<!-- bench:{results['db']}:begin -->", f"<!-- bench:{results['db']}:end -->"
    block = f"{begin}\n{render(results)}{end}\n"
    text = path.read_text() if path.exists() else HEADER
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)
