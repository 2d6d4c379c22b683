"""The naive design the explorer is measured against: plain ``ipywidgets.interact``.

What a notebook author writes first: an interact function that, on every slider move,
builds a *new* pyplot figure with both panels (g with its tangent and the point at z0;
g'), and shows it with ``plt.show()`` through the inline backend. ``interact`` wraps the
call in its ``Output`` widget (``clear_output(wait=True)`` then a ``display_data`` message
with the PNG, base64 in JSON). Same figure size (9.6 x 3.9 in at 100 dpi), the same 801
points and the same slider ranges and steps as ``actviz.explore``.

Import this module in a kernel (or the in-process kernel) whose matplotlib backend is the
inline one (the ipykernel default). ``naive_interact(name)`` displays the widget and
returns the ``interactive`` object; ``controls(w)`` maps 'z_range', 'z0', parameter names
to its sliders.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import actviz

FIGSIZE = (9.6, 3.9)  # actviz's default theme
DPI = 100
N_POINTS = 801


def make_view(name: str):
    """The interact function for one activation: a new figure every call."""

    def view(z_range=(-8.0, 8.0), z0=1.0, **params):
        act = actviz.get(name, **params)
        lo, hi = z_range
        z = np.linspace(lo, hi, N_POINTS)
        g, dg = act.g(z), act.dg(z)
        t = actviz.tangent_at(act, z0)
        fig, (ax_g, ax_dg) = plt.subplots(1, 2, figsize=FIGSIZE, dpi=DPI)
        ax_g.plot(z, g, label="g(z)")
        ax_g.plot(z, t.intercept + t.slope * z, "--", label=f"tangent at z0 = {z0:.2f}")
        ax_g.plot([z0], [t.value], "o")
        span = max(float(np.nanmax(g) - np.nanmin(g)), 1e-9)
        ax_g.set_ylim(float(np.nanmin(g)) - 0.1 * span, float(np.nanmax(g)) + 0.1 * span)
        ax_g.set_title(f"{name}: g(z)")
        ax_dg.plot(z, dg, color="C2", label="g'(z)")
        ax_dg.plot([z0], [t.slope], "s", color="C1")
        ax_dg.set_title(f"g'(z0) = {t.slope:.4f}")
        for ax in (ax_g, ax_dg):
            ax.set_xlabel("z")
            ax.grid(True)
            ax.legend(loc="upper left")
        plt.show()

    return view


def naive_interact(name: str, z_range=(-8.0, 8.0), z0: float = 1.0):
    """Display ``interact(view, ...)`` and return its ``interactive`` widget."""
    act = actviz.get(name)
    kwargs = dict(
        z_range=widgets.FloatRangeSlider(value=z_range, min=-20.0, max=20.0, step=0.5, description="z range",
                                         readout_format=".1f", continuous_update=True),
        z0=widgets.FloatSlider(value=z0, min=z_range[0], max=z_range[1], step=0.05, description="z0 (tangent)",
                               readout_format=".2f", continuous_update=True),
    )
    for p in act.param_specs:
        kwargs[p.name] = widgets.FloatSlider(value=act.params[p.name], min=p.low, max=p.high,
                                             step=(p.high - p.low) / 200, description=p.name,
                                             readout_format=".3f", continuous_update=True)
    return widgets.interact(make_view(name), **kwargs).widget


def controls(w) -> dict:
    return {c._kwarg: c for c in w.kwargs_widgets}
