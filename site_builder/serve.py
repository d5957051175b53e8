"""`python -m site_builder.serve DIR --port 8080 [--proxy /donate/=http://127.0.0.1:8000]`: serve a built
site locally the way the CDN does: index.html for folders, the site's own 404.html with status 404, and
(like netlify.toml's rewrite) `/donate/*` passed to the CMS so the donation form posts to the same origin.
For the demo and tests only."""

from __future__ import annotations

import argparse
import functools
import http.client
import http.server
from pathlib import Path
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    proxies: dict[str, str] = {}

    def _proxy_target(self):
        for prefix, target in self.proxies.items():
            if self.path.startswith(prefix):
                return target
        return None

    def _proxy(self, target: str) -> None:
        parts = urlsplit(target)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")  # as a CDN proxy does
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            upstream = connection.getresponse()
            data = upstream.read()
        except OSError:
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

    def do_GET(self):
        target = self._proxy_target()
        return self._proxy(target) if target else super().do_GET()

    def do_HEAD(self):
        target = self._proxy_target()
        return self._proxy(target) if target else super().do_HEAD()

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
                proxies: dict[str, str] | None = None) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(type("Handler", (SiteHandler,), {"proxies": dict(proxies or {})}),
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
