"""Helpers shared by the whole suite, as fixtures.

* ``reference(act)``: independent 50-digit references for an activation's g and g', from its
  textbook ``formula`` in the registry (sympy) evaluated by mpmath -- not from its numpy code.
* ``each_activation``: a test that takes this argument runs for every registered activation,
  at its default parameters and at one more parameter set (see :func:`params_for`); a new
  ``define`` is tested without touching any test.
* ``fresh_python(code)``: stdout of ``code`` run in a new interpreter (import-cost and layering
  checks need a process where nothing is imported yet).
"""

from __future__ import annotations

import re
import subprocess
import sys
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import actviz

Z = sp.Symbol("z", real=True)


def pins(path) -> dict[str, str]:
    """``name == version`` pins of a requirements file (names lower-case, ``_`` as ``-``)."""
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def _exact(value: float) -> sp.Rational:
    """The float's exact binary value as a rational (0.01 is not 1/100 in float64)."""
    f = Fraction(value)
    return sp.Rational(f.numerator, f.denominator)


def formula_of(act) -> sp.Expr:
    """g(z) of ``act`` as a sympy expression, its parameters and constants substituted exactly."""
    from actviz.maths.registry import spec

    assert act.formula is not None, f"{act.name} has no formula in the registry"
    constants = {k: sp.Rational(v) for k, v in spec(act.name).facts.get("constants", {}).items()}
    return act.formula(sp, Z, **{k: _exact(v) for k, v in act.params.items()}, **constants)


def reference_functions(act):
    """``(g, dg)`` as float64 numpy functions evaluated through mpmath.

    The working precision grows with |z| (50 digits plus one per unit of |z|), so that a
    derivative like 1 - tanh(z)^2, which cancels to e^{-2|z|}, keeps 50 correct digits.
    """
    expr = formula_of(act)
    g50 = sp.lambdify(Z, expr, modules="mpmath")
    dg50 = sp.lambdify(Z, sp.diff(expr, Z), modules="mpmath")

    def vectorised(f):
        def call(values):
            out = []
            for v in np.ravel(values):
                with mpmath.workdps(50 + int(min(abs(float(v)), 1e4))):
                    out.append(float(f(mpmath.mpf(float(v)))))
            return np.array(out).reshape(np.shape(values))

        return call

    return vectorised(g50), vectorised(dg50)


def params_for(name: str) -> list[dict]:
    """Parameter sets to test ``name`` with: the defaults, and each range's midpoint rounded
    to a multiple of 1/8 (exact in binary) when that differs."""
    params = actviz.get(name).param_specs
    if not params:
        return [{}]
    mid = {p.name: round((p.low + p.high) / 2 * 8) / 8 for p in params}
    return [{}, mid]


def pytest_generate_tests(metafunc):
    if "each_activation" in metafunc.fixturenames:
        metafunc.parametrize("each_activation", [
            pytest.param(actviz.get(n, **ps), id=n + "".join(f"-{k}={v:g}" for k, v in ps.items()))
            for n in actviz.names() for ps in params_for(n)])


@pytest.fixture
def reference():
    return reference_functions


@pytest.fixture
def fresh_python():
    def run(code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    return run
