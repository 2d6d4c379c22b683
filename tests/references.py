"""Independent references for every registered activation, written with sympy.

Each entry is g(z) as a sympy expression, typed here from the textbook definition and not
taken from ``actviz``. The tests differentiate it symbolically and evaluate both g and g'
with mpmath with at least 50 significant digits, so the reference is exact to float64 precision even
where the float formula would cancel or overflow.

Adding an activation to the registry without adding its reference here fails
``test_every_activation_has_a_reference``.
"""

import mpmath
import numpy as np
import sympy as sp

z = sp.Symbol("z", real=True)
alpha = sp.Symbol("alpha", real=True)
beta = sp.Symbol("beta", real=True)

#: SELU's constants lambda_01 and alpha_01 as printed in Klambauer et al. (2017),
#: "Self-Normalizing Neural Networks", eq. (14) -- typed from the paper, not from actviz.
SELU_LAMBDA = sp.Rational("1.0507009873554804934193349852946")
SELU_ALPHA = sp.Rational("1.6732632423543772848170429916717")

#: Fixed constants (not parameters) that an activation's LaTeX refers to by name.
CONSTANTS = {"selu": {"lambda": SELU_LAMBDA, "alpha": SELU_ALPHA}}

#: name -> (g(z) as sympy, {parameter symbol: value to test with})
REFERENCES = {
    "sigmoid": (1 / (1 + sp.exp(-z)), {}),
    "tanh": (sp.tanh(z), {}),
    "relu": (sp.Piecewise((z, z > 0), (0, True)), {}),
    "leaky_relu": (sp.Piecewise((z, z > 0), (alpha * z, True)), {alpha: sp.Rational(1, 100)}),
    # Non-default parameters, dyadic so that the float64 value the code sees is exactly the
    # rational substituted here (1.7 would be 17/10 here but 1.69999999999999995559 there).
    "elu": (sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True)), {alpha: sp.Rational(3, 2)}),
    "selu": (SELU_LAMBDA * sp.Piecewise((z, z > 0), (SELU_ALPHA * (sp.exp(z) - 1), True)), {}),
    # Phi(z) = (1 + erf(z/sqrt 2))/2 = erfc(-z/sqrt 2)/2; the erfc form, because 1 + erf(-20)
    # cancels to 0 even at 70 digits while erfc keeps every digit. evaluate=False stops sympy
    # from rewriting erfc(-x) as 2 - erfc(x), which would bring the cancellation back.
    "gelu": (z * sp.erfc(-z / sp.sqrt(2), evaluate=False) / 2, {}),
    "silu": (z / (1 + sp.exp(-beta * z)), {beta: sp.Rational(3, 2)}),
    "softplus": (sp.log(1 + sp.exp(z)), {}),
    "mish": (z * sp.tanh(sp.log(1 + sp.exp(z))), {}),
}

#: Params to pass to ``actviz.get`` so they match the values substituted above.
PARAMS = {"leaky_relu": {"alpha": 0.01}, "elu": {"alpha": 1.5}, "silu": {"beta": 1.5}}


def reference_functions(name, params=None):
    """``(g, dg)`` as float64 numpy functions evaluated through mpmath.

    The working precision grows with |z| (50 digits plus one per unit of |z|), so that a
    derivative like 1 - tanh(z)^2, which cancels to e^{-2|z|}, keeps 50 correct digits.
    """
    expr, subs = REFERENCES[name]
    if params:
        subs = {sp.Symbol(k, real=True): sp.nsimplify(v) for k, v in params.items()}
    expr = expr.subs(subs)
    dexpr = sp.diff(expr, z)
    g50 = sp.lambdify(z, expr, modules="mpmath")
    dg50 = sp.lambdify(z, dexpr, modules="mpmath")

    def vectorised(f):
        def call(values):
            out = []
            for v in np.ravel(values):
                with mpmath.workdps(50 + int(min(abs(float(v)), 1e4))):
                    out.append(float(f(mpmath.mpf(float(v)))))
            return np.array(out).reshape(np.shape(values))

        return call

    return vectorised(g50), vectorised(dg50)
