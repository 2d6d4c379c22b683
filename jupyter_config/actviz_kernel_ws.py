"""A kernel websocket connection that releases a replaced ("stale") connection at once.

Why (issue 12.3, jupyter_server 2.21.1 + JupyterLab 4.6.6): JupyterLab reconnects to a
restarted kernel with the *same* ``session_id``, and every server-side connection opens its
shell/control/stdin ZMQ DEALER sockets with that session id as their ZMQ identity
(``ZMQChannelsWebsocketConnection.create_stream``). When "Restart Kernel and Run All" comes
while the first websocket is still inside ``KernelWebsocketHandler.open()`` -- it awaits
``connect()``, i.e. ``nudge()`` of the kernel that is still starting -- tornado has not started
reading that socket's frames, so the browser's close is never seen and ``on_close`` never
runs. The new websocket's ``_register_session`` logs "Replacing stale connection" and calls
``stale_handler.close()``, which only starts a close handshake: the stale connection keeps its
ZMQ sockets. Both sets then (re)connect to the restarted kernel with the same identity;
ipykernel sets ROUTER_HANDOVER, so whichever connects last takes the identity. When that is
the stale one, the kernel's replies go to the dead peer: prompts stay at [*], kernel idle.
(Without handover a duplicate peer is dropped silently instead, shown in a small pyzmq
experiment; either way one of the two connections is deaf.)
Later, when the stale handler's nudge ends, tornado reads the frame the browser had queued on
it; ``close()`` has already cleared ``handler.ws_connection``, so ``subprotocol`` reads as
legacy and a v1 frame is parsed as a legacy one (``struct.error: unpack requires a buffer of
402653184 bytes``).

What this class changes, nothing else:
- on replacement, the stale connection is released *now*: its ZMQ sockets closed, its nudge
  ended, its restart callbacks removed, the connection count decremented once;
- a connection that was replaced (or whose browser socket closed) before it connected never
  opens ZMQ sockets: its upgrade is refused with 410 (upstream instead fails with
  ``AttributeError: 'NoneType' object has no attribute 'kernel_ws_protocol'``);
- messages arriving on a released connection are dropped (it has no channels), so no frame
  is parsed with the wrong protocol;
- ``disconnect()`` runs once, and a connection that never connected does not decrement the
  kernel's connection count (upstream decrements it, which can make it negative).

Enabled by ``jupyter_server_config.py`` next to this file
(``ServerApp.kernel_websocket_connection_class``).
"""

from __future__ import annotations

import asyncio

from tornado import web

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


def _done_future() -> asyncio.Future:
    f = asyncio.get_event_loop().create_future()
    f.set_result(None)
    return f


class StaleSafeZMQChannelsWebsocketConnection(ZMQChannelsWebsocketConnection):
    """ZMQChannelsWebsocketConnection that releases a replaced connection immediately."""

    _actviz_connected = False  # connect() ran (notify_connect was counted)
    _actviz_released = False  # ZMQ side torn down; nothing more to do
    _actviz_nudge = None  # the Future returned by the base connect()
    _actviz_waiter = None  # what open() awaits: the nudge, or our release

    async def _register_session(self):
        key = f"{self.kernel_id}:{self.session.session}"
        stale_handler = self._open_sessions.get(key)
        if stale_handler is not None and stale_handler is not self.websocket_handler:
            stale = getattr(stale_handler, "connection", None)
            if isinstance(stale, StaleSafeZMQChannelsWebsocketConnection):
                stale._actviz_release("replaced by a new connection with the same session")
            # release() unregistered it; still close its websocket, as the base does
            self.log.warning("Replacing stale connection: %s", key)
            self._open_sessions.pop(key, None)
            stale_handler.close()
        # the base logs "Replacing stale connection", closes the stale websocket, registers us
        await super()._register_session()

    async def prepare(self):
        await super().prepare()
        if self._actviz_released:
            # the browser closed this socket, or a newer one replaced it, while the kernel
            # was starting: refuse the upgrade (a warning, not a traceback in the log)
            raise web.HTTPError(410, "kernel websocket closed or replaced before it opened")

    def connect(self):
        if self._actviz_released:
            # replaced while still in prepare(): never open ZMQ sockets with this identity
            self.log.info("Not connecting replaced connection %s", self.session_key)
            try:
                self.websocket_handler.close()
            except Exception:  # pragma: no cover - closing a socket that is going away
                pass
            return _done_future()
        self._actviz_connected = True  # the base connect() starts with notify_connect
        nudge = super().connect()
        if nudge is None:  # the base failed and disconnected
            return _done_future()
        self._actviz_nudge = nudge
        waiter = asyncio.get_event_loop().create_future()

        def _nudged(_f):
            if not waiter.done():
                waiter.set_result(None)

        nudge.add_done_callback(_nudged)
        self._actviz_waiter = waiter
        return waiter

    def disconnect(self):
        if self._actviz_released:
            return
        if not self._actviz_connected:
            self._actviz_release("closed before it connected")
            return
        self._actviz_released = True
        super().disconnect()
        self.channels = {}

    def _actviz_release(self, why: str) -> None:
        """Tear down the ZMQ side now (no buffering: a newer connection takes over)."""
        if self._actviz_released:
            return
        self._actviz_released = True
        self.log.info("Releasing kernel connection %s (%s)", self.session_key, why)
        mkm = self.multi_kernel_manager
        if self._actviz_connected:
            mkm.notify_disconnect(self.kernel_id)
        if self._open_sessions.get(self.session_key) is self.websocket_handler:
            self._open_sessions.pop(self.session_key)
        if self.kernel_info_channel is not None and not self.kernel_info_channel.closed():
            self.kernel_info_channel.close()
            if not self._kernel_info_future.done():
                self._kernel_info_future.set_result({})
            if getattr(self.kernel_manager, "_kernel_info_future", None) is self._kernel_info_future:
                del self.kernel_manager._kernel_info_future
        self.kernel_info_channel = None
        if self.kernel_id in mkm:
            mkm.remove_restart_callback(self.kernel_id, self.on_kernel_restarted)
            mkm.remove_restart_callback(self.kernel_id, self.on_restart_failed, "dead")
        channels, self.channels = self.channels, {}
        for stream in channels.values():
            if stream is not None and not stream.closed():
                stream.on_recv(None)
                stream.close()
        # end the pending nudge (its transient sockets are closed by its own cleanup) and let
        # the handler's open() return, so tornado can finish the close handshake
        if self._actviz_nudge is not None and not self._actviz_nudge.done():
            self._actviz_nudge.cancel()
        if self._actviz_waiter is not None and not self._actviz_waiter.done():
            self._actviz_waiter.set_result(None)
        ZMQChannelsWebsocketConnection._open_sockets.discard(self)
        if not self._close_future.done():
            self._close_future.set_result(None)
