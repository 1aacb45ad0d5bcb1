"""A server that hangs: it accepts TCP connections and never answers (nor closes them).

For proving that kpidash gives up on a hung dependency (database, SMTP, LDAP,
identity provider, object storage) within a bounded time, without stopping the
machine's shared services: point the setting at `listener.host`/`listener.port`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class HangingListener:
    host: str
    port: int
    accepted: list[socket.socket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.host}:{self.port}"


@contextmanager
def hanging_listener() -> Iterator[HangingListener]:
    """Listen on a free loopback port; every connection is accepted, read from, and never answered."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    listener = HangingListener("127.0.0.1", server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            listener.accepted.append(connection)  # held open, never written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in listener.accepted:
            connection.close()
        server.close()
