"""`qianfan serve`'s waitress, on a real socket, against the clients that held it up (issue 9): idle
connections, a chunk-size line that never ends, and bodies over the upload limit."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import waitress

from webapp.serving import bound_chunked_bodies, waitress_options


@pytest.fixture
def server(db):
    from webapp import create_app

    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "MAX_CONTENT_LENGTH": 4096})
    bound_chunked_bodies()
    served = waitress.create_server(app, host="127.0.0.1", port=0, **waitress_options(app))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    yield served.effective_host, served.effective_port
    # Stop the loop before closing its sockets: closing them under a running select() raised EBADF in
    # the server thread now and then. An empty map ends the loop at its next turn (1 s at most).
    served.task_dispatcher.shutdown()
    sockets = dict(served._map)
    served._map.clear()
    thread.join(timeout=5)
    for channel in sockets.values():
        channel.close()
    app.extensions["qianfan_db"].dispose()


def _ask(address, raw: bytes, timeout: float = 10.0) -> bytes:
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def _health(address) -> bytes:
    return _ask(address, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def test_idle_connections_do_not_take_every_slot(server):
    idle = [socket.create_connection(server, timeout=5) for _ in range(120)]
    try:
        assert _health(server).startswith(b"HTTP/1.1 200")
    finally:
        for sock in idle:
            sock.close()


def test_a_chunk_size_line_that_never_ends_is_refused_and_the_server_goes_on(server):
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        started = time.monotonic()
        answer = b""
        try:
            for _ in range(2000):  # up to 16 MB of a size line without an end
                sock.sendall(b"1" * 8192)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert time.monotonic() - started < 10
    assert _health(server).startswith(b"HTTP/1.1 200")


def test_a_declared_body_far_over_the_limit_is_refused_before_it_is_sent(server):
    head = (
        b"POST /staff/imports HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: 104857600\r\nConnection: close\r\n\r\n"
    )
    answer = _ask(server, head, timeout=5)  # nothing of the 100 MB is sent: waitress must not wait
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_body_just_over_the_limit_gets_the_apps_own_413_page(server):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        + b"x" * 8000
    )
    body += b"\r\n--b--\r\n"
    head = (
        b"POST /staff/imports HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    )
    answer = _ask(server, head + body)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'<header class="topbar">' in answer and "上传的文件太大。".encode() in answer


def test_gunicorn_refuses_a_database_without_the_schema_and_says_what_to_do(tmp_path):
    """The production server does not start on a missing database (nor creates it empty): the pages
    would answer every login with an error."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    database = tmp_path / "none.sqlite3"
    env = {**os.environ, "QIANFAN_DATABASE_URL": f"sqlite:///{database}", "QIANFAN_INSTANCE_DIR": str(tmp_path),
           "QIANFAN_WEB_BIND": "127.0.0.1:0", "QIANFAN_WEB_WORKERS": "1"}  # fmt: skip
    started = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                             env=env, cwd=root, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert started.returncode == 1
    assert "run `qianfan init-db` first" in started.stderr
    assert "Traceback" not in started.stderr
    assert not database.exists()
