"""A tiny HTTP CONNECT proxy on 127.0.0.1 that records the tunnels it opened."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class ProxyInfo:
    url: str
    tunnels: list[str] = field(default_factory=list)


def _pump(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], 10)
        if not readable:
            return
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def _serve_one(client: socket.socket, info: ProxyInfo) -> None:
    with client:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        method, target = request.split(b" ", 2)[:2]
        host, port = target.decode().rsplit(":", 1)
        if method != b"CONNECT" or host not in ("127.0.0.1", "localhost", "[::1]"):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")  # loopback only, by design
            return
        info.tunnels.append(target.decode())
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pump(client, upstream)


@contextmanager
def run() -> Iterator[ProxyInfo]:
    listener = socket.create_server(("127.0.0.1", 0))
    info = ProxyInfo(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def accept_loop() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=_serve_one, args=(client, info), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield info
    finally:
        stop.set()
        thread.join()
        listener.close()
