"""Memory over 1,000 slider moves in a fresh real kernel (explorer of leaky_relu).

Moves arrive as comm updates, one at a time (each waits until the kernel is idle again, and
for the canvas's new background where the kernel renders: alpha and z range), cycling
z0 / alpha with a z-range move every 10th. After 50 warm-up moves and every 250 moves the
kernel reports (after ``gc.collect()``) its RSS, pyplot's open figures and the number of
live ``matplotlib.figure.Figure`` objects. Growth is measured from the warm-up baseline.
"""

from __future__ import annotations

import time


from benchmarks._common import control_values, log, quiet_env, row, worker_args, write_result  # noqa: E402
from benchmarks._kernel import Kernel, is_idle_for, is_image_update  # noqa: E402

SETUP = """
import gc, json, sys, psutil, actviz
ex = actviz.explore("leaky_relu")
print(json.dumps({"canvas": ex.canvas.model_id, "controls": {k: c.model_id for k, c in ex.controls.items()}}))
"""

PROBE = """
gc.collect()
import matplotlib.figure
_plt = sys.modules.get("matplotlib.pyplot")
print(json.dumps({"rss_mb": psutil.Process().memory_info().rss / 2**20,
                  "pyplot_figures": len(_plt.get_fignums()) if _plt else 0,
                  "live_figures": sum(isinstance(o, matplotlib.figure.Figure) for o in gc.get_objects()),
                  "renders": ex.renders}))
"""


def main() -> None:
    args = worker_args(__doc__)
    quiet_env()
    import actviz

    n_moves, warm = (200, 50) if args.quick else (1000, 50)
    specs = actviz.get("leaky_relu").param_specs
    total = warm + n_moves
    seq = {c: iter(control_values(c, total, specs)) for c in ("z0", "alpha", "z_range")}
    plan = [("z_range" if i % 10 == 9 else "z0" if i % 2 == 0 else "alpha") for i in range(total)]
    probes, raw = [], {}
    with Kernel() as k:
        ids = k.execute_json(SETUP)
        background = is_image_update(ids["canvas"], "background")
        t0 = time.perf_counter()
        for i, control in enumerate(plan):
            if i == warm or (i > warm and (i - warm) % 250 == 0):
                probes.append({"moves": i - warm, **k.execute_json(PROBE)})
            k.drain()
            v = next(seq[control])
            mid = k.send_update(ids["controls"][control], {"value": list(v) if isinstance(v, tuple) else v})
            k.wait_all([is_idle_for(mid)] + ([background] if control != "z0" else []), timeout=30)
        time.sleep(0.3)
        probes.append({"moves": n_moves, **k.execute_json(PROBE)})
        raw["seconds"] = time.perf_counter() - t0
    raw["probes"] = probes
    first, last = probes[0], probes[-1]
    log(f"memory: {probes}")
    g = "memory"
    rss = last["rss_mb"] - first["rss_mb"]
    trend = ", ".join(f"{p['rss_mb']:.1f}" for p in probes)
    rows = [
        row(g, f"RSS growth over {n_moves} moves", value=rss, unit="MB", target=("<", 5.0),
            note=f"RSS MB at 0/250/...: {trend}"),
        row(g, f"open pyplot figures growth over {n_moves} moves", value=last["pyplot_figures"] - first["pyplot_figures"],
            unit="", target=("==", 0)),
        row(g, f"live Figure objects growth over {n_moves} moves", value=last["live_figures"] - first["live_figures"],
            unit="", target=("==", 0), note=f"{last['live_figures']} live at end; renders {last['renders'] - first['renders']}"),
    ]
    write_result(args.out, rows, raw)


if __name__ == "__main__":
    main()
