"""The server-process setting app.py applies once: Nagle's algorithm off on the server's TCP sockets."""

import os
import socket

import pytest

from app_pages._server import FD_FOLDER, disable_nagle

pytestmark = pytest.mark.skipif(not os.path.isdir(FD_FOLDER), reason="needs Linux's /proc/self/fd")


def nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_open_connections_and_the_ones_a_listening_socket_accepts_later_send_at_once():
    listener = socket.socket(family=socket.AF_INET)  # as Streamlit's server makes it: no protocol named
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    early = socket.create_connection(listener.getsockname())
    early_accepted, _ = listener.accept()
    with listener, early, early_accepted:
        assert not nodelay(early_accepted)  # what asyncio leaves on a socket of protocol 0
        assert disable_nagle() >= 3
        assert nodelay(listener) and nodelay(early_accepted)
        late = socket.create_connection(listener.getsockname())
        late_accepted, _ = listener.accept()
        with late, late_accepted:
            assert nodelay(late_accepted)  # inherited from the listening socket


def test_other_descriptors_are_left_alone_and_none_leaks():
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()  # Unix-domain: TCP options do not apply
    try:
        before = sorted(os.listdir(FD_FOLDER))
        disable_nagle()
        assert sorted(os.listdir(FD_FOLDER)) == before
        os.write(write_end, b"still open")
        assert os.read(read_end, 10) == b"still open"
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        left.close()
        right.close()


def test_without_the_folder_nothing_is_done(tmp_path):
    assert disable_nagle(str(tmp_path / "absent")) == 0
