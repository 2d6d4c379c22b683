"""The maths layer: numpy only (no matplotlib, ipywidgets or sympy).

========================  ===========================================================
``validate``              the one validation helper used at every public boundary
``registry``              Param, Activation, get, names, as_activation, from_functions
``special``               erf, erfc, Phi, phi and exact-arithmetic helpers
``kernels``               stable numpy g and g' of each activation
``definitions``           the built-in activations, one ``define`` call each
``analysis``              tangent, max slope, nearly flat / dead regions, derivative check
``properties``            the measured property table
``exercises``             exercise answers checked with feedback
``networks``              gradient flow through deep random nets, dead units
``tiny_network``          a 2 -> hidden -> 1 network trained by gradient descent
``datasets``              moons and spirals
========================  ===========================================================
"""

from . import definitions  # noqa: F401  (registers the built-in activations)
