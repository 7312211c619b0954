"""The gunicorn worker class of ``kemi-graph serve``: connections handled by waitress.

gunicorn stays the process manager (pre-forked workers, restarts, signals); inside each worker,
waitress's event loop owns every connection. It reads a request completely, header and body,
before a request thread sees it, and it buffers each answer (beyond ``outbuf_overflow`` in a
temporary file) and sends it while the thread goes on to the next request. So a client that
sends slowly, stalls, or reads a large answer slowly costs a socket, never a thread. On top of
waitress's inactivity timeout (``keep_alive``), :class:`_Server` closes a connection whose
current request has not arrived completely within ``read_timeout`` of its first byte, so a
client trickling a byte at a time cannot keep it open either. docs/web.md says why this
arrangement was chosen.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from kemi_graph.config import Settings

# Room for the headers of a request whose request line is at the limit; browsers send 1-2 KiB.
HEADER_BYTES = 32_768
# A connection's answer beyond this many bytes waits in a temporary file, not in memory.
OUTBUF_OVERFLOW = 1 << 20
LOOP_SECONDS = 0.5
ACCEPTS_PER_TURN = 64


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection that remembers when the request it is reading began."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        result: bool = super().received(data)
        if self.request is None:
            self.request_started = None
        elif self.request_started is None:
            self.request_started = time.monotonic()
        return result


class _Server(TcpWSGIServer):  # type: ignore[misc]
    """waitress's server on a listening socket gunicorn opened, with a deadline per request."""

    channel_class = _Channel
    read_timeout = 10.0

    def handle_accept(self) -> None:
        # waitress accepts one connection per turn of its loop; when many clients connect at once
        # the last ones waited seconds behind the loop's other work. Take all that are waiting.
        for _ in range(ACCEPTS_PER_TURN):
            connections = len(self._map)
            if connections >= self.adj.connection_limit:
                return
            super().handle_accept()
            if len(self._map) == connections:  # none was waiting
                return

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.read_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff:
                channel.will_close = True


def adjustments(settings: Settings, sockets: list[socket.socket]) -> Adjustments:
    """waitress's settings from ours."""
    return Adjustments(
        sockets=sockets,
        threads=settings.threads,
        connection_limit=settings.max_connections,
        channel_timeout=settings.keep_alive,
        cleanup_interval=1,
        max_request_header_size=settings.max_request_line + HEADER_BYTES,
        max_request_body_size=settings.max_request_bytes,
        outbuf_overflow=OUTBUF_OVERFLOW,
        ident="kemi-graph",
        expose_tracebacks=False,
        asyncore_use_poll=True,
        backlog=2048,
        log_socket_errors=False,
    )


class BufferedWorker(Worker):  # type: ignore[misc]
    """A gunicorn worker running waitress on the worker's listening sockets."""

    def run(self) -> None:
        settings: Settings = self.wsgi.extensions["kemi_graph"].settings
        sockets = [listener.sock for listener in self.sockets]
        adj = adjustments(settings, sockets)
        connections: dict[int, Any] = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        servers = []
        for sock in sockets:
            server = _Server(
                self.wsgi,
                map=connections,
                _sock=sock,
                dispatcher=dispatcher,
                adj=adj,
                bind_socket=False,
                sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            )
            server.read_timeout = settings.read_timeout
            servers.append(server)
        while self.alive:
            self.notify()
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
            wasyncore.loop(timeout=LOOP_SECONDS, map=connections, use_poll=True, count=1)
        self._drain(servers, connections, dispatcher)

    def _drain(self, servers: list[_Server], connections: dict[int, Any], dispatcher: ThreadedTaskDispatcher) -> None:
        """Stop accepting, finish the requests in progress and send their answers (at most
        ``graceful_timeout`` seconds), then stop the request threads."""
        for server in servers:
            server.accepting = False
            server.del_channel()
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(_busy(channel) for channel in connections.values()):
            self.notify()
            wasyncore.loop(timeout=0.1, map=connections, use_poll=True, count=1)
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(connections)


def _busy(channel: Any) -> bool:
    """Whether a connection still has a request to answer or an answer to send."""
    return bool(getattr(channel, "requests", None)) or bool(getattr(channel, "total_outbufs_len", 0))
