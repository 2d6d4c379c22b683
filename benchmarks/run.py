#!/usr/bin/env python3
"""actviz benchmarks: slider latency (in process, real kernel, real browser), coalescing,
memory, cold imports and the notebook suite, against the naive ``interact`` design.

    .venv/bin/python -m benchmarks.run                 # everything (~5 min on 2 cores), from the repo root
    .venv/bin/python -m benchmarks.run --quick         # smoke run (~1 min; no nbval, no browser)
    .venv/bin/python -m benchmarks.run --only kernel burst --json /tmp/b.json
    .venv/bin/python -m benchmarks.run --only class    # on demand only: a small class on one Voilà
    python3 dev.py bench [same options]

Prints a table (metric, median, p95, share of a 60 Hz frame, target, met?) and writes JSON
with every raw sample and the environment to benchmarks/results/ (or --json PATH). Each
benchmark runs in its own fresh process; see benchmarks/README.md for what each measures.
Targets are reported, never asserted: the exit code is 0 unless a benchmark crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

from benchmarks._common import FRAME_MS  # noqa: E402

# name -> (worker script, extra args, time-out in seconds, in --quick by default)
BENCHMARKS = {
    "inprocess": ("bench_inprocess.py", [], 400, True),
    "kernel": ("bench_kernel.py", ["--parts", "latency"], 400, True),
    "burst": ("bench_kernel.py", ["--parts", "burst"], 300, True),
    "memory": ("bench_memory.py", [], 400, True),
    "imports": ("bench_imports.py", [], 300, True),
    "nbval": ("bench_nbval.py", [], 900, False),
    "browser": ("bench_browser.py", [], 600, False),
    "encode": ("bench_encode.py", [], 300, True),
    # on demand only (--only class): a class of students on one Voilà; a small run here (1 and 2
    # students, 10 s), the full one is .venv/bin/python -m benchmarks.bench_class --students 1 5 10 30
    "class": ("bench_class.py", [], 900, False),
}
ON_DEMAND = {"class"}  # never in the default set, only when --only names them
GROUP_TITLES = {
    "in-process": "slider move in the kernel process: set value -> image ready to send",
    "real kernel": "slider move over jupyter_client: comm update -> image message received",
    "coalescing": "a burst of alpha events (leaky_relu explorer; z0 renders nothing in the kernel) vs a 60 Hz stream",
    "memory": "memory over slider moves (fresh kernel, leaky_relu explorer)",
    "cold import": "cold imports, fresh processes (interpreter start-up excluded)",
    "notebooks": "notebook suite",
    "browser": "JupyterLab + headless Chromium, loopback and a far kernel: ArrowRight on a slider -> new plot pixels",
    "encoders": "encoding what the kernel still renders: size, encode and decode time per encoder",
    "class": "N students on one Voilà serving the dashboard (protocol clients; p50 median, p95; max in the note)",
}
PACKAGES = ["actviz", "numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyter_client", "jupyterlab",
            "jupyterlab_widgets", "matplotlib-inline", "nbval", "pytest", "playwright", "pillow", "psutil",
            "voila", "jupyter_server", "tornado", "anywidget"]
NOISE = ("Kernel is running over TCP without encryption",)


# ---------------------------------------------------------------- environment

def environment() -> dict:
    from importlib import metadata

    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None

    def cmd(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=20, cwd=REPO).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.version.split()[0], "executable": sys.executable, "platform": platform.platform(),
        "cpu_count": os.cpu_count(), "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                           if line.startswith("model name")), None),
        "mem_total_gib": _mem_total_gib(),
        "versions": versions,
        "chromium": cmd("/usr/bin/chromium", "--version") if Path("/usr/bin/chromium").exists() else None,
        "git_commit": cmd("git", "rev-parse", "--short", "HEAD"),
        "git_dirty_files": len((cmd("git", "status", "--porcelain") or "").splitlines()),
        "env": {k: v for k, v in sorted(os.environ.items())
                if k.startswith(("OPENBLAS", "OMP_", "MKL_", "MPLBACKEND", "PYTHONHASHSEED", "JUPYTER_PLATFORM"))},
        "loadavg_start": _loadavg(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def _mem_total_gib():
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None


# ---------------------------------------------------------------- running workers

def run_worker(name: str, quick: bool) -> dict:
    script, extra, timeout, _ = BENCHMARKS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", f"benchmarks.{script.removesuffix('.py')}", "--out", str(out), *extra] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        tail: deque[str] = deque(maxlen=40)

        def pump():
            for line in proc.stdout:
                tail.append(line.rstrip())
                if line.startswith("    ") and not any(n in line for n in NOISE):
                    print(line.rstrip(), file=sys.stderr, flush=True)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        error = None
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            error = f"timed out after {timeout} s"
            proc.terminate()  # the worker unwinds: kernels and servers are closed
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(30)
            raise
        reader.join(5)
        seconds = time.perf_counter() - t0
        if error is None and proc.returncode != 0:
            error = f"exit code {proc.returncode}"
        result = json.loads(out.read_text()) if out.exists() and not error else {"rows": [], "raw": {}, "notes": []}
    if error:
        result["error"] = error
        result["log_tail"] = list(tail)
    result["seconds"] = seconds
    result["loadavg_after"] = _loadavg()
    return result


# ---------------------------------------------------------------- table

def fmt(v, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "x":
        return f"{v:.1f}x"
    if unit in ("", None):
        return f"{v:g}" if float(v).is_integer() else f"{v:.1f}"
    if unit == "ms" and abs(v) >= 1000:
        return f"{v / 1000:.2f} s"
    return f"{v:.1f} {unit}"


def fmt_target(target, unit: str) -> str:
    if not target:
        return ""
    op, bound = target
    return f"{op} {fmt(bound, unit)}"


def table(results: dict) -> tuple[str, dict]:
    lines, tally = [], {"met": 0, "not met": 0, "not measured": 0}
    w = 58
    header = f"{'metric':<{w}} {'median':>9} {'p95':>9} {'frame':>6}  {'target':<11} {'met?':<5} note"
    lines.append(header)
    lines.append("-" * len(header))
    for name, res in results.items():
        if res.get("error"):
            lines.append(f"[{name}] FAILED: {res['error']}")
            lines += [f"    {t}" for t in res.get("log_tail", [])[-8:]]
            continue
        group = None
        for r in res["rows"]:
            if r["group"] != group:
                group = r["group"]
                lines.append(f"== {group}: {GROUP_TITLES.get(group, '')}")
            met = {True: "yes", False: "NO", None: ""}[r["met"]]
            if r["target"]:
                tally["met" if r["met"] else "not met" if r["met"] is False else "not measured"] += 1
            frame = f"{r['frame_pct']:.0f}%" if r.get("frame_pct") is not None else ""
            n = f" (n={r['n']})" if r.get("n") else ""
            metric = (r["metric"] + n)[:w]
            lines.append(f"{metric:<{w}} {fmt(r['median'], r['unit']):>9} {fmt(r['p95'], r['unit']):>9} {frame:>6}  "
                         f"{fmt_target(r['target'], r['unit']):<11} {met:<5} {r.get('note', '')}".rstrip())
        for note in res.get("notes", []):
            lines.append(f"   note: {note}")
    return "\n".join(lines), tally


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, 2 seeds; skips nbval and browser unless --only names them")
    ap.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME",
                    help=f"run only these: {', '.join(BENCHMARKS)}")
    ap.add_argument("--json", type=Path, help="where to write the JSON (default benchmarks/results/bench-<date>.json)")
    args = ap.parse_args(argv)

    try:
        import actviz  # noqa: F401
        import ipykernel  # noqa: F401
        import jupyter_client  # noqa: F401
    except ImportError as e:
        print(f"{e}: run with the project's venv: .venv/bin/python -m benchmarks.run (or python3 dev.py bench)", file=sys.stderr)
        return 2

    names = args.only or [n for n, spec in BENCHMARKS.items() if (spec[3] or not args.quick) and n not in ON_DEMAND]
    env = environment()
    print(f"actviz benchmarks{' (quick)' if args.quick else ''}: {', '.join(names)}  "
          f"[{env['cpu_count']} CPUs, load {', '.join(f'{x:.1f}' for x in env['loadavg_start'] or [])}]", file=sys.stderr)
    if env["loadavg_start"] and env["loadavg_start"][0] > 0.75 * (env["cpu_count"] or 1):
        print("  warning: the machine is busy (load average above); timings will be inflated and noisy", file=sys.stderr)

    t0 = time.perf_counter()
    results = {}
    if "kernel" in names and "burst" in names:  # one worker, one kernel start
        names = [n for n in names if n != "burst"]
        BENCHMARKS["kernel"] = ("bench_kernel.py", ["--parts", "latency", "burst"], 600, True)
    for name in names:
        print(f"[{name}] running ...", file=sys.stderr, flush=True)
        results[name] = run_worker(name, args.quick)
        status = results[name].get("error") or "ok"
        print(f"[{name}] {status} in {results[name]['seconds']:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - t0

    text, tally = table(results)
    print()
    print(text)
    print(f"\ntargets: {tally['met']} met, {tally['not met']} not met"
          + (f", {tally['not measured']} not measured" if tally["not measured"] else "")
          + f"   (60 Hz frame = {FRAME_MS:.1f} ms; total {total:.0f} s)")

    env["loadavg_end"] = _loadavg()
    doc = {"quick": args.quick, "benchmarks": names, "total_seconds": total, "environment": env,
           "targets": tally, "results": results}
    path = args.json or HERE / "results" / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}{'-quick' if args.quick else ''}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
    print(f"JSON: {path}")
    return 1 if any(r.get("error") for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
