"""The base of every live view: controls -> compute -> one render -> an Image (ipywidgets).

A :class:`LiveView` is a ``VBox`` of optional header widgets, its ``controls``, optional
footer widgets, an HTML readout and an ``ipywidgets.Image``. Subclasses implement the
protocol:

* ``_compute()``      read the controls into ``self.view`` (numpy + artists, no rendering);
* ``_readout_html()`` the HTML lines under the controls (default: none).

and call ``LiveView.__init__(self, view, controls, header=..., footer=...)`` once their
``view`` (a :class:`~actviz.figures.render.FigureView`) shows the initial state.

Every control change goes through one path, :meth:`LiveView._request_render`: inside a
kernel a trailing-edge throttle renders at most once per render time, always the latest
state; anywhere else (scripts, tests) the render happens at once. Reading ``figure``,
``image`` or ``readout`` renders any pending change first, so code that sets a control and
then looks at the result always sees the new state. Callbacks only write widget *state*
(never print or display), so nbval and nbclient see the same cell outputs; a callback that
fails shows its message in the readout instead of raising.
"""

from __future__ import annotations

import asyncio
import base64
import html
import time

import ipywidgets as widgets

from .controls import SliderKeys

__all__ = ["LiveView", "png_bundle", "image_widget", "kernel_loop", "close_tree"]


def kernel_loop():
    """The running event loop when this code runs inside an IPython kernel, else None.

    Outside a kernel (a script, pytest, even with another library's loop running in the
    thread) views render synchronously, so there is one predictable order of events.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def close_tree(widget) -> None:
    """Close ``widget``, its children (recursively), and their Layout and Style widgets."""
    seen = set()

    def visit(w):
        if w is None or id(w) in seen or not isinstance(w, widgets.Widget):
            return
        seen.add(id(w))
        for child in getattr(w, "children", ()):
            visit(child)
        for attr in ("layout", "style"):
            visit(getattr(w, attr, None))
        w.close()

    visit(widget)


def png_bundle(widget, png: bytes, text: str, **kwargs) -> dict:
    """The widget's display bundle plus ``image/png`` (shown where widgets are not live)."""
    bundle = widgets.DOMWidget._repr_mimebundle_(widget, **kwargs) or {}
    bundle["image/png"] = base64.b64encode(png).decode("ascii")
    bundle["text/plain"] = text
    return bundle


def image_widget(figure) -> widgets.Image:
    """An Image widget as wide as the figure at most, shrinking with the page."""
    return widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=f"{int(figure.bbox.width)}px"))


class LiveView(widgets.VBox):
    """A figure driven by controls (see the module docstring for the protocol)."""

    def __init__(self, view, controls: dict, header=(), footer=(), body=None, **kwargs):
        """``body``: the widget shown under the readout (default: the Image of the figure)."""
        self.view = view
        self.controls = controls
        self._image = image_widget(view.figure)
        self._readout = widgets.HTML()
        self._dirty = False
        self._render_scheduled = False
        self._last_render_cost = 0.0
        self._last_render_end = 0.0
        self.renders = 0  # images produced (a burst of control events yields one)
        self.requests = 0  # control changes seen
        self.last_error = None  # the message of the last control change that could not be drawn, if any
        for control in controls.values():
            if isinstance(control, widgets.ValueWidget):
                control.observe(self._on_change, names="value")
        self._parts = (tuple(header), tuple(footer), self._image if body is None else body, SliderKeys())
        super().__init__(self._layout(), **kwargs)
        self._show()

    def _layout(self) -> tuple:
        """The children: header, the controls (in ``controls`` order), footer, readout, body."""
        header, footer, body, keys = self._parts
        return (*header, *self.controls.values(), *footer, self._readout, body, keys)

    # ---------------------------------------------------------------- protocol

    def _compute(self) -> None:
        """Read the controls into ``self.view`` (no rendering)."""
        raise NotImplementedError

    def _readout_html(self) -> str:
        return ""

    # ---------------------------------------------------------------- state

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
        self.requests += 1
        self._dirty = True
        self._request_render()

    def _request_render(self) -> None:
        """Render now, or -- during a burst of events in a kernel -- a little later.

        A throttle with a trailing edge: if the last render finished at least one render
        time ago, render at once; otherwise schedule one render of the *latest* state for
        when the running one would have finished. Events in between only mark the state
        dirty, so a fast drag never queues stale frames.
        """
        loop = kernel_loop()
        if loop is None:
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
        try:
            self._compute()
            self._show()
        except Exception as exc:  # noqa: BLE001 - a callback must never raise into the front end
            # a combination of control values that cannot be drawn: say so, keep the last image
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._readout.value = (f"<span style='color:#D55E00'>\u2717 this setting cannot be drawn: "
                                   f"{html.escape(str(exc) or type(exc).__name__)}</span>")
            return
        self.last_error = None
        self._last_render_end = time.perf_counter()
        self._last_render_cost = self._last_render_end - start

    def refresh(self) -> None:
        """Read every control and render now."""
        self._dirty = True
        self.flush()

    def _show(self) -> None:
        self._image.value = self.view.render()
        self._readout.value = self._readout_html()
        self.renders += 1

    def close_all_views(self) -> None:
        """Close this view and every widget in it, their layouts and styles included (frees
        their comms in the kernel and their models in the front end when a view is replaced)."""
        close_tree(self)

    def _repr_mimebundle_(self, **kwargs):
        return png_bundle(self, bytes(self.image.value), repr(self), **kwargs)
