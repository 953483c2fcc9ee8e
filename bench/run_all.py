"""`make bench`: every benchmark in one run, DESIGN §7's targets beside the baselines, results into docs/benchmarks.md.

    .venv/bin/python bench/run_all.py            # full sizes (about 12 minutes; 2 more the first time: data)
    .venv/bin/python bench/run_all.py --quick    # small sizes, about 4 minutes; prints, leaves the docs alone
    .venv/bin/python bench/run_all.py --quick --output /tmp/benchmarks.md   # … or writes a copy of them

Runs, one after another (each starts its own servers and client processes, so they never compete):

  1. bench/nearby.py      nearby search on 1,000,000 help requests (database dugnad_bench; --quick: 20,000 rows in
                          dugnad_bench_quick, so the big data set is never cut down);
  2. bench/chat.py        chat latency, throughput and idle connections beside the bare relay, the bare daphne
                          echo consumer and the naive channels-redis relays, plus the scale-out step
                          (--processes 1,2,3), daphne listening with a backlog of 2048;
  3. bench/ws_connect.py  the handshake burst from 4 client processes against daphne with a backlog of 2048.

Each writes its figures as JSON for this script, which prints the targets of DESIGN §7 with what was measured, the
baselines of the same run and a verdict per target, and (full runs, or with --output) replaces the part of
docs/benchmarks.md between the markers below with those tables, the benchmarks' own tables, the date, the commit
and a description of the machine. The hand-written analysis outside the markers stays as it is. A benchmark that
fails is reported as such; the others still run. Exit status: 0 when every benchmark ran and every exactly-once
check held (a missed performance target is a verdict, not a failure), 1 otherwise.
"""

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
BACKLOG = 2048
QUICK_NEARBY_URL = "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad_bench_quick"

# What a benchmark prints after its tables that does not belong in the docs' results (plans, logs, profiles).
STOP = ("The queries of one API call", "The app's SQL", "EXPLAIN", "daphne's output", "load average after",
        "py-spy", "PROBLEMS", "Dugnad: ")


def benchmarks(quick):
    """(name, script, arguments) of every benchmark, at full or quick sizes."""
    if quick:
        nearby = ["--rows", "20000", "--iterations", "50", "--warmup", "10", "--database-url", QUICK_NEARBY_URL]
        chat = ["--quick", "--processes", "1,2,3", "--backlog", str(BACKLOG)]
        connect = ["--quick", "--backlog", str(BACKLOG), "--client-processes", "4"]
    else:
        nearby = []
        chat = ["--processes", "1,2,3", "--backlog", str(BACKLOG)]
        connect = ["--backlog", str(BACKLOG), "--client-processes", "4"]
    return [("nearby", "bench/nearby.py", nearby), ("chat", "bench/chat.py", chat),
            ("ws_connect", "bench/ws_connect.py", connect)]


def run(name, script, arguments, directory):
    """Runs one benchmark, its output shown as it comes and kept; returns (exit status, output, JSON or None, s)."""
    path = Path(directory) / f"{name}.json"
    command = [sys.executable, "-u", script, *arguments, "--json", str(path)]
    print(f"\n=== {name}: {' '.join(command[2:])}", flush=True)
    started = time.monotonic()
    lines = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    seconds = time.monotonic() - started
    figures = json.loads(path.read_text()) if path.exists() and process.returncode == 0 else None
    return process.returncode, lines, figures, seconds


def sections(lines):
    """The Markdown sections a benchmark printed: from each `### ` heading to the next, without what ``STOP`` names."""
    found, current = [], None
    for line in lines:
        if line.startswith("### "):
            current = [line]
            found.append(current)
        elif current is not None:
            if line.startswith(STOP):
                current = None
            else:
                current.append(line)
    return ["\n".join(section).strip() for section in found]


# --- The machine -----------------------------------------------------------------------------------------------------


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    system = "Linux"
    with contextlib.suppress(OSError):
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        system = release.get("PRETTY_NAME", system).strip('"')
    postgres = redis_version = "unknown"
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect("postgresql://dugnad:dugnad@127.0.0.1:5432/template1", connect_timeout=5) as conn:
            postgres = conn.execute("SHOW server_version").fetchone()[0].split()[0]
            postgres += " + PostGIS " + conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_timeout=5)
        redis_version = client.info("server")["redis_version"]
    packages = ", ".join(f"{name} {metadata.version(name)}" for name in (
        "django", "channels", "channels-redis", "daphne", "psycopg", "websockets"))
    return (f"{os.cpu_count()} × {cpu}, {memory / 1024 / 1024:.1f} GiB RAM, {system} (kernel "
            f"{platform.release()}); Python {platform.python_version()}, PostgreSQL {postgres}, Redis "
            f"{redis_version}; {packages}. PostgreSQL, Redis, the servers and the load generators all share the "
            "machine.")


def commit():
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "chat", "config", "neighbours", "requests",
                            "offers", "geo", "bench"], cwd=ROOT, capture_output=True, text=True).stdout
    return head.strip() + (" with uncommitted changes" if dirty.strip() else "")


# --- The targets ---------------------------------------------------------------------------------------------------


def verdict(met, at_size=True):
    if met is None:
        return "not measured"
    text = "**met**" if met else "**not met**"
    return text if at_size else f"{text} (quick run: below the target's size)"


def targets(results, quick):
    """Rows (target, measured, baselines in the same run, verdict) for DESIGN §7."""
    rows = []
    nearby = results.get("nearby")
    if nearby:
        variants = nearby["variants"]
        base = variants["a. baseline: hand-written SQL (psycopg)"]

        def ratio(name):
            v = variants.get(name)
            return (v["p50"] / base["p50"], v["p95"] / base["p95"]) if v else None

        baseline = f"hand-written GiST query: {base['p50']:.2f} / {base['p95']:.2f} ms (p50 / p95)"
        app = ratio("b. app query: its SQL (psycopg)")
        rows.append(("Nearby: the app's query within 1.5x of the hand-written one (p50, p95)",
                     f"{app[0]:.2f}x / {app[1]:.2f}x", baseline, verdict(max(app) <= 1.5, not quick)))
        for label, name in (("over HTTP to daphne with the connection pool (production)",
                             "c. API call: HTTP to daphne, connection pool"),
                            ("over HTTP to daphne without a pool", "c. API call: HTTP to daphne"),
                            ("in process (Django's test client)", "c. API call: in-process test Client")):
            measured = ratio(name)
            if measured:
                v = variants[name]
                rows.append((f"Nearby: the full API call within 4x at p95, {label}",
                             f"{measured[1]:.2f}x ({v['p50']:.1f} / {v['p95']:.1f} ms)", baseline,
                             verdict(measured[1] <= 4, not quick)))
        rows.append(("Nearby: DESIGN's figure for the hand-written query, 0.7 / 1.8 ms (p50 / p95)",
                     f"{base['p50']:.2f} / {base['p95']:.2f} ms", f"{nearby['rows']:,} rows; at a typical point "
                     f"{nearby['open_within']['p50']:.0f} open requests within 5 km",
                     "reproduced" if base["p50"] <= 1.0 and base["p95"] <= 2.5 else "not reproduced (a reference, "
                     "not a target)"))
    chat = results.get("chat")
    if chat:
        latency = {row["kind"]: row for row in chat["latency"]}
        app = latency.get("app")
        if app:
            base = "; ".join(f"{row['label']}: {row['p50']:.2f} / {row['p99']:.2f} ms" for kind, row in latency.items()
                             if kind in ("bare", "echo"))
            rows.append(("Chat: send → persisted → delivered, p50 < 10 ms and p99 < 50 ms, 10 senders at 200/s",
                         f"{app['p50']:.1f} / {app['p99']:.1f} ms at {app['rate']:.0f} delivered/s", base,
                         verdict(app["p50"] < 10 and app["p99"] < 50, not quick)))
        best = {}
        for row in chat["throughput"]:
            best[row["kind"]] = max(best.get(row["kind"], 0), row["rate"])
        if "app" in best:
            shares = "; ".join(f"{kind}: {rate:.0f}/s (ours {best['app'] / rate:.3f} of it)"
                               for kind, rate in best.items() if kind != "app")
            rows.append(("Chat: at least 1,000 persisted and delivered messages/s per daphne process",
                         f"{best['app']:.0f}/s", shares, verdict(best["app"] >= 1000, not quick)))
        idle = chat.get("idle")
        if idle:
            full = idle["count"] >= 5000
            rows.append(("Connections: 5,000 subscribed WebSocket connections on one daphne under 400 MiB RSS",
                         f"{idle['opened']:,} of {idle['count']:,} subscribed: {idle['rss']['connected']:.0f} MiB "
                         f"(started at {idle['rss']['started']:.0f} MiB)", "—",
                         verdict(idle["opened"] == idle["count"] and idle["rss"]["connected"] < 400, full)))
            fanout = [ms for ms, _received, _expected in idle["fanout"]]
            complete = all(received == expected for _ms, received, expected in idle["fanout"])
            members = idle["members"]
            rows.append(("Connections: a message to a 1,000-member group delivered to all within 500 ms",
                         f"{max(fanout):.0f} ms at most over {len(fanout)} messages to {members:,} members"
                         + ("" if complete else " (not all received)"), "—",
                         verdict(complete and max(fanout) <= 500, members >= 1000)))
        scale = chat.get("scale")
        if scale:
            by_count = {}
            for row in scale:
                by_count[row["processes"]] = max(by_count.get(row["processes"], 0), row["rate"])
            one = by_count.get(1)
            measured = ", ".join(f"{count}: {rate:.0f}/s" + (f" ({rate / one:.2f}x)" if one and count > 1 else "")
                                 for count, rate in sorted(by_count.items()))
            counts = sorted(by_count)
            # Growth: more than 5 % more, so that noise does not count as growth.
            steps = [(a, b, by_count[b] > 1.05 * by_count[a]) for a, b in itertools.pairwise(counts)]
            if len({grew for *_, grew in steps}) <= 1:  # all grew, or none did
                result = verdict(bool(steps) and steps[0][2], not quick)
            else:
                result = "; ".join(f"{a} → {b}: {verdict(grew, not quick)}" for a, b, grew in steps)
            rows.append(("Scale-out: throughput grows with daphne processes (1, 2, 3 on one Redis)", measured,
                         f"one process's best in the chat step above: {best.get('app', 0):.0f}/s", result))
            crossed = [row for row in scale if row["processes"] > 1]
            sent = sum(row["sent"] for row in crossed)
            problems = [p for p in chat["problems"] if "processes" in p]
            rows.append(("Scale-out: a message sent through one process reaches clients on the others",
                         f"{sent:,} messages sent through one process and received through another, each exactly "
                         "once, in order" if not problems else f"{len(problems)} problems: {problems[0]}",
                         "tests/contract/test_scale_out.py, `make scale-demo`", verdict(not problems and sent > 0)))
        # (the baselines' and the idle test's problems are not about the app's messages)
        app_problems = [p for p in chat["problems"] if not p.startswith(("idle:", "bare:", "echo:", "group:",
                                                                          "pubsub:"))]
        rows.append(("Reliability: every message acked, echoed and delivered exactly once, in seq order, rows = acks",
                     "every app step: yes" if not app_problems else f"NO: {app_problems[0]}", "—",
                     verdict(not app_problems)))
    connect = results.get("ws_connect")
    if connect:
        named = {row["name"]: row for row in connect["rows"]}
        floor = next((row for name, row in named.items() if name.startswith("bare")), None)
        for name, row in named.items():
            if name.startswith("daphne"):
                rows.append((f"Connections: at least 500 new connections/s ({name})",
                             f"{row['rate']:.0f}/s, {row['failed']} failed ({connect['connections']:,} at once from "
                             f"{connect['client_processes']} client processes, backlog {connect['backlog']})",
                             f"bare `websockets` echo: {floor['rate']:.0f}/s" if floor else "—",
                             verdict(row["rate"] >= 500 and not row["failed"], connect["connections"] >= 1000)))
    return rows


def table(rows):
    lines = ["| target (DESIGN §7) | measured | baselines, same run | verdict |", "| --- | --- | --- | --- |"]
    lines += [f"| {target} | {measured} | {baselines} | {result} |" for target, measured, baselines, result in rows]
    return "\n".join(lines)


def render(results, outputs, failures, quick, started_at, seconds, description, timings):
    mode = "`make bench QUICK=1` (small sizes: the verdicts are indicative only)" if quick else "`make bench`"
    parts = [
        START,
        "## Results of `make bench` (generated by bench/run_all.py: edit the analysis below, not this part)",
        "",
        f"Run {started_at:%Y-%m-%d %H:%M} UTC by {mode}, commit {commit()}, in {seconds / 60:.1f} min "
        f"({', '.join(timings)}).  ",
        f"Machine: {description}  ",
        f"Load average before the run: {results['load_before']}.",
        "",
        "### DESIGN §7 targets beside the baselines measured in the same run",
        "",
        table(targets(results, quick)),
    ]
    if failures:
        parts += ["", "Benchmarks that failed in this run: " + ", ".join(failures) + "."]
    titles = {"nearby": "Nearby search (`bench/nearby.py`)", "chat": "Chat (`bench/chat.py`)",
              "ws_connect": "WebSocket handshakes (`bench/ws_connect.py`)"}
    for name, lines in outputs.items():
        found = sections(lines)
        if not found:
            continue
        parts += ["", f"### {titles[name]}", ""]
        for section in found:
            parts += [section.replace("### ", "#### ", 1), ""]
        summary = next((line for line in lines if line.startswith("Dugnad: ")), None)
        if summary:
            parts.append(summary)
    parts += ["", END]
    return "\n".join(part for part in parts).replace("\n\n\n", "\n\n")


def write(path, generated):
    text = path.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{path} lacks the markers {START} … {END}: nothing written")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(head + generated + tail)
    print(f"\nwrote the results into {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes; docs left alone")
    parser.add_argument("--output", metavar="PATH",
                        help="the Markdown file whose marked part to replace (default: docs/benchmarks.md for a full "
                        "run, none for --quick)")
    parser.add_argument("--only", metavar="NAME,…", help="run only these of nearby,chat,ws_connect")
    args = parser.parse_args()
    output = Path(args.output) if args.output else (None if args.quick else DOCS)
    if output is not None and START not in output.read_text():
        raise SystemExit(f"{output} lacks the marker {START}")

    started_at = datetime.datetime.now(datetime.UTC)
    load = os.getloadavg()
    results, outputs, failures = {"load_before": " ".join(f"{v:.2f}" for v in load)}, {}, []
    began = time.monotonic()
    timings = []
    with tempfile.TemporaryDirectory(prefix="bench-run-all-") as directory:
        for name, script, arguments in benchmarks(args.quick):
            if args.only and name not in args.only.split(","):
                continue
            status, lines, figures, seconds = run(name, script, arguments, directory)
            timings.append(f"{name} {seconds:.0f} s")
            outputs[name] = lines
            if status != 0 or figures is None:
                failures.append(f"{name} (exit status {status})")
                continue
            results[name] = figures
    seconds = time.monotonic() - began
    description = machine()
    generated = render(results, outputs, failures, args.quick, started_at, seconds, description, timings)
    print("\n" + "=" * 100)
    print(generated)
    print("=" * 100)
    print(f"time taken: {', '.join(timings)}; {seconds / 60:.1f} min in all")
    if output is not None:
        write(output, generated)
    else:
        print("\n(--quick: docs/benchmarks.md left as it is; --output PATH writes the tables into a file)")
    chat = results.get("chat")
    broken = failures or (chat and chat["problems"])
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
