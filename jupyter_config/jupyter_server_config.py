# Server settings shared by `python3 dev.py lab`, `python3 dev.py voila`, Binder (binder/start)
# and the browser tests (tests/browser/driver.py): each puts this folder on JUPYTER_CONFIG_PATH.
c = get_config()  # noqa: F821 (defined by the Jupyter config loader)

# The kernel websocket speaks the legacy protocol only. With the default (the v1 protocol when
# the front end offers it), "Restart Kernel and Run All" right after opening a notebook can
# race the first connection: the server replaces the connection, then reads the front end's v1
# frames as legacy ones (`struct.error: unpack requires a buffer of ...` in
# deserialize_binary_message) and the kernel stays at "Starting". The server's protocol check
# falls back to legacy whenever it cannot see the handler's subprotocol, so when legacy is the
# only protocol both sides always agree. JupyterLab, Notebook 7 and Voilà all speak it.
c.ZMQChannelsWebsocketConnection.kernel_ws_protocol = ""
