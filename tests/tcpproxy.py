"""A TCP proxy on loopback that a test can cut and restore, to play a database or Redis outage.

The real server keeps running (other tests share it); only the path to it breaks. ``cut()`` resets
every open connection and closes the listening socket, so connecting is refused as it would be
with the server gone; ``restore()`` listens on the same port again. ``stall()`` keeps connections
open but passes nothing on (a server that hangs), until ``resume()``. Each connection is served by
one thread that owns both of its sockets, so a cut never closes a socket under another thread.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator

from tests.servers import free_port

_POLL_SECONDS = 0.05


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.accepted = 0  # connections accepted so far (a client reconnecting shows here)
        self._stopping: threading.Event | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stalled = threading.Event()

    @property
    def is_up(self) -> bool:
        return self._stopping is not None

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        from sqlalchemy.engine import make_url

        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> None:
        """Listen (again) on the proxy's port and pass connections on to the target."""
        if self._stopping is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(_POLL_SECONDS)
        stopping = self._stopping = threading.Event()
        self._spawn(self._accept, listener, stopping)

    restore = start

    def cut(self) -> None:
        """Refuse new connections and reset every open one; returns when all are gone."""
        stopping, self._stopping = self._stopping, None
        if stopping is None:
            return
        stopping.set()
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)
            assert not thread.is_alive(), "a proxy thread did not stop"

    stop = cut

    def stall(self) -> None:
        """Accept and keep connections, but pass nothing on either way."""
        self._stalled.set()

    def resume(self) -> None:
        self._stalled.clear()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        with listener:
            while not stopping.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _reset(client)
                    continue
                self.accepted += 1
                self._spawn(_relay, client, upstream, stopping, self._stalled)


def _relay(client: socket.socket, upstream: socket.socket, stopping: threading.Event, stalled: threading.Event) -> None:
    """Copy bytes both ways until both sides close, or reset both when the proxy is cut."""
    partner = {client: upstream, upstream: client}
    reading = [client, upstream]
    for end in reading:
        end.settimeout(5)  # a peer that stops reading cannot hold a cut up for long
    try:
        while reading and not stopping.is_set():
            if stalled.is_set():
                time.sleep(_POLL_SECONDS)
                continue
            ready, _, _ = select.select(reading, [], [], _POLL_SECONDS)
            for end in ready:
                data = end.recv(65536)
                if data:
                    partner[end].sendall(data)
                else:  # this side finished sending: pass the half-close on
                    reading.remove(end)
                    with contextlib.suppress(OSError):
                        partner[end].shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        if reading:  # cut, or broken: both peers see a reset, as when the far end vanishes
            _reset(client)
            _reset(upstream)
        else:
            client.close()
            upstream.close()


def _reset(connection: socket.socket) -> None:
    """Close with a TCP reset rather than a polite FIN."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


@contextlib.contextmanager
def proxy_to(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(host, port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
