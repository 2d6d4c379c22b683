"""Voilà settings for a class (read by deploy/voila/classroom.py, i.e. ``python3 dev.py voila``).

Sized on this project's 2-core, 24 GB machine class; see benchmarks/bench_class.py and the
README's teaching section for what they give. Override any of them on the command line, e.g.
``python3 dev.py voila --ClassroomVoila.class_size=12``, or with ACTVIZ_CLASS_SIZE.
"""

import os

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

# How many students at once; student class_size + 1 gets a "the class is full" page.
# ~120 MB per student kernel (benchmarks/bench_class.py), so 30 is ~3.6 GB.
CLASS_SIZE = int(os.environ.get("ACTVIZ_CLASS_SIZE", "30"))
c.ClassroomVoila.class_size = CLASS_SIZE

# Preheat one kernel per student: each has imported actviz and run the dashboard before
# anyone asks, so a page is ready at once. Starting them takes about a minute when the
# server starts (start it before the class), and the pool never grows beyond the cap.
c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.default_pool_size = CLASS_SIZE
# a taken kernel is replaced after this many seconds, not during the rush at the start
c.VoilaKernelManager.fill_delay = 20

# Reclaim kernels nobody uses: a tab that closed without its beacon, a link preview that
# fetched the page. Connected pages are never culled; preheated kernels are not either.
c.MappingKernelManager.cull_idle_timeout = 180
c.MappingKernelManager.cull_interval = 30
c.MappingKernelManager.cull_connected = False

# nbclient waits 4 s by default for a cell's outputs after it finished; on a loaded server
# the widget outputs came later and the page showed no widgets ("Timeout waiting for IOPub
# output" in the log). Wait longer.
c.VoilaExecutor.iopub_timeout = 60

# The page is for students: no tracebacks, no code.
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.strip_sources = True
