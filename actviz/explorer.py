"""Widgets: sliders wired to the figures (one class per view, its callbacks together).

Data flows one way: a slider value -> parameters -> g, g' arrays -> artists -> PNG bytes
in an ``ipywidgets.Image``. The image is widget *state*, so a move sends one binary
message and no display output (nbval and nbclient see the same cell outputs), and the
figure is one persistent matplotlib Figure updated in place: no flicker, no figure per
move, nothing registered with pyplot.

Where widgets are not live (GitHub, nbviewer, ``nbconvert --to html``) the display also
carries ``image/png`` of the current figure, which those renderers show instead.
"""

from __future__ import annotations

import asyncio
import base64
import html
import time

import ipywidgets as widgets
import numpy as np
from traitlets import TraitError, validate

from .activations import names
from .analysis import as_activation
from .figures import ActivationFigure, CompareFigure, check_z_range

__all__ = ["Explorer", "Comparison", "Dashboard", "ExpressionBox", "explore", "compare", "dashboard", "expression_box", "ZRangeSlider", "Z_LIMIT", "MIN_Z_WIDTH"]

#: The z range slider spans [-Z_LIMIT, Z_LIMIT].
Z_LIMIT = 20.0
#: The z range never gets narrower than this (a drag that closes it is widened back).
MIN_Z_WIDTH = 0.5

_SLIDER_LAYOUT = dict(width="min(100%, 640px)")
_SLIDER_STYLE = {"description_width": "6em"}


class RangeOrderError(ValueError, TraitError):
    """A reversed z range (a ValueError, and a TraitError so traitlets reports it)."""


class ZRangeSlider(widgets.FloatRangeSlider):
    """A range slider whose range is never empty or reversed.

    A reversed value set from code raises :class:`RangeOrderError`; a range narrower than
    ``MIN_Z_WIDTH`` (e.g. both handles dragged together) is widened back to that width.
    """

    @validate("value")
    def _validate_value(self, proposal):  # replaces the parent validator
        lo, hi = proposal["value"]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RangeOrderError(f"z range must be two finite numbers, got ({lo}, {hi})")
        if lo > hi:
            raise RangeOrderError(f"z range must have low < high, got ({lo:g}, {hi:g}); swap them")
        lo, hi = max(lo, self.min), min(hi, self.max)
        if hi - lo < MIN_Z_WIDTH:
            old_lo, _ = self.value
            if lo != old_lo:  # the low handle moved: keep it, push the other side
                lo = min(lo, self.max - MIN_Z_WIDTH)
                hi = lo + MIN_Z_WIDTH
            else:
                hi = max(hi, self.min + MIN_Z_WIDTH)
                lo = hi - MIN_Z_WIDTH
        return (lo, hi)


def _png_bundle(widget, png: bytes, text: str, **kwargs) -> dict:
    bundle = widgets.DOMWidget._repr_mimebundle_(widget, **kwargs) or {}
    bundle["image/png"] = base64.b64encode(png).decode("ascii")
    bundle["text/plain"] = text
    return bundle


class LiveView(widgets.VBox):
    """Shared plumbing of every view: a pending-change flag, a trailing-edge render throttle, display.

    Subclasses set ``controls``, ``view`` (an object with ``figure`` and ``render()``),
    ``_image``, bring ``view`` up to date with the controls, then call :meth:`_wire`; they
    implement ``_compute()`` (controls -> artists, no rendering) and ``_readout_html()``.
    """

    def _wire(self, children) -> None:
        self._dirty = False
        self._render_scheduled = False
        self._last_render_cost = 0.0
        self._last_render_end = 0.0
        self.renders = 0  # images produced (a burst of control events yields one)
        self._readout = widgets.HTML()
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        super().__init__([*children, self._readout, self._image])
        self._show()

    @property
    def figure(self):
        """The matplotlib Figure, rendered up to the current control values."""
        self.flush()
        return self.view.figure

    @property
    def image(self) -> widgets.Image:
        """The Image widget showing the figure, up to date with the controls."""
        self.flush()
        return self._image

    @property
    def readout(self) -> widgets.HTML:
        """The HTML lines under the controls, up to date with them."""
        self.flush()
        return self._readout

    def _on_change(self, change) -> None:
        self._dirty = True
        self._request_render()

    def _request_render(self) -> None:
        """Render now, or -- during a burst of events in a kernel -- a little later.

        A throttle with a trailing edge: if the last render finished at least one render
        time ago, render at once; otherwise schedule one render of the *latest* state for
        when the running one would have finished. Events in between only mark the state
        dirty, so a fast drag never queues stale frames. Reading ``figure``, ``image`` or
        ``readout`` renders any pending state first, so code that sets a control and then
        looks at the result always sees the new state.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # plain Python (scripts, tests): render synchronously
            self.flush()
            return
        if self._render_scheduled:
            return
        wait = self._last_render_cost - (time.perf_counter() - self._last_render_end)
        if wait <= 0:
            self.flush()
        else:
            self._render_scheduled = True
            loop.call_later(wait, self.flush)

    def flush(self) -> None:
        """Compute and render the pending state into the image (no-op if up to date)."""
        self._render_scheduled = False
        if not self._dirty:
            return
        self._dirty = False
        start = time.perf_counter()
        self._compute()
        self._show()
        self._last_render_end = time.perf_counter()
        self._last_render_cost = self._last_render_end - start

    def _show(self) -> None:
        self._image.value = self.view.render()
        self._readout.value = self._readout_html()
        self.renders += 1

    def close_all_views(self) -> None:
        """Close this view's widgets (frees their comms when the view is replaced)."""
        for control in self.controls.values():
            control.close()
        self._image.close()
        self._readout.close()
        self.close()

    def _repr_mimebundle_(self, **kwargs):
        return _png_bundle(self, bytes(self.image.value), repr(self), **kwargs)



class Explorer(LiveView):
    """g and g' of one activation with sliders for the z range, z0 and each parameter.

    ``controls`` maps 'z_range', 'z0' and each parameter name to its slider; setting a
    slider's ``value`` from code updates ``figure`` and ``image`` before it returns.
    """

    def __init__(self, act, z_range=(-8.0, 8.0), z0: float = 1.0, theme=None):
        self.act = as_activation(act)
        lo, hi = check_z_range(z_range)
        self.view = ActivationFigure(self.act, z_range=(lo, hi), z0=z0, theme_=theme, readout=False)
        self._image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=f"{int(self.view.figure.bbox.width)}px"))
        self.controls = self._make_controls(lo, hi, self.view.z0)
        self.requests = 0  # slider changes seen (a burst of them yields one render)
        self._batch = False
        title = widgets.HTML(f"<b>{html.escape(self.act.name)}</b>: drag a slider, or click it and use the arrow keys")
        self._wire([title, *self.controls.values()])

    def _make_controls(self, lo, hi, z0) -> dict:
        controls = {
            "z_range": ZRangeSlider(value=(lo, hi), min=min(-Z_LIMIT, lo), max=max(Z_LIMIT, hi), step=0.5,
                                    description="z range", readout_format=".1f", continuous_update=True,
                                    tooltip="the z interval shown", layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
            "z0": widgets.FloatSlider(value=z0, min=lo, max=hi, step=0.05, description="z\u2080 (tangent)", readout_format=".2f",
                                      continuous_update=True, tooltip="where the tangent touches g",
                                      layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
        }
        for p in self.act.param_specs:
            controls[p.name] = widgets.FloatSlider(
                value=self.act.params[p.name], min=p.low, max=p.high, step=(p.high - p.low) / 200,
                description=f"{p.name} ({p.doc})" if len(p.doc) < 12 else p.name, readout_format=".3f",
                continuous_update=True, tooltip=p.doc, layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE,
            )
        return controls

    # ---------------------------------------------------------------- callbacks

    def _on_change(self, change) -> None:
        if self._batch:
            return
        if change["owner"] is self.controls["z_range"]:
            self._follow_z_range(*change["new"])
        self.requests += 1
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
        """Read every control into the figure's artists (numpy only; no rendering)."""
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

    def refresh(self) -> None:
        """Read every control and render now."""
        self._dirty = True
        self.flush()

    # ---------------------------------------------------------------- display

    def __repr__(self) -> str:
        self.flush()
        lo, hi = self.view.z_range
        params = "".join(f", {k} = {v:g}" for k, v in self.act.params.items())
        return f"Explorer({self.act.name}: z in [{lo:g}, {hi:g}], z0 = {self.view.z0:g}{params})"


class Comparison(widgets.VBox):
    """Several activations overlaid; pick them from a list (Ctrl/Shift-click or keyboard)."""

    def __init__(self, acts=("sigmoid", "tanh", "relu", "leaky_relu"), z_range=(-5.0, 5.0), theme=None):
        acts = [as_activation(a) for a in acts]
        if not acts:
            raise ValueError(f"compare needs at least one activation; known: {', '.join(names())}")
        self._by_label = {a.label: a for a in acts}
        shown = {a.name for a in acts}
        for n in names():  # the others, with default parameters, to add from the list
            if n not in shown:
                extra = as_activation(n)
                self._by_label[extra.label] = extra
        lo, hi = check_z_range(z_range)
        self.view = CompareFigure(acts, z_range=(lo, hi), theme_=theme)
        self.figure = self.view.figure
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=f"{int(self.figure.bbox.width)}px"))
        self.controls = {
            "names": widgets.SelectMultiple(options=list(self._by_label), value=[a.label for a in acts], rows=min(8, len(self._by_label)),
                                            description="activations", style=_SLIDER_STYLE),
            "z_range": ZRangeSlider(value=(lo, hi), min=min(-Z_LIMIT, lo), max=max(Z_LIMIT, hi), step=0.5, description="z range",
                                    readout_format=".1f", layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
        }
        for control in self.controls.values():
            control.observe(lambda change: self.refresh(), names="value")
        super().__init__([*self.controls.values(), self.image])
        self.refresh()

    @property
    def activations(self):
        return [self._by_label[label] for label in self.controls["names"].value]

    def refresh(self) -> None:
        acts = self.activations
        if not acts:  # an empty selection keeps the last figure rather than erroring in a callback
            return
        self.view.update(acts, z_range=self.controls["z_range"].value)
        self.image.value = self.view.render()

    def __repr__(self) -> str:
        lo, hi = self.view.z_range
        shown = ", ".join(self.controls["names"].value) or "nothing selected"
        return f"Comparison({shown}: z in [{lo:g}, {hi:g}])"

    def _repr_mimebundle_(self, **kwargs):
        return _png_bundle(self, self.image.value, repr(self), **kwargs)


def explore(name_or_act, z_range=(-8.0, 8.0), z0: float = 1.0, theme=None, **params) -> Explorer:
    """An :class:`Explorer` for a registry name (with parameters) or an Activation."""
    return Explorer(as_activation(name_or_act, **params), z_range=z_range, z0=z0, theme=theme)


def compare(names_or_acts=("sigmoid", "tanh", "relu", "leaky_relu"), z_range=(-5.0, 5.0), theme=None) -> Comparison:
    """A :class:`Comparison` of several activations (names or Activations)."""
    return Comparison(names_or_acts, z_range=z_range, theme=theme)


class Dashboard(widgets.VBox):
    """The code-free classroom view: pick an activation, explore it, compare several.

    ``controls`` holds 'activation' (the picker); ``explorer`` and ``comparison`` are the
    two views, each with its own ``controls``.
    """

    def __init__(self, activation: str = "sigmoid", theme=None):
        self.theme = theme
        self.controls = {
            "activation": widgets.Dropdown(options=names(), value=activation, description="activation",
                                           style=_SLIDER_STYLE, layout=widgets.Layout(width="min(100%, 360px)")),
        }
        self.explorer = Explorer(activation, theme=theme)
        self.comparison = Comparison(("sigmoid", "tanh", "relu", "leaky_relu"), theme=theme)
        self._explorer_box = widgets.VBox([self.explorer])
        self.controls["activation"].observe(self._on_pick, names="value")
        header = widgets.HTML(
            # projector-sized labels and readouts for this dashboard only
            "<style>.actviz-dashboard .widget-label, .actviz-dashboard .widget-readout,"
            " .actviz-dashboard select {font-size: 1.25em !important;}</style>"
            "<h2 style='margin:0.2em 0'>Activation functions and their derivatives</h2>"
            "<p style='font-size:1.15em;margin:0'>Left: g(z) with the tangent at z\u2080. Right: g\u2032(z), the slope. "
            "Shaded: saturated (|g\u2032| &lt; 1% of its maximum); hatched: dead (g\u2032 = 0).</p>"
        )
        compare_header = widgets.HTML("<h3 style='margin:0.6em 0 0.2em'>Compare activations</h3>")
        super().__init__([header, self.controls["activation"], self._explorer_box, compare_header, self.comparison])
        self.add_class("actviz-dashboard")

    def _on_pick(self, change) -> None:
        old = self.explorer
        self.explorer = Explorer(change["new"], theme=self.theme)
        self._explorer_box.children = (self.explorer,)
        old.close_all_views()

    def __repr__(self) -> str:
        return f"Dashboard({self.explorer!r})"

    def _repr_mimebundle_(self, **kwargs):
        return _png_bundle(self, self.explorer.image.value, repr(self), **kwargs)


def dashboard(activation: str = "sigmoid", theme=None) -> Dashboard:
    """The classroom dashboard (see :class:`Dashboard`); served by Voila from notebooks/dashboard.ipynb."""
    return Dashboard(activation, theme=theme)


class ExpressionBox(widgets.VBox):
    """Type an activation as an expression in z; see g and g' derived, then explore them.

    The text goes through :func:`actviz.symbolic.from_expression` (a whitelist parser, no
    ``eval``); a rejected expression shows its ``ValueError`` message instead of a traceback.
    ``controls`` holds 'expression' (the text box) and 'apply' (the button); ``explorer`` is
    the current :class:`Explorer` (None until an expression was accepted).
    """

    def __init__(self, text: str = "z * tanh(log(1 + exp(z)))", theme=None):
        self.theme = theme
        self.explorer = None
        self.controls = {
            "expression": widgets.Text(value=text, description="g(z) =", continuous_update=False,
                                       layout=widgets.Layout(width="min(100%, 640px)"), style=_SLIDER_STYLE),
            "apply": widgets.Button(description="Derive and plot", button_style="primary",
                                    tooltip="parse the expression, differentiate it, plot g and g'"),
        }
        self.message = widgets.HTMLMath()
        self._explorer_box = widgets.VBox()
        self.controls["apply"].on_click(lambda _: self.apply())
        self.controls["expression"].observe(lambda _: self.apply(), names="value")  # Enter in the box
        super().__init__([widgets.HBox([self.controls["expression"], self.controls["apply"]]), self.message, self._explorer_box])
        self.apply()

    def apply(self) -> None:
        """Parse the current text; show the derivative and a new explorer, or the error."""
        from .symbolic import from_expression

        try:
            act = from_expression(self.controls["expression"].value)
        except ValueError as exc:
            self.message.value = f"<span style='color:#D55E00;font-size:1.15em'>\u2717 {html.escape(str(exc))}</span>"
            return
        self.message.value = f"$${act.latex_g}$$ $${act.latex_dg}$$"
        old, self.explorer = self.explorer, Explorer(act, theme=self.theme)
        self._explorer_box.children = (self.explorer,)
        if old is not None:
            old.close_all_views()

    def __repr__(self) -> str:
        return f"ExpressionBox({self.controls['expression'].value!r})"

    def _repr_mimebundle_(self, **kwargs):
        png = self.explorer.image.value if self.explorer is not None else b""
        return _png_bundle(self, png, repr(self), **kwargs)


def expression_box(text: str = "z * tanh(log(1 + exp(z)))", theme=None) -> ExpressionBox:
    """An :class:`ExpressionBox` (type your own activation)."""
    return ExpressionBox(text, theme=theme)
