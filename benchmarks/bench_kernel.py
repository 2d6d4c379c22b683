"""Slider updates in a real kernel over jupyter_client, as a front end sends them.

latency  For each control of each seed: a comm ``update`` to the slider's model -> arrival of
         the new image on iopub (explorer: the ``Image`` value message; naive interact: the
         ``display_data`` PNG). One move at a time; before the next explorer move a pause of 1.5x the
         last latency, so its render throttle never defers a render (20 ms for naive).
burst    Coalescing: N z0 updates sent back to back ("unthrottled") vs the same N at 60 Hz:
         image messages received, renders done by the kernel, and the lag from the last
         update sent to the last image received. Also the naive interact at 60 Hz (full run).
"""

from __future__ import annotations

import time


from benchmarks._common import REPO, seeds, control_values, controls_of, kind_of, log, median, quiet_env, row, walk, worker_args, write_result  # noqa: E402
from benchmarks._kernel import Kernel, is_idle_for, is_image_update, is_png_display  # noqa: E402

SETUP = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})  # the kernel runs elsewhere: find the repository's benchmarks package
import matplotlib, actviz
from benchmarks import naive
EX, NV = {{}}, {{}}
print(json.dumps({{"python": sys.executable, "backend": matplotlib.get_backend()}}))
"""

MAKE = """
EX[{name!r}] = ex = actviz.explore({name!r})
NV[{name!r}] = nv = naive.naive_interact({name!r})
print(json.dumps({{"image": ex.image.model_id, "canvas": ex.canvas.model_id,
                  "explorer": {{k: c.model_id for k, c in ex.controls.items()}},
                  "naive": {{k: c.model_id for k, c in naive.controls(nv).items()}}}}))
"""


def state_of(value):
    return {"value": list(value) if isinstance(value, tuple) else value}


def latency(k: Kernel, quick: bool, ids: dict, raw: dict) -> list:
    import actviz

    n_ex, warm_ex = (12, 3) if quick else (30, 5)
    n_nv, warm_nv = (3, 1) if quick else (8, 2)
    raw.update(explorer={}, naive={}, n={"explorer": n_ex, "naive": n_nv})
    for name in seeds(quick):
        specs = actviz.get(name).param_specs
        for control in controls_of(name):
            for design, n, warm in (("explorer", n_ex, warm_ex), ("naive", n_nv, warm_nv)):
                comm = ids[name][design][control]
                # explorer z0: the browser draws it, the kernel only follows (done when idle);
                # other explorer controls: a new background for the canvas
                done = (is_png_display if design == "naive" else None if control == "z0"
                        else is_image_update(ids[name]["canvas"], "background"))
                times = []
                for i, v in enumerate(control_values(control, warm + n, specs)):
                    k.drain()
                    t0 = time.perf_counter()
                    mid = k.send_update(comm, state_of(v))
                    t1 = k.wait_all([p for p in (done, is_idle_for(mid)) if p is not None], timeout=30)[0]
                    if i >= warm:
                        times.append((t1 - t0) * 1e3)
                    # explorer: stay outside its render throttle's window (one render time)
                    time.sleep(max(0.02, 1.5 * (t1 - t0)) if design == "explorer" else 0.02)
                raw[design][f"{name}.{control}"] = times
            log(f"kernel {name}.{control}: explorer {median(raw['explorer'][f'{name}.{control}']):.1f} ms, "
                f"naive {median(raw['naive'][f'{name}.{control}']):.1f} ms")

    def pooled(design, kind):
        return [t for key, ts in raw[design].items() if kind_of(key.split(".")[1]) == kind for t in ts]

    g = "real kernel"
    rows = []
    for kind, what, target in (("z0", "kernel busy, nothing sent (drawn in the browser)", None),
                               ("param", "new background received", ("<=", 16.7)),
                               ("z_range", "new background received", ("<=", 50.0))):
        ex, nv = pooled("explorer", kind), pooled("naive", kind)
        rows.append(row(g, f"explorer {kind} move: {what}", ex, target=target, frame=True))
        rows.append(row(g, f"naive interact {kind} move: new image received", nv, frame=True))
        rows.append(row(g, f"speed-up naive/explorer, {kind}", value=median(nv) / median(ex), unit="x",
                        target=(">=", 10.0) if kind != "z_range" else None))
    return rows


def stream(k: Kernel, comm: str, done, values, period: float, quiet: float = 0.5, timeout: float = 120) -> dict:
    """Send updates (back to back if period == 0); collect result messages until quiet."""
    k.drain()
    t_start = time.perf_counter()
    last_mid = None
    for i, v in enumerate(values):
        if period:
            delay = t_start + i * period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        last_mid = k.send_update(comm, state_of(v))
        t_last_send = time.perf_counter()
    idle = is_idle_for(last_mid)
    arrivals, got_idle, t_idle = [], False, None
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            t, m = k.next(timeout=quiet)
        except Exception:  # queue.Empty: quiet for `quiet` seconds
            if got_idle:
                break
            continue
        if done(m):
            arrivals.append(t)
        elif idle(m):
            got_idle, t_idle = True, t
    last = max(arrivals) if arrivals else None
    return {"sent": len(values), "send_seconds": t_last_send - t_start, "images": len(arrivals),
            "lag_ms": (last - t_last_send) * 1e3 if last else None,
            "idle_lag_ms": (t_idle - t_last_send) * 1e3 if t_idle else None}


def burst(k: Kernel, quick: bool, ids: dict, raw: dict) -> list:
    n = 90 if quick else 180
    reps = 1 if quick else 3
    # z0 costs the kernel no render any more (the browser draws it): the parameter is what
    # still renders there, so that is the burst to coalesce
    name, comm, img = "leaky_relu", ids["leaky_relu"]["explorer"]["alpha"], ids["leaky_relu"]["canvas"]
    counts = f"ex = EX[{name!r}]; print(json.dumps([ex.renders, ex.requests]))"
    check = (f"ex = EX[{name!r}]; r = ex.renders; ex.flush()\n"
             "print(json.dumps([ex.renders - r, ex.act.params['alpha'], ex.controls['alpha'].value]))")
    runs = {"unthrottled": [], "60Hz": []}
    for rep in range(reps):
        for label, period in (("unthrottled", 0.0), ("60Hz", 1 / 60)):
            values = walk(0.01, 0.0025, 0.0, 0.3, n)
            r0 = k.execute_json(counts)
            res = stream(k, comm, is_image_update(img, "background"), values, period)
            r1 = k.execute_json(counts)
            stale, z0_drawn, z0_slider = k.execute_json(check)
            res.update(renders=r1[0] - r0[0], requests=r1[1] - r0[1], pending_render_at_end=stale,
                       final_state_ok=abs(z0_drawn - values[-1]) < 1e-9 and abs(z0_slider - values[-1]) < 1e-9)
            runs[label].append(res)
            log(f"burst {label} #{rep}: {res['images']} images for {n} events, renders {res['renders']}, "
                f"lag after last {res['lag_ms']:.0f} ms")
    raw["explorer"] = runs
    g = "coalescing"
    rows = []
    titles = {"unthrottled": f"{n} alpha events back to back", "60Hz": f"{n} alpha events at 60 Hz"}
    for label in ("unthrottled", "60Hz"):
        rs = runs[label]
        ok = all(r["final_state_ok"] and not r["pending_render_at_end"] for r in rs)
        rows.append(row(g, f"explorer, {titles[label]}: renders", [r["renders"] for r in rs], unit="",
                        note=f"image msgs {median([r['images'] for r in rs]):g}; last image shows last value: {ok}"))
        rows.append(row(g, f"explorer, {titles[label]}: lag after last", [r["lag_ms"] for r in rs]))
    if not quick:  # naive interact at 60 Hz: every event is a full redraw, queued
        n_nv = 30
        res = stream(k, ids["sigmoid"]["naive"]["z0"], is_png_display, walk(1.0, 0.05, -3.0, 3.0, n_nv), 1 / 60,
                     timeout=120)
        raw["naive_60Hz"] = res
        log(f"burst naive 60 Hz: {res['images']} images for {n_nv} events, lag after last {res['lag_ms']:.0f} ms")
        rows.append(row(g, f"naive interact, {n_nv} z0 events at 60 Hz: renders", value=res["images"], unit=""))
        rows.append(row(g, f"naive interact, {n_nv} z0 events at 60 Hz: lag after last", value=res["lag_ms"]))
    return rows


def main() -> None:
    args = worker_args(__doc__, parts=("latency", "burst"))
    quiet_env()
    rows, raw, notes = [], {}, []
    with Kernel() as k:
        raw["kernel"] = k.execute_json(SETUP)
        ids = {name: k.execute_json(MAKE.format(name=name)) for name in seeds(args.quick)}
        if "latency" in args.parts:
            raw["latency"] = {}
            rows += latency(k, args.quick, ids, raw["latency"])
        if "burst" in args.parts:
            raw["burst"] = {}
            rows += burst(k, args.quick, ids, raw["burst"])
    write_result(args.out, rows, raw, notes)


if __name__ == "__main__":
    main()
