"""A real TCP listener on loopback that counts the connections it receives (SERVICE tests).

It answers each connection with a small HTML page carrying `SECRET`, so a test can also check
that no error body ever echoes what a remote end said.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

SECRET = "listener-secret-4f1c"
_REPLY = (f"HTTP/1.1 500 Internal\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
          f"<html><body>{SECRET} internal host page</body></html>").encode()


class Listener:
    """`hang=True`: accept, read, and never answer (a remote end that holds the caller)."""

    def __init__(self, *, hang: bool = False) -> None:
        self.hang = hang
        self._held: list[socket.socket] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            if self.hang:
                self._held.append(conn)
                continue
            try:
                conn.settimeout(2)
                with suppress(OSError):
                    conn.recv(65536)
                conn.sendall(_REPLY)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@contextmanager
def listening(*, hang: bool = False) -> Iterator[Listener]:
    listener = Listener(hang=hang)
    try:
        yield listener
    finally:
        listener.close()
