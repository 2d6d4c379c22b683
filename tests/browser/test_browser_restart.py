"""Restart Kernel and Run All Cells right after opening a notebook, as a student does at once.

The bug (issue 12): the restart races the first kernel connection. One failure mode was the
server reading the page's v1-protocol frames as legacy ones (``struct.error: unpack requires a
buffer``); jupyter_config/ now makes the kernel websocket speak one protocol, which removes
that mode. A second mode is still OPEN: the server logs "Replacing stale connection" after the
restart, the kernel runs the cells (it is idle), but their replies never reach the page, whose
prompts stay at [*]. This test reproduces it (1 try in 2 or 3 on the 2-core machine) and so
fails today; it costs a 90 s time-out when it does. It runs only on demand:

    ACTVIZ_REPRO_RESTART=1 .venv/bin/python -m pytest tests/browser/test_browser_restart.py

and is reported as skipped otherwise (not as a pass).
"""

import os

import pytest

from .driver import code_cells

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(
    not os.environ.get("ACTVIZ_REPRO_RESTART"),
    reason="reproduces the open restart race of issue 12 (fails today); ACTVIZ_REPRO_RESTART=1 runs it")]

NB = "00_start_here.ipynb"
TRIES = 3  # each is ~15 s on the 2-core CI machine; the bug showed in 1-2 of 5


def test_restart_and_run_all_at_once_never_leaves_a_dead_kernel(open_in_lab, lab_server):
    cells = None
    for attempt in range(TRIES):
        seen = len(lab_server.log_path.read_text(errors="replace"))
        nb = open_in_lab(NB, stem=f"restart-at-once-{attempt}", wait_kernel=False)
        cells = cells or code_cells(nb._nb_path())
        nb.restart_and_run_all()  # no wait for the kernel: the race a student can hit
        nb.wait_run_complete(cells, timeout=90)
        assert nb.kernel_status() == "idle"
        log = lab_server.log_path.read_text(errors="replace")[seen:]
        for sign in ("struct.error", "unpack requires a buffer", "Traceback"):
            assert sign not in log, f"attempt {attempt + 1}: the server log shows {sign!r}:\n{log[-3000:]}"
        nb.shutdown_kernel()
