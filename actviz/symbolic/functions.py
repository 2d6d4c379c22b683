"""Named functions a formula may use beyond sympy's own: the sigmoid and softplus.

They stay named in derivations (so ``z*sigmoid(z)`` differentiates to
``sigmoid(z) + z*sigmoid(z)*(1 - sigmoid(z))``, not a tower of exponentials), know their
derivatives (sigma' = sigma (1 - sigma), softplus' = sigma), rewrite to exponentials on
request, and evaluate stably in numpy (:mod:`actviz.maths.kernels`) and exactly in mpmath.
"""

from __future__ import annotations

import mpmath
import sympy

__all__ = ["Sigmoid", "Softplus", "NUMPY", "MPMATH", "fold_named"]


class Sigmoid(sympy.Function):
    r"""The logistic function sigma(x) = 1 / (1 + e^{-x}), shown as \sigma(x)."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sympy.S.Half
        if x is sympy.oo:
            return sympy.S.One
        if x is sympy.S.NegativeInfinity:
            return sympy.S.Zero

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _eval_evalf(self, prec):
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return f"sigmoid({printer._print(self.args[0])})"


class Softplus(sympy.Function):
    r"""softplus(x) = ln(1 + e^x), shown as \operatorname{softplus}(x)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0])

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sympy.log(2)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _eval_evalf(self, prec):
        return sympy.log(1 + sympy.exp(self.args[0]))._eval_evalf(prec)

    def _latex(self, printer):
        return rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer):
        return f"softplus({printer._print(self.args[0])})"


def _np_sigmoid(x):
    import numpy as np

    from ..maths.kernels import sigmoid

    return sigmoid(np.asarray(x, dtype=np.float64))


def _np_softplus(x):
    import numpy as np

    from ..maths.kernels import softplus

    return softplus(np.asarray(x, dtype=np.float64))


def _mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _mp_softplus(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))


def _np_erf(x):
    import numpy as np

    from ..maths.special import erf

    return erf(np.asarray(x, dtype=np.float64))


def _np_erfc(x):
    import numpy as np

    from ..maths.special import erfc

    return erfc(np.asarray(x, dtype=np.float64))


#: implementations for sympy.lambdify
NUMPY = {"Sigmoid": _np_sigmoid, "Softplus": _np_softplus, "erf": _np_erf, "erfc": _np_erfc}
MPMATH = {"Sigmoid": _mp_sigmoid, "Softplus": _mp_softplus}


def fold_named(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with 1/(1 + e^{-u}) written as sigma(u) and ln(1 + e^u) as softplus(u)
    wherever those shapes appear literally (the stable, readable forms)."""
    u = sympy.Wild("u")
    out = expr.replace(sympy.log(1 + sympy.exp(u)), lambda u: Softplus(u))
    out = out.replace(1 / (1 + sympy.exp(u)), lambda u: Sigmoid(-u))
    return out.replace(lambda e: isinstance(e, sympy.Mul), _merge_exp_sigmoid)


def _merge_exp_sigmoid(product: sympy.Mul) -> sympy.Expr:
    """e^a * sigma(-a) -> sigma(a) among the factors of one product (e^a / (1 + e^a) = sigma(a))."""
    factors = list(product.args)
    for i, f in enumerate(factors):
        if isinstance(f, sympy.exp):
            a = f.args[0]
            for j, h in enumerate(factors):
                if isinstance(h, Sigmoid) and sympy.expand(h.args[0] + a) == 0:
                    rest = [x for k, x in enumerate(factors) if k not in (i, j)]
                    return sympy.Mul(Sigmoid(a), *rest)
    return product
