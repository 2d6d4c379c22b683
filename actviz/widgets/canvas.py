"""The explorer's tangent, markers and readout, drawn in the browser (anywidget).

The kernel renders the figure without its moving parts once per activation, parameter or
z-range change and sends it with g and g' at every step of the z0 slider; the browser draws
the tangent, the two markers and the readout for the slider's value at once (the slider is
linked to this widget in the browser, see :func:`link_z0`), so a z0 drag never waits for the
kernel. Every number shown is computed (and formatted) by the kernel. The JavaScript is
``tangent_canvas.js`` beside this file.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["TangentCanvas", "link_z0"]

_HERE = Path(__file__).parent


class TangentCanvas(anywidget.AnyWidget):
    """``background`` (PNG), ``frame`` (geometry, slider steps, values, style; see the JS),
    ``z0`` (linked to the z0 slider in the browser) and ``current`` (a z0 off the steps)."""

    _esm = _HERE / "tangent_canvas.js"
    _css = """
    .actviz-tangent-canvas .actviz-canvas {width: 100%; height: auto; display: block;}
    .actviz-tangent-canvas .actviz-readout {font-size: 1.25em; min-height: 1.5em; margin: 0.2em 0;
      font-variant-numeric: tabular-nums; white-space: pre-wrap;}
    """
    background = traitlets.Bytes(b"").tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    z0 = traitlets.Float(0.0).tag(sync=True)
    current = traitlets.Dict().tag(sync=True)

    def __repr__(self) -> str:
        return f"TangentCanvas(z0 = {self.z0:g})"


def link_z0(slider: widgets.FloatSlider, canvas: TangentCanvas) -> widgets.widget_link.DirectionalLink:
    """Slider -> canvas in the browser (and the kernel); never the other way, so a late echo
    from the kernel cannot move the drawing back."""
    canvas.z0 = slider.value
    return widgets.jsdlink((slider, "value"), (canvas, "z0"))
