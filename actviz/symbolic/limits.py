"""Wall-clock limits for symbolic work (sympy's running time cannot be bounded from the size of
its input: simplify, and even latex printing, can take a minute on a short formula).

:class:`Budget` is one allowance shared by the steps of one call; :func:`with_time_limit`
runs one step under a limit.
"""

from __future__ import annotations

import signal
import threading
import time

__all__ = ["OutOfTime", "with_time_limit", "Budget", "SYMBOLIC_SECONDS", "SIMPLIFY_SECONDS", "LATEX_SECONDS"]

class OutOfTime(BaseException):
    """Raised by the SIGALRM handler; a BaseException so that no `except Exception` eats it."""


SYMBOLIC_SECONDS = 5.0  # parse + differentiate + compile + print, in all: past this -> ValueError
SIMPLIFY_SECONDS = 1.0  # simplify (within the above): past this the unsimplified derivative is kept
LATEX_SECONDS = 1.0     # sympy.latex (within the above): past this a plain-text rendering is used


def with_time_limit(seconds: float, fn, *args):
    """``fn(*args)``, raising ``OutOfTime`` after ``seconds`` (wall clock).

    Uses SIGALRM, so the limit applies only on Unix in the main thread (where Jupyter,
    Voila and pytest run user code); elsewhere ``fn`` runs without a limit.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn(*args)
    fired = []

    def on_alarm(signum, frame):
        if not fired:  # the timer is one-shot; never raise twice
            fired.append(True)
            raise OutOfTime

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_timer, t0 = (0.0, 0.0), time.monotonic()
    try:
        try:
            old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:  # someone else's timer was running: put back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(old_timer[0] - (time.monotonic() - t0), 1e-3), old_timer[1])


class Budget:
    """One wall-clock allowance shared by the symbolic steps of one call."""

    def __init__(self, seconds: float = None):
        self.end = time.monotonic() + (SYMBOLIC_SECONDS if seconds is None else seconds)

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def run(self, step: str, fn, *args):
        """``fn(*args)`` within the allowance; ``ValueError`` naming ``step`` otherwise.

        sympy's own arithmetic errors on odd input become ``ValueError`` too.
        """
        try:
            return with_time_limit(self.left(), fn, *args)
        except OutOfTime:
            raise ValueError(
                f"the expression is too complicated: {step} ran past the {SYMBOLIC_SECONDS:g} s limit; "
                "try a simpler one"
            ) from None
        except (ArithmeticError, TypeError, RecursionError) as exc:
            raise ValueError(f"sympy failed while {step}: {type(exc).__name__}: {exc}") from None

