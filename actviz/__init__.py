"""actviz: activation functions and their derivatives, for teaching.

This module is the one public facade: every name a notebook uses is here
(``actviz.get``, ``actviz.explore``, ``actviz.gradient_flow``, ...). Behind it, one
folder per dependency layer; a lower layer never imports a higher one::

    actviz/maths/     numpy        registry and definitions, special functions, analysis,
                                   properties, diagnosis, exercises, networks, tiny network,
                                   datasets
    actviz/symbolic/  sympy        the safe formula parser, the derivation engine (derive),
                                   accurate evaluation of typed formulas (from_expression),
                                   formula exercises
    actviz/figures/   matplotlib   style (themes as values), activation, comparison and
                                   training figures, one render/PNG path
    actviz/widgets/   ipywidgets   the live-view base, controls, explorer (its z0 drawn in
                      + anywidget  the browser), comparison, training views, dashboard,
                                   expression box

Data flows one way: a control value -> parameters -> g, g' arrays (maths) -> artists
(figures) -> pixels in a widget (widgets); the explorer's z0 needs no kernel at all (the
browser draws its tangent from values the kernel sent once per z range or parameter). ``import actviz`` loads numpy only; sympy,
matplotlib and ipywidgets load on first use of a name that needs them.
"""

from .maths.registry import Activation, Param, get, names

__version__ = "0.1.0"

#: facade name -> (module under actviz, attribute); imported on first use
_LAZY = {
    # maths (numpy)
    "as_activation": ("maths.registry", "as_activation"),
    "spec": ("maths.registry", "spec"),
    "from_functions": ("maths.registry", "from_functions"),
    "tangent_at": ("maths.analysis", "tangent_at"),
    "max_slope": ("maths.analysis", "max_slope"),
    "flat_regions": ("maths.analysis", "flat_regions"),
    "dead_regions": ("maths.analysis", "dead_regions"),
    "derivative_check": ("maths.analysis", "derivative_check"),
    "properties": ("maths.properties", "properties"),
    "property_table": ("maths.properties", "property_table"),
    "check": ("symbolic.exercises", "check"),
    "diagnose": ("maths.diagnosis", "diagnose"),
    "diagnosis_table": ("maths.diagnosis", "diagnosis_table"),
    "mean_output": ("maths.diagnosis", "mean_output"),
    "init_std": ("maths.networks", "init_std"),
    "init_weights": ("maths.networks", "init_weights"),
    "deep_forward": ("maths.networks", "deep_forward"),
    "deep_backward": ("maths.networks", "deep_backward"),
    "gradient_flow": ("maths.networks", "gradient_flow"),
    "dead_fraction": ("maths.networks", "dead_fraction"),
    "dead_units": ("maths.networks", "dead_units"),
    "dead_curve": ("maths.networks", "dead_curve"),
    "TinyNet": ("maths.tiny_network", "TinyNet"),
    "init_network": ("maths.tiny_network", "init_network"),
    "forward": ("maths.tiny_network", "forward"),
    "bce_loss": ("maths.tiny_network", "bce_loss"),
    "backward": ("maths.tiny_network", "backward"),
    "numerical_gradient": ("maths.tiny_network", "numerical_gradient"),
    "gradient_check": ("maths.tiny_network", "gradient_check"),
    "train": ("maths.tiny_network", "train"),
    "decision_grid": ("maths.tiny_network", "decision_grid"),
    "make_moons": ("maths.datasets", "make_moons"),
    "make_spirals": ("maths.datasets", "make_spirals"),
    "dataset": ("maths.datasets", "dataset"),
    # symbolic (sympy)
    "from_expression": ("symbolic.custom", "from_expression"),
    "derive": ("symbolic.derive", "derive"),
    "parse_expression": ("symbolic.parser", "parse_expression"),
    # figures (matplotlib)
    "plot": ("figures.activation", "plot"),
    "set_theme": ("figures.style", "set_theme"),
    "theme": ("figures.style", "theme"),
    "plot_gradient_flow": ("figures.training", "plot_gradient_flow"),
    "plot_dead_units": ("figures.training", "plot_dead_units"),
    "plot_training": ("figures.training", "plot_training"),
    "plot_training_comparison": ("figures.training", "plot_training_comparison"),
    # widgets (ipywidgets)
    "explore": ("widgets.explorer", "explore"),
    "compare": ("widgets.explorer", "compare"),
    "Explorer": ("widgets.explorer", "Explorer"),
    "Comparison": ("widgets.explorer", "Comparison"),
    "GradientFlowView": ("widgets.training", "GradientFlowView"),
    "DeadUnitsView": ("widgets.training", "DeadUnitsView"),
    "TrainingView": ("widgets.training", "TrainingView"),
    "dashboard": ("widgets.dashboard", "dashboard"),
    "expression_box": ("widgets.expression_box", "expression_box"),
}

__all__ = ["Activation", "Param", "get", "names", *_LAZY]


def __getattr__(attr):
    if attr in _LAZY:
        import importlib

        module, name = _LAZY[attr]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[attr] = value
        return value
    raise AttributeError(f"module 'actviz' has no attribute {attr!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
