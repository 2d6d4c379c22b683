"""The code-free classroom dashboard (ipywidgets): pick an activation, explore it, compare several.

Served by Voila from ``notebooks/dashboard.ipynb`` (``python3 dev.py voila``).
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..maths.analysis import max_slope
from ..maths.properties import properties
from ..maths.registry import get, names
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
    "Shaded: nearly flat (0 &lt; |g\u2032| &lt; 1% of its maximum); hatched: dead (g\u2032 = 0).</p>"
)


_QUESTION = "<div style='font-size:1.15em;margin:0.3em 0'><b>Question.</b> {q}<details><summary>Answer</summary>{a}</details></div>"


def explorer_question(act) -> str:
    """Predict-then-look question (HTML) for the explorer, with its answer computed from ``act``."""
    top = max_slope(act)
    p = properties(act)
    flat = {(True, True): "on both sides", (True, False): "on the left", (False, True): "on the right",
            (False, False): "on neither side"}[(p.saturating_left, p.saturating_right)]
    answer = (f"The largest slope is |g\u2032| = {top.value:.3g}, at {html.escape(top.where)}. "
              f"g\u2032 tends to 0 {flat}" + (" (it saturates there)." if flat != "on neither side" else "."))
    return _QUESTION.format(q=f"Before you drag: where is the tangent of {html.escape(act.label)} steepest, and how "
                              "steep? On which side does g\u2032 go to 0? Then drag z\u2080 and read g\u2032(z\u2080).",
                            a=answer)


def comparison_question(acts) -> str:
    """Predict-then-look question (HTML) for the comparison of ``acts`` (its first selection)."""
    acts = [get(a) if isinstance(a, str) else a for a in acts]
    props = [properties(a) for a in acts]
    top = max(p.max_slope for p in props)
    steepest = [p.label for p in props if p.max_slope >= top - 1e-9]
    both = [p.label for p in props if p.saturating_left and p.saturating_right]
    dead = [a.label for a in acts if all(float(a.dg(z)) == 0.0 for z in (-0.5, -3.0, -10.0))]
    words = lambda xs: ", ".join(xs) if xs else "none"  # noqa: E731
    answer = (f"Flat on both sides: {words(both)}. Slope exactly 0 for z < 0: {words(dead)}. "
              f"Steepest anywhere (slope {top:.3g}): {words(steepest)}.")
    return _QUESTION.format(q="Of the activations shown at the start: which flatten out on both sides, which have a "
                              "slope of exactly 0 for every negative z, and which is steepest? Predict, then read the "
                              "right panel (widen the z range to see the tails).",
                            a=html.escape(answer))


class Dashboard(widgets.VBox):
    """``controls`` holds 'activation' (the picker); ``explorer`` and ``comparison`` are the
    two views, each with its own ``controls``."""

    def __init__(self, activation: str = "sigmoid", theme=None):
        self.theme = theme
        self.explorer = Explorer(activation, theme=theme)  # validates the name
        self.comparison = Comparison(DEFAULT_COMPARISON, theme=theme)
        self.controls = {"activation": activation_dropdown(self.explorer.act.name, layout=widgets.Layout(width="min(100%, 360px)"),
                                                           style=SLIDER_STYLE)}
        self.explorer_question = widgets.HTML(explorer_question(self.explorer.act))
        self._explorer_box = widgets.VBox([self.explorer])
        self.controls["activation"].observe(self._on_pick, names="value")
        compare_header = widgets.HTML("<h3 style='margin:0.6em 0 0.2em'>Compare activations</h3>")
        self.comparison_question = widgets.HTML(comparison_question(DEFAULT_COMPARISON))
        super().__init__([widgets.HTML(_HEADER), self.controls["activation"], self.explorer_question,
                          self._explorer_box, compare_header, self.comparison_question, self.comparison])
        self.add_class("actviz-dashboard")

    def _on_pick(self, change) -> None:
        if change["new"] not in names():
            return
        question = explorer_question(get(change["new"]))  # before: the page then changes all at once
        self.explorer.set_activation(change["new"])  # z range and z0 stay where the student put them
        self.explorer_question.value = question

    def __repr__(self) -> str:
        return f"Dashboard({self.explorer!r})"

    def _repr_mimebundle_(self, **kwargs):
        return png_bundle(self, self.explorer.image.value, repr(self), **kwargs)


def dashboard(activation: str = "sigmoid", theme=None) -> Dashboard:
    """The classroom dashboard (see :class:`Dashboard`)."""
    return Dashboard(activation, theme=theme)
