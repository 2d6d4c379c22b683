"""Shared helpers for the benchmark workers: statistics, result rows, value walks, I/O.

Every worker (``bench_*.py``) runs in its own fresh process, started by ``run.py``, and
writes one JSON document ``{"rows": [...], "raw": {...}, "notes": [...]}`` to the path
given with ``--out``. A *row* is one line of the printed table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FRAME_MS = 1000.0 / 60.0  # one frame at 60 Hz: 16.7 ms

#: The seed activations and the controls each explorer has (z_range, z0, then parameters).
SEEDS = ("sigmoid", "tanh", "relu", "leaky_relu")


def seeds(quick: bool) -> tuple[str, ...]:
    """--quick: two seeds that still cover every kind of control (z0, z range, a parameter)."""
    return ("sigmoid", "leaky_relu") if quick else SEEDS


# ------------------------------------------------------------------------ statistics

def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def p95(xs):
    """Nearest-rank 95th percentile (an observed sample, no interpolation)."""
    xs = sorted(xs)
    if not xs:
        return None
    return xs[max(0, math.ceil(0.95 * len(xs)) - 1)]


def check(value, target):
    """``target`` is ``(op, bound)`` with op in '<=', '<', '>=', '>', '=='; None if no value."""
    if target is None or value is None:
        return None
    op, bound = target
    return {"<=": value <= bound, "<": value < bound, ">=": value >= bound,
            ">": value > bound, "==": value == bound}[op]


def row(group: str, metric: str, samples=None, *, value=None, unit: str = "ms", target=None,
        frame: bool = False, note: str = "", p95_value=None) -> dict:
    """One table row. Either ``samples`` (median and p95 computed) or a single ``value``."""
    if samples is not None:
        samples = [float(s) for s in samples]
        med, hi = median(samples), p95(samples)
    else:
        med, hi = value, p95_value
    return {
        "group": group, "metric": metric, "unit": unit, "n": len(samples) if samples is not None else None,
        "median": med, "p95": hi, "target": list(target) if target else None, "met": check(med, target),
        "frame_pct": (100.0 * med / FRAME_MS) if (frame and med is not None) else None,
        "note": note, "samples": samples,
    }


def error_row(group: str, metric: str, message: str) -> dict:
    r = row(group, metric, value=None)
    r["error"] = message
    return r


# ------------------------------------------------------------------------ value walks

def walk(start: float, step: float, lo: float, hi: float, n: int) -> list[float]:
    """``n`` values, each one step from the previous (never equal to it), bouncing in [lo, hi].

    Like a person dragging a slider back and forth, so each set is a real change.
    """
    out, v, d = [], start, 1
    for _ in range(n):
        if not lo <= v + d * step <= hi:
            d = -d
        v = round(v + d * step, 10)
        out.append(v)
    return out


def control_values(control: str, n: int, param_specs=None):
    """The sequence of values to set on one explorer control (same for every design)."""
    if control == "z0":
        return walk(1.0, 0.05, -3.0, 3.0, n)
    if control == "z_range":  # move the low handle: every value needs a full redraw
        return [(lo, 8.0) for lo in walk(-8.0, 0.5, -8.0, -3.0, n)]
    spec = {p.name: p for p in (param_specs or [])}[control]
    step = (spec.high - spec.low) / 200
    return walk(spec.default, step, spec.low, spec.low + 40 * step, n)


def controls_of(name: str) -> list[str]:
    import actviz

    return ["z0", "z_range", *[p.name for p in actviz.get(name).param_specs]]


def kind_of(control: str) -> str:
    """'z0' is drawn in the browser (the kernel renders nothing); 'z_range' moves need a full
    redraw; parameter moves ('param') blit a new background in the kernel."""
    return control if control in ("z0", "z_range") else "param"


# ------------------------------------------------------------------------ worker I/O

def worker_args(description: str, parts=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", required=True)
    if parts:
        ap.add_argument("--parts", nargs="+", choices=parts, default=list(parts))
    # a SIGTERM from run.py (time-out) unwinds normally, so kernels and servers get closed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return ap.parse_args()


def write_result(path, rows, raw=None, notes=None) -> None:
    Path(path).write_text(json.dumps({"rows": rows, "raw": raw or {}, "notes": notes or []}, indent=1))


def now() -> float:
    return time.perf_counter()


def log(msg: str) -> None:
    print(f"    {msg}", file=sys.stderr, flush=True)


def quiet_env() -> None:
    """Silence debugpy's frozen-modules warning in kernels started from here."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
