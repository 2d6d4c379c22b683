"""The project's Jupyter server settings (read by `python3 dev.py lab`, Binder and the browser
tests, which put this folder on JUPYTER_CONFIG_PATH).

Restart race of issue 12.3 (JupyterLab 4.6.6 + jupyter_server 2.21.1): "Restart Kernel and
Run All" right after opening a notebook could leave the page at [*] forever. Cause and fix
are described in actviz_kernel_ws.py next to this file.
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
c.ServerApp.kernel_websocket_connection_class = (
    "actviz_kernel_ws.StaleSafeZMQChannelsWebsocketConnection"
)
