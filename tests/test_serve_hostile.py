"""The demo/local server (site_builder.serve) against malformed requests, sent over raw sockets to a real
server on a free port: each gets its error status at once (400, 411 or 413, within 2 s), none drops the
connection without an answer or holds it open waiting for a body that will never come, and nothing bad
reaches the CMS behind the /donate/ proxy. Well-formed requests still work (static files and the proxy)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from site_builder.serve import make_server
from tests.conftest import free_port

ANSWER_WITHIN = 2.0  # seconds


class Upstream(http.server.BaseHTTPRequestHandler):
    """Stands for the CMS: records what the proxy passed and answers with it."""

    received: list = []

    def _echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((self.command, self.path, body))
        data = json.dumps({"path": self.path, "body": body.decode("latin-1")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _echo

    def log_message(self, *args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def upstream():
    Upstream.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Upstream)
    _serve(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, upstream):
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><title>Accueil</title>", encoding="utf-8")
    (root / "404.html").write_text("<!doctype html><title>Introuvable</title>", encoding="utf-8")
    port = free_port()
    server = make_server(root, port, proxies={"/donate/": f"http://127.0.0.1:{upstream.server_address[1]}"})
    _serve(server)
    yield port
    server.shutdown()
    server.server_close()


def exchange(port: int, raw: bytes, *, wait: float = ANSWER_WITHIN,
             whole: bool = False) -> tuple[int | None, bytes, float]:
    """Send `raw`, keep the socket open for writing (as a client still sending would), read the answer's
    head (or, with `whole`, everything until the server closes).
    Returns (status or None when the connection closed with no answer, the bytes read, seconds taken)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(raw)
        data = b""
        try:
            while whole or b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    elapsed = time.monotonic() - started
    status = None
    if data.startswith(b"HTTP/"):
        status = int(data.split(b" ", 2)[1])
    return status, data, elapsed


def request(method: str, target: bytes | str, headers: dict | None = None, body: bytes = b"") -> bytes:
    target = target.encode("latin-1") if isinstance(target, str) else target
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{k}: {v}".encode("latin-1") for k, v in (headers or {}).items()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


HOSTILE = {
    "nul-byte-in-path": (request("GET", b"/a\x00b.html"), 400),
    "encoded-nul-in-path": (request("GET", "/index.html%00.txt"), 400),
    "nul-in-proxied-path": (request("GET", "/donate/totals.json%00"), 400),
    "raw-nul-in-proxied-path": (request("GET", b"/donate/tot\x00als.json"), 400),
    "control-character-in-proxied-path": (request("GET", b"/donate/a\x7fb"), 400),
    "non-numeric-length-on-proxy": (request("POST", "/donate/api/intents/", {"Content-Length": "abc"}), 400),
    "negative-length-on-proxy": (request("POST", "/donate/api/intents/", {"Content-Length": "-1"}), 400),
    "signed-length-on-proxy": (request("POST", "/donate/api/intents/", {"Content-Length": "+5"}, b"12345"), 400),
    "underscored-length-on-proxy": (request("POST", "/donate/pay/", {"Content-Length": "1_0"}), 400),
    "two-lengths-on-proxy": (b"POST /donate/pay/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                             b"Content-Length: 30\r\n\r\nabc", 400),
    "over-large-length-on-proxy": (request("POST", "/donate/api/intents/",
                                           {"Content-Length": str(10 ** 12)}), 413),
    "chunked-body-on-proxy": (request("POST", "/donate/api/intents/", {"Transfer-Encoding": "chunked"},
                                      b"5\r\nhello\r\n0\r\n\r\n"), 411),
    "non-numeric-length-on-a-file": (request("GET", "/", {"Content-Length": "abc"}), 400),
    "negative-length-on-a-file": (request("GET", "/", {"Content-Length": "-5"}), 400),
    "over-large-length-on-a-file": (request("GET", "/", {"Content-Length": str(10 ** 12)}), 413),
    "non-numeric-length-on-refused-post": (request("POST", "/", {"Content-Length": "x"}), 400),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_malformed_request_is_answered_at_once_with_its_error(site, upstream, name):
    raw, expected = HOSTILE[name]
    before = len(Upstream.received)
    status, data, elapsed = exchange(site, raw)
    assert status is not None, f"no answer within {ANSWER_WITHIN} s ({elapsed:.1f} s), got {data[:200]!r}"
    assert status == expected, data[:300]
    assert elapsed < ANSWER_WITHIN
    assert len(Upstream.received) == before, "nothing malformed is passed to the CMS"


def test_a_body_that_never_arrives_is_given_up_with_408(tmp_path, upstream):
    """A client that announces 100 bytes and sends 10 does not hold a thread forever."""
    (tmp_path / "index.html").write_text("ok")
    port = free_port()
    server = make_server(tmp_path, port, proxies={"/donate/": f"http://127.0.0.1:{upstream.server_address[1]}"},
                         timeout=0.5)
    _serve(server)
    try:
        status, data, elapsed = exchange(port, request("POST", "/donate/pay/", {"Content-Length": "100"},
                                                       b"0123456789"))
        assert status == 408, data[:300]
        assert elapsed < ANSWER_WITHIN
    finally:
        server.shutdown()
        server.server_close()


def test_well_formed_requests_still_work(site, upstream):
    status, data, _ = exchange(site, request("GET", "/", {"Connection": "close"}), whole=True)
    assert status == 200 and b"Accueil" in data
    status, data, _ = exchange(site, request("GET", "/nulle-part/", {"Connection": "close"}), whole=True)
    assert status == 404 and b"Introuvable" in data
    status, data, _ = exchange(site, request("GET", "/", {"Content-Length": "0", "Connection": "close"}))
    assert status == 200
    body = b"amount=20&currency=EUR"
    status, data, _ = exchange(site, request("POST", "/donate/pay/", {
        "Content-Length": str(len(body)), "Content-Type": "application/x-www-form-urlencoded",
        "Connection": "close"}, body))
    assert status == 200, data[:300]
    assert Upstream.received[-1] == ("POST", "/donate/pay/", body)
