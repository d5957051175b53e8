"""A local stand-in for the two calls of Netlify's API that site_builder/netlify_deploy.py makes, on a real
HTTP server (127.0.0.1, a free port), keeping what Netlify keeps and recording what it received.

- `POST /api/v1/sites/{site_id}/deploys` with `{"files": {"/path": sha1}}`: a new deploy; `required` lists
  the digests the site's store lacks (Netlify keeps every file ever uploaded to the site, by digest).
- `PUT /api/v1/deploys/{deploy_id}/files/{path}`: the bytes of one file of that deploy; refused (422) when
  they are not the digest the deploy announced for that path. The deploy is "ready" once nothing is missing.

`fail_next(method, status, count)` makes the next calls of that method answer `status`; `delay` makes every
call wait (timeouts). Only the bearer token given at start is accepted (401 otherwise).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Deploy:
    id: str
    site_id: str
    files: dict[str, str]  # path -> sha1
    title: str = ""
    uploaded: list[str] = field(default_factory=list)  # paths, in arrival order
    state: str = "uploading"


class NetlifyStandIn:
    def __init__(self, token: str = "nf-test-token", site_id: str = "site-1234"):
        self.token, self.site_id = token, site_id
        self.store: dict[str, bytes] = {}  # sha1 -> content, for the site
        self.deploys: list[Deploy] = []
        self.failures: dict[str, list[int]] = {"POST": [], "PUT": []}
        self.delay = 0.0
        self.authorizations: list[str] = []
        self.lock = threading.Lock()
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict | None = None):
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _refused(self, method: str) -> bool:
                if standin.delay:
                    time.sleep(standin.delay)
                standin.authorizations.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != f"Bearer {standin.token}":
                    self._answer(401, {"code": 401, "message": "Access Denied"})
                    return True
                with standin.lock:
                    status = standin.failures[method].pop(0) if standin.failures[method] else None
                if status:
                    self._answer(status, {"code": status, "message": "stand-in failure"})
                    return True
                return False

            def do_POST(self):
                body = self._body()
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                if len(segments) != 5 or segments[:3] != ["api", "v1", "sites"] or segments[4] != "deploys":
                    return self._answer(404, {"message": "Not Found"})
                if self._refused("POST"):
                    return None
                if unquote(segments[3]) != standin.site_id:
                    return self._answer(404, {"message": "Not Found"})
                try:
                    files = json.loads(body)["files"]
                except (ValueError, KeyError):
                    return self._answer(422, {"message": "files required"})
                title = (parse_qs(parts.query).get("title") or [""])[0]
                deploy = Deploy(id=uuid.uuid4().hex[:24], site_id=standin.site_id, files=files, title=title)
                with standin.lock:
                    standin.deploys.append(deploy)
                    required = sorted({sha for sha in files.values() if sha not in standin.store})
                    if not required:
                        deploy.state = "ready"
                return self._answer(200, {"id": deploy.id, "state": deploy.state, "required": required})

            def do_PUT(self):
                body = self._body()
                segments = urlsplit(self.path).path.split("/", 6)  # "", api, v1, deploys, id, files, path
                if len(segments) != 7 or segments[1:4] != ["api", "v1", "deploys"] or segments[5] != "files":
                    return self._answer(404, {"message": "Not Found"})
                if self._refused("PUT"):
                    return None
                deploy = next((d for d in standin.deploys if d.id == segments[4]), None)
                path = "/" + unquote(segments[6])
                if deploy is None or path not in deploy.files:
                    return self._answer(404, {"message": "Not Found"})
                if hashlib.sha1(body).hexdigest() != deploy.files[path]:
                    return self._answer(422, {"message": "checksum mismatch"})
                with standin.lock:
                    standin.store[deploy.files[path]] = body
                    deploy.uploaded.append(path)
                    if all(sha in standin.store for sha in deploy.files.values()):
                        deploy.state = "ready"
                return self._answer(200, {"id": uuid.uuid4().hex, "path": path, "sha": deploy.files[path]})

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail_next(self, method: str, status: int, count: int = 1) -> None:
        with self.lock:
            self.failures[method] += [status] * count

    def live(self) -> Deploy | None:
        """The last deploy that became ready (what visitors would see)."""
        return next((d for d in reversed(self.deploys) if d.state == "ready"), None)

    def content(self, path: str) -> bytes | None:
        deploy = self.live()
        return self.store.get(deploy.files[path]) if deploy and path in deploy.files else None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
