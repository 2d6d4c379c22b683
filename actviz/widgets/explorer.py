"""The explorer and the comparison: sliders wired to the activation figures (ipywidgets).

Data flows one way: a slider value -> parameters -> g, g' arrays -> artists -> PNG bytes
in an ``ipywidgets.Image`` (widget state: a move sends one binary message and no display
output). Both views go through :class:`~actviz.widgets.view.LiveView`'s throttled render.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..figures.activation import ActivationFigure, CompareFigure
from ..maths import validate
from ..maths.registry import as_activation, names
from .controls import SLIDER_STYLE, param_slider, z0_slider, z_range_slider
from .view import LiveView

__all__ = ["Explorer", "Comparison", "explore", "compare", "DEFAULT_COMPARISON"]

DEFAULT_COMPARISON = ("sigmoid", "tanh", "relu", "leaky_relu")


class Explorer(LiveView):
    """g and g' of one activation with sliders for the z range, z0 and each parameter.

    ``controls`` maps 'z_range', 'z0' and each parameter name to its slider; setting a
    slider's ``value`` from code updates ``figure``, ``image`` and ``readout`` before they
    are read.
    """

    def __init__(self, act, z_range=(-8.0, 8.0), z0: float = 1.0, theme=None, **params):
        self.act = as_activation(act, **params)
        lo, hi = validate.z_range(z_range)
        z0 = validate.real(z0, "z0")
        view = ActivationFigure(self.act, z_range=(lo, hi), z0=z0, theme=theme, readout=False)
        controls = {"z_range": z_range_slider(lo, hi), "z0": z0_slider(view.z0, lo, hi)}
        for p in self.act.param_specs:
            controls[p.name] = param_slider(p, self.act.params[p.name])
        self._batch = False
        title = widgets.HTML(f"<b>{html.escape(self.act.name)}</b>: drag a slider, or click it and use the arrow keys")
        super().__init__(view, controls, header=[title])

    def _on_change(self, change) -> None:
        if self._batch:
            return
        if change["owner"] is self.controls["z_range"]:
            self._follow_z_range(*change["new"])
        super()._on_change(change)

    def _follow_z_range(self, lo: float, hi: float) -> None:
        """Keep z0's slider inside the new range (without a render per intermediate step)."""
        z0 = self.controls["z0"]
        self._batch = True
        try:
            if lo > z0.max:  # order matters: min may never exceed max
                z0.max, z0.min = hi, lo
            else:
                z0.min, z0.max = lo, hi
        finally:
            self._batch = False

    def _compute(self) -> None:
        params = {p.name: self.controls[p.name].value for p in self.act.param_specs}
        if params:
            self.act = self.act.with_params(**params)
        self.view.update(act=self.act, z0=self.controls["z0"].value, z_range=self.controls["z_range"].value)

    def _readout_html(self) -> str:
        t = self.view.tangent
        return (
            f"<span style='font-size:1.25em'>z\u2080 = {t.z0:.3f} &nbsp; g(z\u2080) = {t.value:.6f} &nbsp; "
            f"g\u2032(z\u2080) = {t.slope:.6f} &nbsp;<i>(the slope of the tangent)</i></span>"
        )

    def __repr__(self) -> str:
        self.flush()
        lo, hi = self.view.z_range
        params = "".join(f", {k} = {v:g}" for k, v in self.act.params.items())
        return f"Explorer({self.act.name}: z in [{lo:g}, {hi:g}], z0 = {self.view.z0:g}{params})"


class Comparison(LiveView):
    """Several activations overlaid; pick them from a list (Ctrl/Shift-click or keyboard).

    ``controls``: 'names' (the list) and 'z_range'. An empty selection keeps the last figure.
    """

    def __init__(self, acts=DEFAULT_COMPARISON, z_range=(-5.0, 5.0), theme=None):
        if isinstance(acts, str):
            raise TypeError(f"compare takes a list of activations, e.g. ['sigmoid', 'tanh'], got the string {acts!r}")
        acts = [as_activation(a) for a in acts]
        if not acts:
            raise ValueError(f"compare needs at least one activation; known: {', '.join(names())}")
        self._by_label = {a.label: a for a in acts}
        shown = {a.name for a in acts}
        for n in names():  # the others, with default parameters, to add from the list
            if n not in shown:
                extra = as_activation(n)
                self._by_label[extra.label] = extra
        lo, hi = validate.z_range(z_range)
        view = CompareFigure(acts, z_range=(lo, hi), theme=theme)
        controls = {
            "names": widgets.SelectMultiple(options=list(self._by_label), value=[a.label for a in acts],
                                            rows=min(8, len(self._by_label)), description="activations", style=SLIDER_STYLE),
            "z_range": z_range_slider(lo, hi),
        }
        super().__init__(view, controls)

    @property
    def activations(self):
        return [self._by_label[label] for label in self.controls["names"].value]

    def _compute(self) -> None:
        acts = self.activations
        if acts:  # an empty selection keeps the last figure
            self.view.update(acts, z_range=self.controls["z_range"].value)

    def _readout_html(self) -> str:
        return "" if self.controls["names"].value else "<i>Select at least one activation.</i>"

    def __repr__(self) -> str:
        lo, hi = self.view.z_range
        shown = ", ".join(self.controls["names"].value) or "nothing selected"
        return f"Comparison({shown}: z in [{lo:g}, {hi:g}])"


def explore(name_or_act, z_range=(-8.0, 8.0), z0: float = 1.0, theme=None, **params) -> Explorer:
    """An :class:`Explorer` for a registry name (with parameters) or an Activation."""
    return Explorer(name_or_act, z_range=z_range, z0=z0, theme=theme, **params)


def compare(names_or_acts=DEFAULT_COMPARISON, z_range=(-5.0, 5.0), theme=None) -> Comparison:
    """A :class:`Comparison` of several activations (names or Activations)."""
    return Comparison(names_or_acts, z_range=z_range, theme=theme)
