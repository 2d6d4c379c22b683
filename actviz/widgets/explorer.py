"""The explorer and the comparison: sliders wired to the activation figures (ipywidgets).

Data flows one way: a slider value -> parameters -> g, g' arrays -> artists -> PNG bytes
(widget state: a move sends one binary message and no display output). Both views go
through :class:`~actviz.widgets.view.LiveView`'s throttled render.

The explorer's z0 never waits for the kernel: its tangent, markers and readout are drawn in
the browser by a :class:`~actviz.widgets.canvas.TangentCanvas` over a background the kernel
renders once per activation, parameter or z-range change. The kernel still follows z0
(cheaply, no render), so ``figure``, ``image`` and ``readout`` show the current state.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..figures.activation import ActivationFigure, CompareFigure
from ..maths import validate
from ..maths.registry import as_activation, names
import numpy as np

from ..figures.activation import readout_line
from .canvas import TangentCanvas, link_z0
from .controls import SLIDER_STYLE, param_slider, z0_slider, z_range_slider
from .view import LiveView, close_tree

__all__ = ["Explorer", "Comparison", "explore", "compare", "DEFAULT_COMPARISON"]

DEFAULT_COMPARISON = ("sigmoid", "tanh", "relu", "leaky_relu")


def _title_html(act) -> str:
    return f"<b>{html.escape(act.name)}</b>: drag a slider, or click it and use the arrow keys"


class Explorer(LiveView):
    """g and g' of one activation with sliders for the z range, z0 and each parameter.

    ``controls`` maps 'z_range', 'z0' and each parameter name to its slider; setting a
    slider's ``value`` from code updates ``figure``, ``image`` and ``readout`` before they
    are read. ``renders`` counts kernel renders: a z0 move costs none (the browser draws it).
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
        self._frame = None  # what the browser has: the z0 steps and their values
        self._image_state = None  # the state the full PNG (self._image) was rendered for
        self._readout_text = widgets.HTML()  # readout's value for code; the browser shows the canvas's
        self.canvas = TangentCanvas(layout=widgets.Layout(width="100%", max_width=f"{int(view.figure.bbox.width)}px"))
        self._link = link_z0(controls["z0"], self.canvas)
        self._title = widgets.HTML(_title_html(self.act))
        super().__init__(view, controls, header=[self._title], body=self.canvas)

    def set_activation(self, act, **params) -> None:
        """Explore another activation (a name or an Activation) in this explorer: the z range
        and z0 stay, the parameter sliders are those of the new activation (at its defaults,
        or ``params``). Cheaper than a new Explorer: the figure, its chrome and the widgets
        are kept (the dashboard's "pick an activation")."""
        act = as_activation(act, **params)
        old = [self.controls.pop(p.name) for p in self.act.param_specs]
        for slider in old:
            slider.unobserve(self._on_change, names="value")
        new = {p.name: param_slider(p, act.params[p.name]) for p in act.param_specs}
        for slider in new.values():
            slider.observe(self._on_change, names="value")
        self.controls.update(new)
        self.act = act
        self.view.set_activation(act)
        self.refresh()  # the slow part first: then the plot, sliders and title change within ms
        self.children = self._layout()
        self._title.value = _title_html(act)
        for slider in old:
            close_tree(slider)

    def _on_change(self, change) -> None:
        if self._batch:
            return
        owner = change["owner"]
        if owner is self.controls["z0"]:
            self._follow_z0(change["new"])
            return
        if owner is self.controls["z_range"]:
            self._follow_z_range(*change["new"])
        super()._on_change(change)

    def _follow_z0(self, z0: float) -> None:
        """z0 alone moved: the browser draws it; the kernel only keeps its state current."""
        self.requests += 1
        try:
            if self._dirty:  # a render is pending: it will read z0 too
                return
            self.view.update(z0=z0)
            self._send_current()
        except Exception as exc:  # noqa: BLE001 - a callback must never raise into the front end
            self._cannot_draw(exc)
            return
        self.last_error = None

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

    def _steps(self) -> np.ndarray:
        """The values the z0 slider can take in the browser: min + k * step, and max."""
        s = self.controls["z0"]
        k = np.arange(int(np.floor((s.max - s.min) / s.step + 1e-9)) + 1)
        steps = s.min + k * s.step
        return steps if abs(steps[-1] - s.max) <= 1e-9 * max(1.0, abs(s.max)) else np.append(steps, s.max)

    def _show(self) -> None:
        background = self.view.render_background()  # first: it sets the axes limits the frame reads
        frame = self.view.client_frame(self._steps(), serial=self.renders + 1)
        with self.canvas.hold_sync():
            self.canvas.frame = frame
            self.canvas.background = background
            self._send_current(frame)
        self._frame = frame
        self._readout.value = ""  # errors only: the canvas shows the readout
        self.renders += 1

    def _on_grid(self, z0: float, frame=None):
        """The index of z0 among the browser's slider steps, or None."""
        frame = frame or self._frame
        if not frame:
            return None
        z = frame["z"]
        i = min(max(int(round((z0 - z[0]) / frame["step"])), 0), len(z) - 1)
        for j in (i, len(z) - 1):
            if abs(z[j] - z0) <= 1e-9 * max(1.0, abs(z0)):
                return j
        return None

    def _send_current(self, frame=None) -> None:
        """For a z0 off the slider's steps (set from code), send its exact values."""
        frame = frame or self._frame
        t = self.view.tangent
        if frame is None or self._on_grid(t.z0, frame) is not None:
            return
        num = lambda v: v if np.isfinite(v) else None  # noqa: E731 - JSON has no inf
        self.canvas.current = {"serial": frame["serial"], "z0": t.z0, "g": num(t.value), "dg": num(t.slope),
                               "text": readout_line(t.z0, t.value, t.slope)}

    def _cannot_draw(self, exc: Exception) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        self._readout.value = (f"<span style='color:#D55E00'>\u2717 this setting cannot be drawn: "
                               f"{html.escape(str(exc) or type(exc).__name__)}</span>")

    # ---------------------------------------------------------------- state for code

    @property
    def image(self) -> widgets.Image:
        """An Image of the full figure (tangent included), up to date with the controls
        (rendered when read; the live view is the canvas)."""
        self.flush()
        state = (self.renders, self.view.z0)
        if state != self._image_state and not self.last_error:
            self._image.value = self.view.render()
            self._image_state = state
        return self._image

    @property
    def figure(self):
        """The matplotlib Figure, drawn up to the current control values."""
        self.image  # noqa: B018 - brings the figure's pixels up to date
        return self.view.figure

    @property
    def readout(self) -> widgets.HTML:
        """The readout line (HTML) for the current control values: the numbers the browser shows."""
        self.flush()
        self._readout_text.value = self._readout_html()
        return self._readout_text

    def _readout_html(self) -> str:
        t = self.view.tangent
        i = self._on_grid(t.z0)
        text = self._frame["text"][i] if i is not None else readout_line(t.z0, t.value, t.slope)
        return f"<span style='font-size:1.25em'>{html.escape(text)}</span>"

    def close_all_views(self) -> None:
        """Close this view, its widgets and those kept off screen (the link, the Image)."""
        super().close_all_views()
        for w in (self._link, self._image, self._readout_text):
            close_tree(w)

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
