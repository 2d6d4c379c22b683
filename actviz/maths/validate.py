"""One validation helper for every public boundary (numpy only).

Each function returns the value in its canonical form (``float``, ``int``, a float64
array, ...) or raises, with a message that names the argument and says what is allowed:

* a value of the wrong **type** (a string where a number belongs, ``True`` for a count,
  a complex array) raises ``TypeError``;
* a value of the right type but outside what is allowed (a negative depth, NaN, a
  reversed z range) raises ``ValueError``.

Public functions call these once, on entry; code behind them trusts validated values.
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable, Optional, Sequence

import numpy as np

__all__ = ["real", "integer", "boolean", "choice", "z_range", "real_array", "points", "labels", "function"]


def _describe(value) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _interval(low, high, integer_: bool = False) -> str:
    fmt = (lambda v: f"{v:d}") if integer_ else (lambda v: f"{v:g}")
    if low is not None and high is not None:
        return f" in [{fmt(low)}, {fmt(high)}]"
    if low is not None:
        return f" >= {fmt(low)}"
    if high is not None:
        return f" <= {fmt(high)}"
    return ""


def real(value, name: str, *, low: Optional[float] = None, high: Optional[float] = None,
         positive: bool = False) -> float:
    """``value`` as a finite float, optionally within ``[low, high]`` (or ``> 0``)."""
    allowed = "a finite number" + (" > 0" if positive else _interval(low, high))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    value = float(value)
    bad = (not math.isfinite(value) or (positive and value <= 0)
           or (low is not None and value < low) or (high is not None and value > high))
    if bad:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def integer(value, name: str, *, low: Optional[int] = None, high: Optional[int] = None) -> int:
    """``value`` as an int (bools refused), optionally within ``[low, high]``."""
    allowed = "an integer" + _interval(low, high, integer_=True)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def boolean(value, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (numpy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def choice(value, name: str, options: Iterable[str]) -> str:
    """``value`` if it is one of the strings ``options``."""
    options = list(options)
    allowed = "one of " + ", ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    if value not in options:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def z_range(value, name: str = "z range") -> tuple[float, float]:
    """``(low, high)``: two finite numbers with ``low < high``."""
    allowed = "a pair (low, high) of finite numbers with low < high"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    if len(value) != 2:
        raise ValueError(f"{name} must be {allowed}, got {len(value)} values")
    lo, hi = value
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ValueError(f"{name} must be {allowed}, got ({lo:g}, {hi:g})")
    return lo, hi


def real_array(value, name: str = "z") -> np.ndarray:
    """``value`` (a real number or an array-like of them) as a float64 array.

    NaN and infinities are allowed (the activations define them); strings, complex
    numbers and ragged lists are not.
    """
    allowed = "a real number or an array of real numbers"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be {allowed} ({exc})") from None
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be {allowed}; complex input is not supported")
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in arr.flat):
        return arr.astype(np.float64)
    raise TypeError(f"{name} must be {allowed}, got an array of dtype {arr.dtype}")


def points(value, name: str = "X", dim: Optional[int] = 2) -> np.ndarray:
    """A 2-D float64 array of finite numbers, one row per sample (``dim`` columns if given)."""
    cols = f"{dim} columns" if dim is not None else "at least one column"
    allowed = f"a 2-D array of finite numbers with one row per sample and {cols}"
    arr = real_array(value, name)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1 or (dim is not None and arr.shape[1] != dim):
        raise ValueError(f"{name} must be {allowed}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {allowed}; it contains NaN or infinity")
    return arr


def labels(value, n: int, name: str = "y") -> np.ndarray:
    """A 1-D float64 array of ``n`` labels, each 0 or 1."""
    arr = real_array(value, name)
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a 1-D array of {n} labels 0 or 1 (one per row of X), got shape {arr.shape}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only the labels 0 and 1")
    return arr


def function(value, name: str, *, optional: bool = False):
    """``value`` if it is callable (or ``None`` when ``optional``)."""
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be a function{' or None' if optional else ''}, got {_describe(value)}")
    return value
