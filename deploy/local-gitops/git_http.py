"""Read-only git smart-HTTP server for the local GitOps repositories (127.0.0.1 only).

    python git_http.py ROOT PORT [HOST]

Serves every bare repository under ROOT (`<ROOT>/<name>.git`) at
`http://HOST:PORT/<name>.git` through `git http-backend` (git's own CGI program), so
Flux and Argo CD, which accept only http/https/ssh URLs, can clone what the github
service merged into main. Pushes are refused: the github service writes the
repositories directly, and the controllers only read.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys


class GitHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        if "git-receive-pack" in path or "git-receive-pack" in query:
            self._reply(403, [("Content-Type", "text/plain")], b"read-only: pushes are refused\n")
            return
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1", "REQUEST_METHOD": self.command, "PATH_INFO": path,
            "QUERY_STRING": query, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": self.client_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
        }
        for key, value in self.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "content-type"):
                env["HTTP_" + key.upper().replace("-", "_")] = value
        result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, sep, payload = result.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, payload = result.stdout.partition(b"\n\n")
        if not sep:
            self._reply(500, [("Content-Type", "text/plain")], result.stderr[-2000:] or b"git http-backend failed\n")
            return
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self._reply(status, headers, payload)

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _serve

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("git-http %s\n" % (fmt % args))


def main(argv: list[str]) -> None:
    root, port, host = argv[0], int(argv[1]), (argv[2] if len(argv) > 2 else "127.0.0.1")
    GitHandler.root = os.path.abspath(root)
    os.makedirs(GitHandler.root, exist_ok=True)
    server = http.server.ThreadingHTTPServer((host, port), GitHandler)
    print(f"serving {GitHandler.root} on http://{host}:{port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
