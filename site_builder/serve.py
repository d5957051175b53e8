"""`python -m site_builder.serve DIR --port 8080 [--proxy /donate/=http://127.0.0.1:8000]`: serve a built
site locally the way the CDN does: index.html for folders, the site's own 404.html with status 404, and
(like netlify.toml's rewrite) `/donate/*` passed to the CMS so the donation form posts to the same origin.
For the demo and tests only.

Redirects: the site's `_redirects` (site_builder/redirects.py writes it from Wagtail's redirects) is answered
as Netlify answers it: a request for a path that no file serves and that a rule names gets that rule's status
(301 or 302) and `Location`, its query string kept; an existing file always wins over a rule. The file is
read again whenever a build rewrites it.

Malformed requests are answered at once with their error (NUL or control characters in the path: 400;
a Content-Length that is not one plain decimal number: 400; a body over MAX_BODY: 413; a chunked body,
which the proxy cannot frame: 411), rather than crashing the handler (the client saw the connection
drop) or waiting for a body that never comes (`rfile.read(-1)` held the connection until the client
gave up). A client that stops sending mid-request is cut off after HANDLER_TIMEOUT seconds (408).

Caching follows netlify.toml: fingerprinted theme assets and renditions are immutable, everything else is
`max-age=0, must-revalidate`. Without a Cache-Control header a browser may reuse a page it fetched a few
seconds ago (heuristic freshness from Last-Modified), so a just-published page could show its old text.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.server
import re
import os
import socket
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import redirects

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
# The CMS's forms and JSON bodies are a few kilobytes; nothing the site posts comes near this.
MAX_BODY = 1024 * 1024
HANDLER_TIMEOUT = 10.0  # seconds a client may pause while sending its request
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
DECIMAL = re.compile(r"[0-9]+")
IMMUTABLE_PREFIXES = ("/theme/", "/media/images/")  # as netlify.toml's [[headers]]
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


def cache_control(path: str) -> str:
    """The Cache-Control the CDN sends for a served file at `path`."""
    return IMMUTABLE if urlsplit(path).path.startswith(IMMUTABLE_PREFIXES) else REVALIDATE


class RedirectTable:
    """The rules of `_redirects` in the served folder, parsed again when the file changes (an incremental
    build replaces it; a full build swaps the whole folder)."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / redirects.REDIRECTS_FILE
        self._lock = threading.Lock()
        self._stamp = None
        self._rules: dict[str, redirects.Rule] = {}

    def rules(self) -> dict[str, redirects.Rule]:
        try:
            stat = self.path.stat()
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            return {}
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._rules = redirects.parse(self.path.read_text(encoding="utf-8", errors="replace"))
                except OSError:
                    return {}
                self._stamp = stamp
            return self._rules

    def lookup(self, path: str) -> redirects.Rule | None:
        return self.rules().get(redirects.source_key(path))


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    proxies: dict[str, str] = {}
    redirect_table: RedirectTable | None = None
    timeout = HANDLER_TIMEOUT  # socket timeout (socketserver.StreamRequestHandler applies it)
    body_length = 0
    serving_file = False

    def end_headers(self):
        if self.serving_file:
            self.send_header("Cache-Control", cache_control(self.path))
            self.serving_file = False
        super().end_headers()

    def _serve_file(self, method):
        self.serving_file = True
        try:
            return method()
        finally:
            self.serving_file = False

    def parse_request(self) -> bool:
        """The standard parse, then the checks the standard library leaves to the handler: a path that
        the file system and http.client both refuse, and a body we could not frame."""
        if not super().parse_request():
            return False
        problem = self._framing_problem()
        if problem:
            self.send_error(*problem)
            return False
        return True

    def _framing_problem(self) -> tuple[int, str] | None:
        if CONTROL_CHARACTERS.search(self.path) or "\x00" in unquote(self.path):
            return 400, "Control character in the path"
        if self.headers.get("Transfer-Encoding"):
            return 411, "Chunked bodies are not supported: send a Content-Length"
        lengths = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not lengths:
            self.body_length = 0
            return None
        if len(lengths) > 1:
            return 400, "Conflicting Content-Length headers"
        (length,) = lengths
        if not DECIMAL.fullmatch(length):
            return 400, "Content-Length must be a non-negative decimal number"
        if int(length) > MAX_BODY:
            return 413, f"Request body over {MAX_BODY} bytes"
        self.body_length = int(length)
        return None

    def _proxy_target(self):
        for prefix, target in self.proxies.items():
            if self.path.startswith(prefix):
                return target
        return None

    def _proxy(self, target: str) -> None:
        parts = urlsplit(target)
        body = None
        if self.body_length:
            try:
                body = self.rfile.read(self.body_length)
            except (TimeoutError, socket.timeout):
                self.send_error(408, "Request body not received in time")
                return
            if len(body) < self.body_length:  # the client went away mid-body
                self.close_connection = True
                return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() not in ("x-forwarded-for", "x-forwarded-host")}
        # appended, as a real proxy does: the CMS trusts only the right-most TRUSTED_PROXY_HOPS entries
        forwarded = [v.strip() for v in self.headers.get_all("X-Forwarded-For", []) if v.strip()]
        headers["X-Forwarded-For"] = ", ".join([*forwarded, self.client_address[0]])
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")  # as a CDN proxy does
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            upstream = connection.getresponse()
            data = upstream.read()
        except ValueError:  # http.client refuses the URL or a header value (e.g. InvalidURL)
            self.send_error(400, "Malformed request")
            return
        except (OSError, http.client.HTTPException):
            self.send_error(502, "CMS unreachable")
            return
        finally:
            connection.close()
        self.send_response(upstream.status)
        for key, value in upstream.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _serves_a_file(self) -> bool:
        local = self.translate_path(self.path)
        return os.path.isfile(local) or os.path.isfile(os.path.join(local, "index.html"))

    def _redirect(self) -> bool:
        """Answer the request with its redirect, if a rule names its path and no file serves it."""
        if self.redirect_table is None or self._serves_a_file():
            return False
        parts = urlsplit(self.path)
        rule = self.redirect_table.lookup(parts.path)
        if rule is None:
            return False
        self.send_response(rule.status)
        self.send_header("Location", rule.target + (f"?{parts.query}" if parts.query and "?" not in rule.target else ""))
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def do_GET(self):
        target = self._proxy_target()
        if target:
            return self._proxy(target)
        return None if self._redirect() else self._serve_file(super().do_GET)

    def do_HEAD(self):
        target = self._proxy_target()
        if target:
            return self._proxy(target)
        return None if self._redirect() else self._serve_file(super().do_HEAD)

    def do_POST(self):
        target = self._proxy_target()
        return self._proxy(target) if target else self.send_error(405)

    def do_OPTIONS(self):
        target = self._proxy_target()
        return self._proxy(target) if target else self.send_error(405)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.exists():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # quiet: the demo prints its own addresses
        pass


def make_server(directory: Path, port: int, host: str = "127.0.0.1",
                proxies: dict[str, str] | None = None,
                timeout: float = HANDLER_TIMEOUT) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(type("Handler", (SiteHandler,), {"proxies": dict(proxies or {}),
                                                                  "timeout": timeout,
                                                                  "redirect_table": RedirectTable(directory)}),
                                directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--proxy", action="append", default=[], metavar="PREFIX=URL",
                        help="pass requests under PREFIX to URL, e.g. /donate/=http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    proxies = dict(item.split("=", 1) for item in args.proxy)
    server = make_server(args.directory, args.port, args.host, proxies)
    print(f"static site on http://{args.host}:{args.port}/ (from {args.directory})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
