"""Controls shared by the views (ipywidgets): slider layout, the z-range slider, sliders from
:class:`~actviz.maths.registry.Param`, the activation picker."""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as widgets
from traitlets import TraitError, validate as trait_validate

from ..maths import validate
from ..maths.registry import Param, names

__all__ = ["SliderKeys", "Z_LIMIT", "MIN_Z_WIDTH", "SLIDER_LAYOUT", "SLIDER_STYLE", "WIDE_STYLE", "RangeOrderError", "ZRangeSlider",
           "z_range_slider", "z0_slider", "param_slider", "activation_dropdown"]

#: The z range slider spans [-Z_LIMIT, Z_LIMIT].
Z_LIMIT = 20.0
#: The z range never gets narrower than this (a drag that closes it is widened back).
MIN_Z_WIDTH = 0.5

SLIDER_LAYOUT = dict(width="min(100%, 640px)")
SLIDER_STYLE = {"description_width": "6em"}
#: room for two-word labels ("learning rate", "weight scale")
WIDE_STYLE = {"description_width": "8.5em"}


class RangeOrderError(ValueError, TraitError):
    """A reversed or non-finite z range (a ValueError, and a TraitError so traitlets reports it)."""


class ZRangeSlider(widgets.FloatRangeSlider):
    """A range slider whose range is never empty or reversed.

    A reversed value set from code raises :class:`RangeOrderError`; a range narrower than
    ``MIN_Z_WIDTH`` (e.g. both handles dragged together) is widened back to that width.
    """

    @trait_validate("value")
    def _validate_value(self, proposal):  # replaces the parent validator
        lo, hi = proposal["value"]
        try:
            lo, hi = validate.real(lo, "z range low"), validate.real(hi, "z range high")
        except (TypeError, ValueError) as exc:
            raise RangeOrderError(f"z range must be two finite numbers: {exc}") from None
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


def z_range_slider(lo: float, hi: float, **kw) -> ZRangeSlider:
    """The z-range slider over [-Z_LIMIT, Z_LIMIT] (wider if the range given is wider)."""
    return ZRangeSlider(value=(lo, hi), min=min(-Z_LIMIT, lo), max=max(Z_LIMIT, hi), step=0.5, description="z range",
                        readout_format=".1f", continuous_update=True, tooltip="the z interval shown",
                        layout=SLIDER_LAYOUT, style=SLIDER_STYLE, **kw)


def z0_slider(z0: float, lo: float, hi: float) -> widgets.FloatSlider:
    """The point where the tangent touches g."""
    return widgets.FloatSlider(value=z0, min=lo, max=hi, step=0.05, description="z\u2080 (tangent)", readout_format=".2f",
                               continuous_update=True, tooltip="where the tangent touches g",
                               layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def param_slider(p: Param, value: float) -> widgets.FloatSlider:
    """A slider over a parameter's range, 200 steps."""
    return widgets.FloatSlider(
        value=value, min=p.low, max=p.high, step=(p.high - p.low) / 200,
        description=f"{p.name} ({p.doc})" if len(p.doc) < 12 else p.name, readout_format=".3f",
        continuous_update=True, tooltip=p.doc, layout=SLIDER_LAYOUT, style=SLIDER_STYLE,
    )


def activation_dropdown(value: str, style=None, **kw) -> widgets.Dropdown:
    """A picker over every registered activation."""
    return widgets.Dropdown(options=names(), value=value, description="activation", style=style or SLIDER_STYLE,
                            tooltip="the activation g", **kw)


class SliderKeys(anywidget.AnyWidget):
    """Invisible; makes the arrow keys move a focused slider handle in Jupyter Notebook 7 too
    (whose command-mode shortcuts took them first). Every live view carries one; the JS is
    ``slider_keys.js`` beside this file."""

    _esm = Path(__file__).parent / "slider_keys.js"

    def __repr__(self) -> str:
        return "SliderKeys()"
