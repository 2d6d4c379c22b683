"""The built-in activations: one :func:`define` call each, and nothing else.

Each definition gives the stable numpy ``g`` and ``dg`` (from :mod:`actviz.maths.kernels`),
the identity ``dg_from_g`` where one exists, LaTeX, parameters with their slider ranges,
the textbook ``formula`` (a function of the sympy module, ``z`` and the parameters,
evaluated only by the symbolic layer and the tests, which check that the numpy code and
the formula agree to ~1e-15), and ``facts``: properties typed from the literature that the
tests compare with what :mod:`actviz.maths.properties` measures.

To add an activation, add one ``define(...)`` here. The explorer gives each ``Param`` a
slider; the tests, the property table and the notebooks that list every activation take
the list from the registry (re-record those notebooks: ``python3 dev.py record``).

``formula`` takes the sympy module, z, then each parameter by name, then each fixed constant
named in ``facts["constants"]`` (exact decimals as strings, e.g. SELU's lambda and alpha).

``facts`` keys: ``mean_output`` (E[g(Z)] for Z ~ N(0, 1), by mpmath quadrature), ``min_at`` (where an
interior minimum of g is, if there is one), ``range`` (interval text, ``[`` = attained), ``max_slope`` and
``max_slope_at`` (as printed by the property table), ``monotonic``, ``dg_continuous_at_0``,
``saturates`` ("both", "left", "right" or "neither": g' -> 0 as z -> -inf / +inf), ``identity``
(g' can be written from g alone).
"""

from __future__ import annotations

import math

import numpy as np

from . import kernels as k
from .registry import Param, define

define(
    "sigmoid",
    g=k.sigmoid,
    dg=k.dsigmoid,
    dg_from_g=lambda s: s * (1.0 - s),
    formula=lambda sp, z: 1 / (1 + sp.exp(-z)),
    latex_g=r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    latex_dg=r"\sigma'(z) = \frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}",
    latex_dg_from_g=r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
    doc="Logistic sigmoid: squashes to (0, 1); max slope 1/4 at z = 0.",
    facts=dict(mean_output=0.5, range="(0, 1)", max_slope=0.25, max_slope_at="z = 0", monotonic=True, dg_continuous_at_0=True,
               saturates="both", identity=True),
)

define(
    "tanh",
    g=np.tanh,
    dg=k.dtanh,
    dg_from_g=lambda t: 1.0 - t * t,
    formula=lambda sp, z: (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)),
    latex_g=r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    latex_dg=r"\tanh'(z) = \frac{4}{\left(e^{z} + e^{-z}\right)^{2}}",
    latex_dg_from_g=r"\tanh'(z) = 1 - \tanh^{2}(z)",
    doc="Hyperbolic tangent: zero-centred, range (-1, 1); max slope 1 at z = 0.",
    facts=dict(mean_output=0.0, range="(-1, 1)", max_slope=1.0, max_slope_at="z = 0", monotonic=True, dg_continuous_at_0=True,
               saturates="both", identity=True),
)

define(
    "relu",
    g=lambda z: np.maximum(z, 0.0),  # np.maximum propagates NaN
    dg=lambda z: k.keep_nan(z, (z > 0).astype(np.float64)),
    dg_from_g=lambda r: k.keep_nan(r, (r > 0).astype(np.float64)),  # g > 0 exactly when z > 0
    formula=lambda sp, z: sp.Piecewise((z, z > 0), (0, True)),
    latex_g=r"\mathrm{ReLU}(z) = \max(0, z)",
    latex_dg=r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{ReLU}'(z) = \begin{cases} 1 & g(z) > 0 \\ 0 & g(z) = 0 \end{cases}",
    kinks=(0.0,),
    doc="Rectified linear unit. Convention: relu'(0) = 0 (as PyTorch).",
    facts=dict(mean_output=0.398942280401, range="[0, inf)", max_slope=1.0, max_slope_at="z > 0", monotonic=True, dg_continuous_at_0=False,
               saturates="left", identity=True),
)

define(
    "leaky_relu",
    g=k.leaky,
    dg=lambda z, alpha: k.keep_nan(z, np.where(z > 0, 1.0, alpha)),
    dg_from_g=lambda r, alpha: k.keep_nan(r, np.where(r > 0, 1.0, alpha)),  # g > 0 exactly when z > 0
    formula=lambda sp, z, alpha: sp.Piecewise((z, z > 0), (alpha * z, True)),
    params=(Param("alpha", 0.01, 0.0, 1.0, latex=r"\alpha", doc="slope for z < 0"),),
    latex_g=r"\mathrm{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{LeakyReLU}'(z) = \begin{cases} 1 & g(z) > 0 \\ \alpha & g(z) \le 0 \end{cases}",
    kinks=(0.0,),
    doc="Leaky ReLU: slope alpha for z <= 0 keeps a gradient there. Convention: g'(0) = alpha.",
    facts=dict(mean_output=0.394952857597, range="(-inf, inf)", max_slope=1.0, max_slope_at="z > 0", monotonic=True, dg_continuous_at_0=False,
               saturates="neither", identity=True),
)

define(
    "elu",
    g=lambda z, alpha: k.elu_like(z, 1.0, alpha),
    dg=lambda z, alpha: k.delu_like(z, 1.0, alpha),
    dg_from_g=lambda r, alpha: k.elu_like_from_g(r, 1.0, alpha),
    formula=lambda sp, z, alpha: sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True)),
    params=(Param("alpha", 1.0, 0.0, 5.0, latex=r"\alpha", doc="saturation value -alpha as z -> -inf"),),
    latex_g=r"\mathrm{ELU}(z) = \begin{cases} z & z > 0 \\ \alpha \left(e^{z} - 1\right) & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{ELU}'(z) = \begin{cases} 1 & z > 0 \\ \alpha e^{z} & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{ELU}'(z) = \begin{cases} 1 & g(z) > 0 \\ g(z) + \alpha & g(z) \le 0 \end{cases}",
    kinks=(0.0,),
    doc=("Exponential linear unit (Clevert et al. 2015): identity for z > 0, saturates to -alpha "
         "for z -> -inf. g is continuous; g' jumps at 0 unless alpha = 1. "
         "Convention: g'(0) = alpha (the left-hand slope)."),
    # alpha = 1: g' = 1 at 0 from both sides
    facts=dict(mean_output=0.160520572267, range="(-1, inf)", max_slope=1.0, max_slope_at="z >= 0", monotonic=True, dg_continuous_at_0=True,
               saturates="left", identity=True),
)

define(
    "selu",
    g=lambda z: k.elu_like(z, k.SELU_LAMBDA, k.SELU_ALPHA),
    dg=lambda z: k.delu_like(z, k.SELU_LAMBDA, k.SELU_ALPHA),
    dg_from_g=lambda r: k.elu_like_from_g(r, k.SELU_LAMBDA, k.SELU_ALPHA),
    # lambda and alpha are fixed constants (facts["constants"]: Klambauer et al. 2017, eq. (14), as printed)
    formula=lambda sp, z, lam, alpha: lam * sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True)),
    latex_g=r"\mathrm{SELU}(z) = \begin{cases} \lambda z & z > 0 \\ \lambda \alpha \left(e^{z} - 1\right) & z \le 0 \end{cases}",
    latex_dg=r"\mathrm{SELU}'(z) = \begin{cases} \lambda & z > 0 \\ \lambda \alpha e^{z} & z \le 0 \end{cases}",
    latex_dg_from_g=r"\mathrm{SELU}'(z) = \begin{cases} \lambda & g(z) > 0 \\ g(z) + \lambda \alpha & g(z) \le 0 \end{cases}",
    kinks=(0.0,),
    doc=("Scaled ELU (Klambauer et al. 2017) with the fixed constants lambda = 1.0507009873554805 "
         "and alpha = 1.6732632423543772 that make activations self-normalising. "
         "Convention: g'(0) = lambda * alpha (the left-hand slope)."),
    facts=dict(mean_output=0.0, range="(-1.75810, inf)", max_slope=1.0507009873554805 * 1.6732632423543772, max_slope_at="z = 0",
               monotonic=True, dg_continuous_at_0=False, saturates="left", identity=True,
               constants={"lam": "1.0507009873554804934193349852946", "alpha": "1.6732632423543772848170429916717"}),
)

define(
    "gelu",
    g=k.gelu,
    dg=k.dgelu,
    # Phi(z) = erfc(-z/sqrt 2)/2; evaluate=False keeps erfc(-x) from becoming 2 - erfc(x),
    # which would cancel to 0 in the left tail even at 70 digits
    formula=lambda sp, z: z * sp.erfc(-z / sp.sqrt(2), evaluate=False) / 2,
    latex_g=r"\mathrm{GELU}(z) = z\,\Phi(z)",
    latex_dg=r"\mathrm{GELU}'(z) = \Phi(z) + z\,\phi(z)",
    doc=("Gaussian error linear unit (Hendrycks & Gimpel 2016): z Phi(z) with Phi the standard "
         "normal CDF, Phi(z) = (1 + erf(z / sqrt 2)) / 2, and phi its density. Computed exactly "
         "(erf/erfc by Cody's rational approximations), not with the common approximation "
         "0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))). Not monotonic: minimum about -0.170 "
         "at z about -0.752. No identity for g' in terms of g alone."),
    # g'' = phi(z) (2 - z^2): the steepest point is z = sqrt 2, where g' = Phi(sqrt 2) + sqrt 2 phi(sqrt 2)
    facts=dict(min_at="-0.75179", mean_output=0.282094791774, range="[-0.16997, inf)", max_slope=0.5 * math.erfc(-1.0) + math.sqrt(2) * math.exp(-1) / math.sqrt(2 * math.pi),
               max_slope_at="z = 1.41421", monotonic=False, dg_continuous_at_0=True, saturates="left", identity=False),
)

define(
    "silu",
    g=k.silu,
    dg=k.dsilu,
    formula=lambda sp, z, beta: z / (1 + sp.exp(-beta * z)),
    params=(Param("beta", 1.0, 0.0, 10.0, latex=r"\beta", doc="steepness; beta = 1 is SiLU, beta -> inf tends to ReLU"),),
    latex_g=r"\mathrm{SiLU}_{\beta}(z) = z\,\sigma(\beta z)",
    latex_dg=r"\mathrm{SiLU}_{\beta}'(z) = \sigma(\beta z) \bigl(1 + \beta z\,\bigl(1 - \sigma(\beta z)\bigr)\bigr)",
    doc=("SiLU / Swish (Elfwing et al. 2017; Ramachandran et al. 2017): z sigma(beta z). "
         "beta = 1 is SiLU, beta = 0 is z/2, large beta approaches ReLU. Not monotonic: for "
         "beta = 1 the minimum is about -0.278 at z about -1.278. No identity for g' in terms of g alone."),
    # the root of g'' near 2.4 and g' there, by mpmath at 30 digits
    facts=dict(min_at="-1.27846", mean_output=0.206620964142, range="[-0.27846, inf)", max_slope=1.09983932012886691696, max_slope_at="z = 2.39936", monotonic=False,
               dg_continuous_at_0=True, saturates="left", identity=False),
)

define(
    "softplus",
    g=k.softplus,
    dg=k.sigmoid,
    dg_from_g=lambda r: -np.expm1(-r),  # e^g = 1 + e^z, so sigma(z) = 1 - e^{-g}
    formula=lambda sp, z: sp.log(1 + sp.exp(z)),
    latex_g=r"\mathrm{softplus}(z) = \ln\left(1 + e^{z}\right)",
    latex_dg=r"\mathrm{softplus}'(z) = \frac{1}{1 + e^{-z}}",
    latex_dg_from_g=r"\mathrm{softplus}'(z) = 1 - e^{-g(z)}",
    doc="Softplus: a smooth ReLU, range (0, inf); its derivative is the logistic sigmoid.",
    facts=dict(mean_output=0.806059183347, range="(0, inf)", max_slope=1.0, max_slope_at="z -> inf", monotonic=True, dg_continuous_at_0=True,
               saturates="left", identity=True),
)

define(
    "mish",
    g=k.mish,
    dg=k.dmish,
    formula=lambda sp, z: z * sp.tanh(sp.log(1 + sp.exp(z))),
    latex_g=r"\mathrm{Mish}(z) = z \tanh\left(\ln\left(1 + e^{z}\right)\right)",
    latex_dg=(r"\mathrm{Mish}'(z) = \tanh\left(\ln\left(1 + e^{z}\right)\right) + z\,\sigma(z)\,"
              r"\left(1 - \tanh\left(\ln\left(1 + e^{z}\right)\right)^{2}\right)"),
    doc=("Mish (Misra 2019): z tanh(softplus(z)). Smooth, not monotonic: minimum about -0.309 "
         "at z about -1.192. No identity for g' in terms of g alone."),
    # the root of g'' near 1.5 and g' there, by mpmath at 30 digits
    facts=dict(min_at="-1.19243", mean_output=0.240403888375, range="[-0.30884, inf)", max_slope=1.08849816125172786123, max_slope_at="z = 1.49057", monotonic=False,
               dg_continuous_at_0=True, saturates="left", identity=False),
)
