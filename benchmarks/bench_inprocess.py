"""Slider update latency in process: set a control's value -> what the front end needs is ready.

Runs inside ipykernel's *in-process* kernel, so widgets have real comms (each new image is
serialized into a message) and pyplot uses the inline backend, as in a notebook, without
a second process. For each control of each seed activation, at the default figure size:

- explorer: ``ex.controls[k].value = v`` then ``ex.flush()`` and, except for z0 (which the
  browser draws: the kernel only follows it), the new ``ex.canvas.background``;
- naive ``interact`` (``naive.py``): set the interact's slider, which calls its update
  (new figure, ``plt.show()`` -> PNG -> display_data in its Output widget).

Values walk one step at a time (every set is a real change); warm-up moves are excluded.
"""

from __future__ import annotations

import time


from benchmarks._common import seeds, control_values, controls_of, kind_of, log, quiet_env, row, worker_args, write_result, median  # noqa: E402


def drain(kc) -> list[dict]:
    msgs = []
    while kc.iopub_channel.msg_ready():
        msgs.append(kc.iopub_channel.get_msg())
    return msgs


def count_png(msgs) -> int:
    return sum(m["msg_type"] == "display_data" and "image/png" in m["content"]["data"] for m in msgs)


def main() -> None:
    args = worker_args(__doc__)
    quiet_env()
    from ipykernel.inprocess.manager import InProcessKernelManager

    km = InProcessKernelManager()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    shell = km.kernel.shell
    shell.enable_matplotlib("inline")
    import matplotlib

    import actviz
    from benchmarks import naive

    backend = matplotlib.get_backend()
    n_ex, warm_ex = (20, 3) if args.quick else (60, 10)
    n_nv, warm_nv = (4, 1) if args.quick else (15, 2)
    raw = {"backend": backend, "explorer": {}, "naive": {}, "n": {"explorer": n_ex, "naive": n_nv}}
    rows, notes = [], []

    for name in seeds(args.quick):
        ex = actviz.explore(name)
        nv = naive.naive_interact(name)
        nv_controls = naive.controls(nv)
        specs = actviz.get(name).param_specs
        drain(kc)
        for control in controls_of(name):
            # explorer
            values = control_values(control, warm_ex + n_ex, specs)
            ctl, times, unchanged = ex.controls[control], [], 0
            before = ex.canvas.background
            for i, v in enumerate(values):
                t0 = time.perf_counter()
                ctl.value = v  # z0: the kernel only follows (the browser draws it)
                ex.flush()
                png = ex.canvas.background if control != "z0" else None
                dt = time.perf_counter() - t0
                if i >= warm_ex:
                    times.append(dt * 1e3)
                if control != "z0":
                    unchanged += png == before
                    before = png
                if i % 20 == 0:
                    drain(kc)
            msgs = drain(kc)
            raw["explorer"][f"{name}.{control}"] = times
            if unchanged:
                notes.append(f"explorer {name}.{control}: {unchanged} moves left the image unchanged")
            # naive interact
            values = control_values(control, warm_nv + n_nv, specs)
            ctl, times, shown = nv_controls[control], [], 0
            for i, v in enumerate(values):
                t0 = time.perf_counter()
                ctl.value = v
                dt = time.perf_counter() - t0
                if i >= warm_nv:
                    times.append(dt * 1e3)
                shown += count_png(drain(kc))
            time.sleep(0.1)  # the in-process iopub is flushed from a background thread
            shown += count_png(drain(kc))
            raw["naive"][f"{name}.{control}"] = times
            if shown != len(values):
                notes.append(f"naive {name}.{control}: {shown} PNG displays for {len(values)} moves")
            log(f"in-process {name}.{control}: explorer {median(raw['explorer'][f'{name}.{control}']):.1f} ms, "
                f"naive {median(times):.1f} ms")
        ex.close()
        nv.close()
    import matplotlib.pyplot as plt

    raw["pyplot_figures_open_at_end"] = len(plt.get_fignums())

    g = "in-process"
    raw["speedup_per_control"] = {k: median(raw["naive"][k]) / median(raw["explorer"][k]) for k in raw["explorer"]}
    for kind, what, target in (("z0", "kernel work (nothing rendered: drawn in the browser)", None),
                               ("param", "set value -> new canvas background", ("<=", 16.7)),
                               ("z_range", "set value -> new canvas background", ("<=", 50.0))):
        ex = [t for k, ts in raw["explorer"].items() if kind_of(k.split(".")[1]) == kind for t in ts]
        nv = [t for k, ts in raw["naive"].items() if kind_of(k.split(".")[1]) == kind for t in ts]
        if not ex:
            continue
        rows.append(row(g, f"explorer {kind} move: {what}", ex, target=target, frame=True))
        for key, ts in raw["explorer"].items():
            if kind_of(key.split(".")[1]) == kind:
                rows.append(row(g, f"  explorer {key}", ts, frame=True))
        rows.append(row(g, f"naive interact {kind} move", nv, frame=True))
        rows.append(row(g, f"speed-up naive/explorer, {kind}", value=median(nv) / median(ex), unit="x",
                        target=(">=", 10.0) if kind != "z_range" else None))
    write_result(args.out, rows, raw, notes)
    kc.stop_channels()
    km.shutdown_kernel()


if __name__ == "__main__":
    main()
