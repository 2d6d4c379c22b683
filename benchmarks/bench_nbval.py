"""Wall time of the nbval run of every notebook, exactly as CI runs it (from the repo root).

    python -m pytest notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

The time counts whatever the outcome; failures are reported beside it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time


from benchmarks._common import REPO, log, row, worker_args, write_result  # noqa: E402

CMD = ["-m", "pytest", "notebooks", "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
       "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider", "-q"]


def main() -> None:
    args = worker_args(__doc__)
    reps = 1 if args.quick else 2
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, *CMD], cwd=REPO, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - t0
        tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error|errors|skipped)", tail)}
        runs.append({"seconds": wall, "returncode": proc.returncode, "summary": tail, "counts": counts,
                     "failed": re.findall(r"^FAILED (.+?)(?: - .*)?$", proc.stdout, flags=re.M)})
        log(f"nbval: {wall:.1f} s, {tail}")
    last = runs[-1]
    note = last["summary"] + (f"; FAILED: {', '.join(last['failed'])}" if last["failed"] else "")
    rows = [row("notebooks", "nbval suite wall time (all notebooks)", [r["seconds"] for r in runs], unit="s",
                target=("<", 60.0), note=note)]
    write_result(args.out, rows, {"command": "python " + " ".join(CMD), "runs": runs})


if __name__ == "__main__":
    main()
