"""Time limits for symbolic work, in any thread, counted in the working thread's CPU time.

CPU time, not wall-clock time: a derivation that fits on an idle machine fits on a loaded one
too (a 2-core machine running other work made derivations of built-in activations give up and
differ from run to run). A wall-clock backstop of :data:`WALL_FACTOR` times the limit still
ends a call that waits instead of computing. Where the platform has no per-thread CPU clock,
wall-clock time is used.

sympy's running time cannot be bounded from the size of its input (simplify, solve, even
latex printing can take a minute on a short formula), so every symbolic step runs under a
limit. :func:`with_time_limit` works in the main thread and in worker threads alike: a
watchdog thread raises :class:`OutOfTime` *inside* the working thread when time is up
(CPython's ``PyThreadState_SetAsyncExc``), and raises it again every 50 ms for as long as the
limited call is still on that thread's stack, so a library that swallows an exception cannot
hold it off, and nothing is raised once the call has returned or unwound. One watchdog thread
serves every limit of the process (see :class:`_Watchdog`). ``OutOfTime`` is a
``BaseException``, so ``except Exception`` clauses do not catch it. The exception lands
between two Python bytecodes: a single long C call (none is reachable through the parser's
limits) would finish first.

:class:`Budget` is one allowance shared by the steps of one call.
"""

from __future__ import annotations

import ctypes
import math
import sys
import threading
import time

__all__ = ["OutOfTime", "with_time_limit", "Budget", "SYMBOLIC_SECONDS", "SIMPLIFY_SECONDS", "LATEX_SECONDS"]

SYMBOLIC_SECONDS = 5.0  # one derivation in all (parse, differentiate, simplify, check, print): past this -> ValueError
SIMPLIFY_SECONDS = 1.0  # one simplification attempt: past this the unsimplified form is kept
LATEX_SECONDS = 1.0     # sympy.latex of one expression: past this a plain-text rendering is used

WALL_FACTOR = 6.0       # a limit of s seconds of CPU time also ends after WALL_FACTOR * s seconds of wall-clock time

_RETRY_SECONDS = 0.05
_set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


class OutOfTime(BaseException):
    """Raised in the working thread when its time is up (a BaseException: ``except Exception`` lets it pass)."""


def _cpu_clock():
    """The calling thread's CPU-time clock id, or None (then wall-clock time is used)."""
    try:
        return time.pthread_getcpuclockid(threading.get_ident())
    except (AttributeError, OSError):
        return None


def _elapsed(call) -> float:
    """Seconds used by a limited call: its thread's CPU time, or wall time / WALL_FACTOR if more."""
    wall = (time.monotonic() - call["wall0"]) / WALL_FACTOR
    if call["clock"] is None:
        return wall * WALL_FACTOR
    try:
        cpu = time.clock_gettime(call["clock"]) - call["cpu0"]
    except OSError:  # the thread is gone
        return math.inf
    return max(cpu, wall)


def _raise_in(thread_id: int, exc) -> None:
    _set_async_exc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


class _Watchdog:
    """One daemon thread for all time limits of the process: it sleeps until the next deadline
    (at most 50 ms), and for every limited call past its deadline raises :class:`OutOfTime` in the thread that
    runs it -- but only while that call's frame is on the thread's stack, and not while a
    finalizer or the threading module's own code runs on top of it (an exception landing
    there would be printed and lost, or would leave a lock half taken). Registering a call
    only appends to a list under a lock: nothing that an exception could leave half done."""

    TICK = 0.002  # the shortest sleep; with nothing due it sleeps 50 ms at a time

    def __init__(self):
        self.lock = threading.Lock()
        self.calls: dict[int, dict] = {}
        self.thread = None

    def ensure_running(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self.run, name="actviz-time-limits", daemon=True)
            self.thread.start()

    def run(self) -> None:
        while True:
            with self.lock:  # a call's clock advances at most as fast as the wall clock
                upcoming = min((c["next"] - _elapsed(c) for c in self.calls.values()), default=math.inf)
            time.sleep(min(0.05, max(self.TICK, upcoming)))
            with self.lock:
                for call in self.calls.values():
                    used = _elapsed(call)
                    if used >= call["next"]:
                        status = _where(call["thread"], call["frame"])
                        if status == "inside":
                            call["fired"] = True
                            _raise_in(call["thread"], OutOfTime)
                            call["next"] = used + _RETRY_SECONDS
                        elif status == "gone":
                            call["next"] = math.inf


def _where(thread_id: int, me) -> str:
    """'inside' while the frame ``me`` is on the thread's stack with nothing delicate above it,
    'busy' while a finalizer, __del__ or the threading module runs above it, else 'gone'."""
    frame = sys._current_frames().get(thread_id)
    busy = False
    while frame is not None:
        if frame is me:
            return "busy" if busy else "inside"
        code = frame.f_code
        name, file = code.co_name, code.co_filename
        if name == "__del__" or file.endswith(("threading.py", "queue.py")) or (
                file.endswith(("weakref.py", "_weakrefset.py")) and name in ("__call__", "_remove", "remove", "_exitfunc")):
            busy = True
        frame = frame.f_back
    return "gone"


_WATCHDOG = _Watchdog()


def with_time_limit(seconds: float, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or :class:`OutOfTime` once it has used ``seconds`` of this thread's
    CPU time (or ``WALL_FACTOR * seconds`` of wall-clock time)."""
    if _set_async_exc is None:  # not CPython: no way to interrupt a thread; run without a limit
        return fn(*args, **kwargs)
    _WATCHDOG.ensure_running()
    me = sys._getframe()
    token = object()
    clock = _cpu_clock()
    call = {"thread": threading.get_ident(), "frame": me, "next": seconds, "fired": False, "clock": clock,
            "cpu0": time.clock_gettime(clock) if clock is not None else 0.0, "wall0": time.monotonic()}
    outcome = None
    try:
        try:
            with _WATCHDOG.lock:
                _WATCHDOG.calls[id(token)] = call
            outcome = (True, fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - re-raised below, once the watchdog has let go
            outcome = (False, exc)
    except OutOfTime as exc:  # delivered between two lines of the handler above
        outcome = (False, exc)
    _finish(token, call)
    ok, value = outcome if outcome is not None else (False, OutOfTime())
    if ok:
        return value
    raise value


def _finish(token, call) -> None:
    """Deregister the call. An exception may still land while this runs: then try again; once
    the call is gone from the list under the lock (and a pending exception cleared) nothing more comes."""
    while True:
        try:
            with _WATCHDOG.lock:
                _WATCHDOG.calls.pop(id(token), None)
                if call["fired"]:
                    _raise_in(call["thread"], None)  # clear an exception set but not yet delivered
            return
        except OutOfTime:
            continue


class Budget:
    """One allowance (CPU seconds of the thread that makes it, as :func:`with_time_limit`
    counts them) shared by the symbolic steps of one call."""

    def __init__(self, seconds: float | None = None):
        self.seconds = SYMBOLIC_SECONDS if seconds is None else seconds
        self._call = {"clock": _cpu_clock(), "wall0": time.monotonic()}
        self._call["cpu0"] = time.clock_gettime(self._call["clock"]) if self._call["clock"] is not None else 0.0

    def _used(self) -> float:
        return _elapsed(self._call)

    def left(self) -> float:
        return max(self.seconds - self._used(), 0.001)

    def run(self, step: str, fn, *args, **kwargs):
        """``fn(*args)`` within the allowance; a ``ValueError`` naming ``step`` otherwise.

        sympy's own arithmetic errors on odd input become ``ValueError`` too, in plain words.
        """
        try:
            if self._used() >= self.seconds:  # spent by the steps before (each may overrun by a tick)
                raise OutOfTime()
            return with_time_limit(self.left(), fn, *args, **kwargs)
        except OutOfTime:
            raise ValueError(
                f"the formula is too complicated: {step} took longer than the {self.seconds:g} s allowed; "
                "try a simpler formula"
            ) from None
        except (ArithmeticError, TypeError, RecursionError, MemoryError) as exc:
            raise ValueError(f"sympy could not manage this formula while {step} ({type(exc).__name__})") from None
        except ValueError as exc:
            if "int_max_str_digits" in str(exc) or "integer string conversion" in str(exc):
                raise ValueError(f"while {step} a number grew too long to handle; try smaller constants") from None
            raise

    def attempt(self, seconds: float, fn, *args, default=None, **kwargs):
        """``fn(*args)`` if it finishes within ``seconds`` (and the allowance), else ``default``."""
        if self._used() >= self.seconds:
            return default
        try:
            return with_time_limit(min(seconds, self.left()), fn, *args, **kwargs)
        except OutOfTime:
            return default
        except (ArithmeticError, TypeError, ValueError, RecursionError, NotImplementedError, AttributeError,
                MemoryError):
            return default
