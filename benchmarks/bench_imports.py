"""Cold import times in fresh processes (interpreter start-up excluded).

Each sample is a new ``python -c`` process timing only its import statement with
``time.perf_counter``. Variants are interleaved round-robin (so drift hits them alike);
one warm-up round (bytecode caches) is excluded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile


from benchmarks._common import log, median, row, worker_args, write_result  # noqa: E402

VARIANTS = {
    "numpy": "import numpy",
    "actviz (maths layer)": "import actviz",
    "actviz + widgets (actviz.explore)": "import actviz; actviz.explore",
    "matplotlib.pyplot": "import matplotlib.pyplot",
}

PROBE = """
import time, sys, json
t0 = time.perf_counter()
{stmt}
t1 = time.perf_counter()
mods = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets', 'sympy', 'PIL', 'IPython'))
print(json.dumps({{"ms": (t1 - t0) * 1e3, "heavy": sorted({{m.split('.')[0] for m in mods}})}}))
"""


def sample(stmt: str, cwd: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], capture_output=True, text=True,
                         cwd=cwd, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    args = worker_args(__doc__)
    reps = 10 if args.quick else 15
    samples = {k: [] for k in VARIANTS}
    loaded = {}
    with tempfile.TemporaryDirectory() as cwd:  # nothing on the cwd shadows an installed module
        for k, stmt in VARIANTS.items():
            loaded[k] = sample(stmt, cwd)["heavy"]  # warm-up round, excluded
        for _ in range(reps):
            for k, stmt in VARIANTS.items():
                samples[k].append(sample(stmt, cwd)["ms"])
    log("imports: " + ", ".join(f"{k} {median(v):.0f} ms" for k, v in samples.items()))
    g = "cold import"
    np_med = median(samples["numpy"])
    rows = [row(g, f"import {k}", v, note=("also loads: " + ", ".join(loaded[k])) if loaded[k] else "")
            for k, v in samples.items()]
    diffs = [a - b for a, b in zip(samples["actviz (maths layer)"], samples["numpy"])]
    rows.append(row(g, "actviz - numpy (maths layer)", value=median(samples["actviz (maths layer)"]) - np_med,
                    target=("<", 50.0), note=f"median of paired differences {median(diffs):.1f} ms"))
    rows.append(row(g, "actviz + widgets - numpy", value=median(samples["actviz + widgets (actviz.explore)"]) - np_med))
    write_result(args.out, rows, {"samples": samples, "heavy_modules_loaded": loaded, "reps": reps})


if __name__ == "__main__":
    main()
