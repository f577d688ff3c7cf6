"""A setting of the server process that Streamlit has no option for (app.py applies it once per process)."""

from __future__ import annotations

import os
import socket

FD_FOLDER = "/proc/self/fd"


def disable_nagle(folder: str = FD_FOLDER) -> int:
    """Set TCP_NODELAY on every TCP socket this process has open (Linux; elsewhere nothing); returns how many.

    Streamlit 1.67's server opens its listening socket without naming TCP as the protocol (proto 0), and asyncio
    sets TCP_NODELAY only on connections whose protocol is IPPROTO_TCP, so every websocket kept Nagle's algorithm: a
    small frame sent while an earlier one is unacknowledged waits for the client's delayed ACK, up to 40 ms (a run's
    first messages reached a client 40-45 ms after they were sent; bench/page_cost.py shows the latency). On Linux a
    connection inherits the listening socket's setting, so setting it there covers the sessions to come; the
    connections already open are set here too. Sockets of other kinds, pipes and files are left as they are."""
    if not os.path.isdir(folder):
        return 0
    count = 0
    for name in os.listdir(folder):
        try:
            duplicate = os.dup(int(name))
        except (OSError, ValueError):  # closed meanwhile (the listing's own descriptor among them)
            continue
        try:
            sock = socket.socket(fileno=duplicate)  # owns the duplicate from here on
        except OSError:  # not a socket
            os.close(duplicate)
            continue
        with sock:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                count += 1
    return count
