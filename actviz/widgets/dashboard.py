"""The code-free classroom dashboard (ipywidgets): pick an activation, explore it, compare several.

Served by Voila from ``notebooks/dashboard.ipynb`` (``python3 dev.py voila``).
"""

from __future__ import annotations

import ipywidgets as widgets

from ..maths.registry import names
from .controls import SLIDER_STYLE, activation_dropdown
from .explorer import DEFAULT_COMPARISON, Comparison, Explorer
from .view import png_bundle

__all__ = ["Dashboard", "dashboard"]

_HEADER = (
    # projector-sized labels and readouts for this dashboard only
    "<style>.actviz-dashboard .widget-label, .actviz-dashboard .widget-readout,"
    " .actviz-dashboard select {font-size: 1.25em !important;}</style>"
    "<h2 style='margin:0.2em 0'>Activation functions and their derivatives</h2>"
    "<p style='font-size:1.15em;margin:0'>Left: g(z) with the tangent at z\u2080. Right: g\u2032(z), the slope. "
    "Shaded: saturated (|g\u2032| &lt; 1% of its maximum); hatched: dead (g\u2032 = 0).</p>"
)


class Dashboard(widgets.VBox):
    """``controls`` holds 'activation' (the picker); ``explorer`` and ``comparison`` are the
    two views, each with its own ``controls``."""

    def __init__(self, activation: str = "sigmoid", theme=None):
        self.theme = theme
        self.explorer = Explorer(activation, theme=theme)  # validates the name
        self.comparison = Comparison(DEFAULT_COMPARISON, theme=theme)
        self.controls = {"activation": activation_dropdown(self.explorer.act.name, layout=widgets.Layout(width="min(100%, 360px)"),
                                                           style=SLIDER_STYLE)}
        self._explorer_box = widgets.VBox([self.explorer])
        self.controls["activation"].observe(self._on_pick, names="value")
        compare_header = widgets.HTML("<h3 style='margin:0.6em 0 0.2em'>Compare activations</h3>")
        super().__init__([widgets.HTML(_HEADER), self.controls["activation"], self._explorer_box, compare_header,
                          self.comparison])
        self.add_class("actviz-dashboard")

    def _on_pick(self, change) -> None:
        if change["new"] not in names():
            return
        old = self.explorer
        self.explorer = Explorer(change["new"], theme=self.theme)
        self._explorer_box.children = (self.explorer,)
        old.close_all_views()

    def __repr__(self) -> str:
        return f"Dashboard({self.explorer!r})"

    def _repr_mimebundle_(self, **kwargs):
        return png_bundle(self, self.explorer.image.value, repr(self), **kwargs)


def dashboard(activation: str = "sigmoid", theme=None) -> Dashboard:
    """The classroom dashboard (see :class:`Dashboard`)."""
    return Dashboard(activation, theme=theme)
