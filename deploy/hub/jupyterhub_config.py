"""JupyterHub for a class on ONE machine: every student gets a JupyterLab of their own.

    ACTVIZ_HUB_PASSWORD=<8+ characters> python3 dev.py hub      # http://127.0.0.1:8000
    # = .venv/bin/jupyterhub -f deploy/hub/jupyterhub_config.py, run from .hub/run/

This is the file tests/browser/test_browser_hub.py starts (with random ports, a temp home
folder and the password on the command line/environment): two students log in, follow the
README's nbgitpuller link, run a notebook and move its sliders in Chromium.

What it is, plainly:
- Log-in: any user name plus ONE shared password (SharedPasswordAuthenticator). Anyone
  with the password can log in as any (non-admin) student. Fine for a workshop room, not
  for marks or private work.
- Spawner: SimpleLocalProcessSpawner. Every student's server runs as the OS user that runs
  the hub, in its own folder (``.hub/homes/<name>``), but with no isolation between
  students: one can read another's files from a terminal or a kernel.
- The proxy is configurable-http-proxy from npm, installed into .hub/ by ``dev.py setup``.
For more than one machine, or real isolation, use Zero-to-JupyterHub: deploy/z2jh/.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

ROOT = Path(__file__).resolve().parents[2]
# The hub is started from the project venv (.venv/bin/jupyterhub): the students' servers
# use that venv too (its JupyterLab, ipywidgets, nbgitpuller, and actviz installed editable).
VENV_BIN = Path(sys.executable).parent

c.JupyterHub.bind_url = "http://127.0.0.1:8000"  # loopback; put TLS + a public name in front
c.JupyterHub.hub_ip = "127.0.0.1"

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get("ACTVIZ_HUB_PASSWORD")
c.Authenticator.allow_all = True  # any user name may log in (with the shared password)

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(ROOT / ".hub" / "homes" / "{username}")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
    c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60

_chp = ROOT / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
if _chp.exists():  # else: configurable-http-proxy from PATH
    c.ConfigurableHTTPProxy.command = [str(_chp)]

# The students' servers read the project's server settings (jupyter_config/: the fix for the
# "Restart Kernel and Run All right after opening" race), as `python3 dev.py lab` does.
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": str(ROOT / "jupyter_config")}
