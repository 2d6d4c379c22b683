"""actviz: activation functions and their derivatives, for teaching.

Layers (a lower layer never imports a higher one)::

    activations, analysis, exercises,
    properties, training        (numpy)      get, names, tangent_at, derivative_check, check,
                                             property_table, gradient flow / tiny network
    symbolic                    (sympy)      from_expression: the safe parser    -- lazily
    figures, training_figures   (matplotlib) figures updated in place, plot      -- lazily
    explorer, training_widgets  (ipywidgets) explore, compare, dashboard,
                                             expression_box, training views      -- lazily

``import actviz`` loads only numpy; sympy, matplotlib and ipywidgets load on first use.
"""

from .activations import Activation, Param, get, names
from .analysis import derivative_check, tangent_at
from .exercises import check

__version__ = "0.1.0"

__all__ = [
    "Activation", "Param", "get", "names", "check", "derivative_check", "tangent_at",
    "explore", "compare", "dashboard", "expression_box", "from_expression",
    "property_table", "set_theme", "plot",
]

_LAZY = {
    "explore": ("explorer", "explore"),
    "compare": ("explorer", "compare"),
    "Explorer": ("explorer", "Explorer"),
    "dashboard": ("explorer", "dashboard"),
    "expression_box": ("explorer", "expression_box"),
    "property_table": ("properties", "property_table"),
    "from_expression": ("symbolic", "from_expression"),
    "set_theme": ("figures", "set_theme"),
    "plot": ("figures", "plot"),
}


def __getattr__(attr):
    if attr in _LAZY:
        import importlib

        module, name = _LAZY[attr]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[attr] = value
        return value
    raise AttributeError(f"module 'actviz' has no attribute {attr!r}")
