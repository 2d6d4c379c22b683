"""The time limit holds in every thread, and leaves nothing behind once the call is over."""

import threading
import time

import pytest

from actviz.symbolic import limits
from actviz.symbolic.custom import from_expression
from actviz.symbolic.limits import Budget, OutOfTime, with_time_limit


def _spin():
    while True:
        pass


def test_a_pure_python_loop_is_stopped_in_the_main_thread():
    t0 = time.perf_counter()
    with pytest.raises(OutOfTime):
        with_time_limit(0.2, _spin)
    assert time.perf_counter() - t0 < 2.0  # the limit holds (not a speed target: 0.2 s asked)


def test_a_pure_python_loop_is_stopped_in_a_worker_thread():
    caught = {}

    def work():
        try:
            with_time_limit(0.2, _spin)
        except OutOfTime:
            caught["yes"] = True

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(5.0)
    assert not thread.is_alive() and caught == {"yes": True}


def test_a_swallowed_exception_is_raised_again():
    def stubborn():
        for _ in range(3):  # catches the first two deliveries, as a careless library might
            try:
                while True:
                    pass
            except OutOfTime:
                pass
        while True:
            pass

    with pytest.raises(OutOfTime):
        with_time_limit(0.1, stubborn)


def test_nothing_is_raised_after_the_call_returns():
    assert with_time_limit(0.05, lambda: 42) == 42
    time.sleep(0.3)  # a stray exception from the watchdog would land here


def test_nested_limits_and_a_budget():
    budget = Budget(0.3)
    assert budget.attempt(0.05, _spin, default="cut") == "cut"
    with pytest.raises(ValueError, match="too complicated"):
        budget.run("spinning", _spin)
    time.sleep(0.2)


def test_a_slow_derivation_in_a_worker_thread_ends_within_the_limit(monkeypatch):
    """An input cut off by the limit in the main thread is cut off in a worker thread too."""
    monkeypatch.setattr(limits, "SYMBOLIC_SECONDS", 0.5)
    outcome = {}

    def work():
        t0 = time.thread_time()
        try:
            from_expression("erf(cos(atan(max(cos((z/7)), erf(sinh(10)))))) * tanh(softplus(z)) + erf(sigmoid(z))")
            outcome["result"] = "accepted"
        except ValueError as exc:
            outcome["result"] = str(exc)
        outcome["seconds"] = time.thread_time() - t0  # the worker's CPU time, which the limit counts

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(limits.SYMBOLIC_SECONDS + 10)
    assert not thread.is_alive(), "the derivation hung in a worker thread"
    assert "too complicated" in outcome["result"]
    assert outcome["seconds"] < 0.5 + 3.0  # the limit holds: 0.5 s allowed, some slack for unwinding


def test_a_call_that_waits_is_ended_by_the_wall_clock_backstop(monkeypatch):
    """CPU time does not advance while a call sleeps; the wall-clock backstop still ends it."""
    monkeypatch.setattr(limits, "WALL_FACTOR", 2.0)
    t0 = time.perf_counter()
    with pytest.raises(OutOfTime):
        with_time_limit(0.2, lambda: [time.sleep(0.01) for _ in range(1000)])
    assert time.perf_counter() - t0 < 3.0  # 2 x 0.2 s asked, plus slack


def test_waiting_for_the_cpu_does_not_count():
    """A thread that computes 0.15 s while another thread holds the CPU is not cut off at a 0.3 s
    limit: the limit counts the thread's own CPU time (so results do not depend on the machine's load)."""
    stop = threading.Event()

    def hog():
        while not stop.is_set():
            pass

    others = [threading.Thread(target=hog, daemon=True) for _ in range(3)]
    for t in others:
        t.start()
    try:
        def work():
            t0 = time.thread_time()
            while time.thread_time() - t0 < 0.15:
                pass
            return "done"
        assert with_time_limit(0.3, work) == "done"
    finally:
        stop.set()
