"""Encoders for the frames the kernel still renders (z range, parameters, other views).

One explorer background (leaky_relu, default theme, 960 x 390 px) and one comparison figure,
encoded by each candidate; for each: encode time in the kernel, size on the wire, and
decode time (Pillow, a stand-in for the browser's decoder). Lossless candidates must give
back the exact pixels (checked); the figure's own render time is measured in the same run
as the baseline every encoder adds to. Ratios are against the current encoder (PNG level 1).
"""

from __future__ import annotations

import io
import time
import zlib

import numpy as np

from benchmarks._common import log, median, row, worker_args, write_result


def _timeit(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main() -> None:
    args = worker_args(__doc__)
    n = 8 if args.quick else 30
    from PIL import Image, features

    import actviz
    from actviz.figures.activation import CompareFigure

    ex = actviz.explore("leaky_relu")
    view = ex.view
    render_ms = _timeit(lambda: (setattr(view, "_background", None), view.draw()), n)  # full redraw
    frames = {"explorer background": view.render_background(),
              "comparison": CompareFigure(["sigmoid", "tanh", "relu", "leaky_relu"]).render()}
    candidates = {
        "PNG zlib level 1 (current)": dict(format="png", compress_level=1),
        "PNG level 0 (stored)": dict(format="png", compress_level=0),
        "PNG level 3": dict(format="png", compress_level=3),
        "PNG level 6 (default)": dict(format="png", compress_level=6),
    }
    if features.check("webp"):
        candidates["WebP lossless, method 0"] = dict(format="webp", lossless=True, method=0, quality=0)
        candidates["WebP lossless, method 4"] = dict(format="webp", lossless=True, method=4)
    rows, raw, notes = [], {"render_full_ms": render_ms}, []
    g = "encoders"
    rows.append(row(g, "full render of the explorer (canvas.draw), for scale", render_ms, frame=True))
    for label, png in frames.items():
        rgb = Image.open(io.BytesIO(png)).convert("RGB")
        pixels = np.asarray(rgb)
        results = {}
        for name, kw in candidates.items():
            def enc(kw=kw):
                buf = io.BytesIO()
                rgb.save(buf, **kw)
                return buf.getvalue()

            data = enc()
            back = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            if not np.array_equal(back, pixels):
                notes.append(f"{label}: {name} is not lossless")
            enc_ms = _timeit(enc, n)
            dec_ms = _timeit(lambda d=data: Image.open(io.BytesIO(d)).load(), n)
            results[name] = {"encode_ms": enc_ms, "decode_ms": dec_ms, "bytes": len(data)}
            log(f"encode {label} {name}: {median(enc_ms):.1f} ms, {len(data) / 1024:.0f} KiB, decode {median(dec_ms):.1f} ms")
        # raw RGBA + zlib level 1: what "send pixels, not a PNG" would cost
        rgba = np.asarray(rgb.convert("RGBA")).tobytes()
        z_ms = _timeit(lambda: zlib.compress(rgba, 1), n)
        results["raw RGBA + zlib 1 (no PNG filters)"] = {"encode_ms": z_ms, "decode_ms": [],
                                                         "bytes": len(zlib.compress(rgba, 1))}
        raw[label] = results
        base = results["PNG zlib level 1 (current)"]
        for name, r in results.items():
            rows.append(row(g, f"{label}: {name}: encode", r["encode_ms"], frame=True,
                            note=f"{r['bytes'] / 1024:.0f} KiB ({r['bytes'] / base['bytes']:.2f}x), "
                                 f"encode {median(r['encode_ms']) / median(base['encode_ms']):.2f}x current"
                                 + (f", decode {median(r['decode_ms']):.1f} ms" if r["decode_ms"] else "")))
    write_result(args.out, rows, raw, notes)


if __name__ == "__main__":
    main()
