"""A receiving system for the webhook tests: an HTTP server on 127.0.0.1 (a
free port) in a thread of the test, which checks each post's signature as
docs/operations.md tells a receiver to, records what came, and can be told to
fail the next posts."""
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, header: str, body: bytes, tolerance: int | None = None, now=None) -> bool:
    """The receiver's check of ``X-Anqi-Signature`` (``t=<unix seconds>,v1=<hex>``),
    as docs/operations.md shows it; ``tolerance``: refuse a post signed longer ago."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        return False
    return tolerance is None or abs((now if now is not None else time.time()) - timestamp) <= tolerance


@dataclass
class Post:
    path: str
    headers: dict
    body: bytes
    signed: bool            # the signature matched the receiver's secret
    answered: int

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.headers.get("X-Anqi-Event", "")

    @property
    def delivery(self) -> int:
        return int(self.headers.get("X-Anqi-Delivery", 0))


@dataclass
class Receiver:
    secret: str = ""
    posts: list = field(default_factory=list)
    failing: int = 0                 # answer the next this many posts with ``fail_status``
    fail_status: int = 500
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, n: int, status: int = 500) -> None:
        with self.lock:
            self.failing, self.fail_status = n, status

    def accepted(self) -> list[Post]:
        return [p for p in self.posts if 200 <= p.answered < 300]

    def _answer(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = dict(handler.headers.items())
        signed = bool(self.secret) and verify(self.secret, headers.get("X-Anqi-Signature", ""), body)
        with self.lock:
            if self.failing:
                self.failing -= 1
                status = self.fail_status
            else:
                status = 200 if signed else 401
            self.posts.append(Post(handler.path, headers, body, signed, status))
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                receiver._answer(self)

            def log_message(self, *args):   # quiet: the test reads the posts, not stderr
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class Listener:
    """A bare socket on 127.0.0.1 that only counts the connections made to it:
    proof that anqi never connected to an address off the allow list."""

    def __init__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.setblocking(False)

    @property
    def port(self) -> int:
        return self.socket.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                connection, _ = self.socket.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self) -> None:
        self.socket.close()
