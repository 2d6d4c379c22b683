"""Type an activation as a formula in z; see g' derived step by step, then explore it (ipywidgets)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .controls import SLIDER_STYLE
from .explorer import Explorer
from .view import png_bundle

__all__ = ["ExpressionBox", "expression_box"]


class ExpressionBox(widgets.VBox):
    """The text goes through :func:`actviz.from_expression` (a whitelist parser, no ``eval``);
    a rejected formula shows its message instead of a traceback; an accepted one shows its
    derivation step by step above the explorer. ``controls`` holds
    'expression' (the text box) and 'apply' (the button); ``explorer`` is the current
    :class:`~actviz.widgets.explorer.Explorer` (None until a formula was accepted).
    """

    def __init__(self, text: str = "z * tanh(log(1 + exp(z)))", theme=None):
        if not isinstance(text, str):
            raise TypeError(f"text must be a formula in z (a string), got {type(text).__name__} {text!r}")
        self.theme = theme
        self.explorer = None
        self.controls = {
            "expression": widgets.Text(value=text, description="g(z) =", continuous_update=False,
                                       layout=widgets.Layout(width="min(100%, 640px)"), style=SLIDER_STYLE),
            "apply": widgets.Button(description="Derive and plot", button_style="primary",
                                    tooltip="parse the formula, differentiate it, plot g and g'"),
        }
        self.message = widgets.HTMLMath()
        self._explorer_box = widgets.VBox()
        self.controls["apply"].on_click(lambda _: self.apply())
        self.controls["expression"].observe(lambda _: self.apply(), names="value")  # Enter in the box
        super().__init__([widgets.HBox([self.controls["expression"], self.controls["apply"]]), self.message,
                          self._explorer_box])
        self.apply()

    def apply(self) -> None:
        """Parse the current text; show the derivative and a new explorer, or the error."""
        from ..symbolic.custom import from_expression

        try:
            act = from_expression(self.controls["expression"].value)
            explorer = Explorer(act, theme=self.theme)
        except (ValueError, TypeError) as exc:
            self.message.value = f"<span style='color:#D55E00;font-size:1.15em'>\u2717 {html.escape(str(exc))}</span>"
            return
        except Exception as exc:  # noqa: BLE001 - a callback must never raise into the front end
            self.message.value = ("<span style='color:#D55E00;font-size:1.15em'>\u2717 this formula was accepted but "
                                  f"cannot be drawn ({html.escape(type(exc).__name__)}); try another</span>")
            return
        self.message.value = f"\\({act.latex_g}\\){act.derivation.html()}"
        old, self.explorer = self.explorer, explorer
        self._explorer_box.children = (self.explorer,)
        if old is not None:
            old.close_all_views()

    def __repr__(self) -> str:
        return f"ExpressionBox({self.controls['expression'].value!r})"

    def _repr_mimebundle_(self, **kwargs):
        png = self.explorer.image.value if self.explorer is not None else b""
        return png_bundle(self, png, repr(self), **kwargs)


def expression_box(text: str = "z * tanh(log(1 + exp(z)))", theme=None) -> ExpressionBox:
    """An :class:`ExpressionBox` (type your own activation)."""
    return ExpressionBox(text, theme=theme)
