"""A misbehaving OpenAI-compatible chat server on 127.0.0.1, one named way at a time.

Used by tests/test_llm_failures.py (in a thread of the test process) and by
benchmarks/llm_failures.py. Run alone: ``python tests/llm_fake.py MODE [--port P]
[--lifetime S]``; it prints its base URL and exits after ``S`` seconds (default 60).

Modes (``MODES``): the well-behaved ``ok``; ``slow`` (every request hangs, ``/models``
included) and ``slow_chat``; ``trickle`` (chat answers one byte a second, for ``hang``
seconds before the real answer: each read is quick, the whole never ends); ``/models`` answering ``html``, ``nonjson`` or ``empty``;
chat answering ``chat_html``, ``chat_nonjson``, ``chat_empty``, ``badshape`` (JSON that is
no completion), ``nochoices``, ``nulltext``, ``chatty`` (assistant chatter), ``sparse``
(translates line 1, chatters otherwise: a weak model), ``huge`` (3 MB per line),
``echokey`` (answers with the bearer token, or the password of basic auth); ``refused``
(401 echoing the key in its body); ``ratelimit`` (429 with ``Retry-After``) and ``error`` (500).
``echo=True`` adds the request's Authorization header to every answer's headers, as a
careless gateway does; ``delay`` makes every chat answer take that many seconds.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = (
    "ok",
    "slow",
    "slow_chat",
    "trickle",
    "html",
    "nonjson",
    "empty",
    "chat_html",
    "chat_nonjson",
    "chat_empty",
    "badshape",
    "nochoices",
    "nulltext",
    "chatty",
    "sparse",
    "huge",
    "echokey",
    "refused",
    "ratelimit",
    "error",
)
MODEL = "m"
HTML = b"<html><body><h1>Welcome to the gateway</h1></body></html>"
#: Junk bodies by mode: (content type, body); "chat_*" modes send them to chat requests only.
JUNK = {
    "html": ("text/html", HTML),
    "nonjson": ("application/json", b"this is {not json"),
    "empty": ("application/json", b""),
}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hangs up mid-answer (as localize does past its limits) is no error here."""


class FakeLLM:
    """The server, serving in a daemon thread until :meth:`close` or ``lifetime`` seconds."""

    def __init__(
        self,
        mode: str,
        retry_after: str = "2",
        hang: float = 400.0,
        echo: bool = False,
        delay: float = 0.0,
        lifetime: float = 120.0,
        port: int = 0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
        self.mode, self.retry_after, self.echo = mode, retry_after, echo
        self.hang, self.delay = hang, delay
        self.requests: list[tuple[str, float]] = []  # ("GET /v1/models", time.monotonic()) ...
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._timer = threading.Timer(lifetime, self.close)
        self._timer.daemon = True
        self._timer.start()

    def posts(self) -> int:
        return sum(request.startswith("POST") for request, _ in self.requests)

    def close(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._timer.cancel()
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def answer_get(self, key: str) -> tuple[int, str, bytes]:
        if self.mode in JUNK:
            return (200, *JUNK[self.mode])
        if self.mode == "refused":
            return self._refused(key)
        return (
            200,
            "application/json",
            json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]}).encode(),
        )

    def answer_post(self, body: dict[str, Any], key: str) -> tuple[int, str, bytes]:
        ids = _asked_ids(body)
        if self.mode.startswith("chat_"):
            return (200, *JUNK[self.mode.removeprefix("chat_")])
        if self.mode == "refused":
            return self._refused(key)
        if self.mode in ("ratelimit", "error"):
            status = 429 if self.mode == "ratelimit" else 500
            return status, "application/json", json.dumps({"error": {"message": f"scripted {status}"}}).encode()
        if self.mode == "badshape":
            return 200, "application/json", b'{"foo": "bar"}'
        if self.mode == "nochoices":
            return 200, "application/json", json.dumps({"id": "c", "object": "chat.completion", "choices": []}).encode()
        texts = {
            "ok": lambda i: f"Line {i}",
            "trickle": lambda i: f"Line {i}",
            "nulltext": lambda i: None,
            "chatty": lambda i: "As an AI language model, I cannot translate this.",
            "sparse": lambda i: "Line 1" if i == 1 else "As an AI language model, I cannot translate this.",
            "huge": lambda i: "x" * 3_000_000,
            "echokey": lambda i: f"Sure, my key is {key}",
        }[self.mode]
        if not ids:  # a single line asked in plain text
            return 200, "application/json", _completion(texts(0))
        if self.mode == "nulltext":
            return 200, "application/json", _completion(None)
        return 200, "application/json", _completion(json.dumps({"lines": [{"id": i, "text": texts(i)} for i in ids]}))

    @staticmethod
    def _refused(key: str) -> tuple[int, str, bytes]:
        """A 401 that echoes the key, as some servers do."""
        return (
            401,
            "application/json",
            json.dumps(
                {"error": {"message": f"Incorrect API key provided: {key}", "code": "invalid_api_key"}}
            ).encode(),
        )


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            fake.requests.append((f"GET {self.path}", time.monotonic()))
            if fake.mode == "slow" and not self._wait(fake.hang):
                return
            self._send(*fake.answer_get(self._key()))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.requests.append((f"POST {self.path}", time.monotonic()))
            pause = fake.hang if fake.mode in ("slow", "slow_chat") else fake.delay
            if pause and not self._wait(pause):
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            self._send(*fake.answer_post(body, self._key()))

        def _key(self) -> str:
            """The bearer token, or the password of basic auth (a base URL with ``user:password@``)."""
            scheme, _, value = self.headers.get("Authorization", "").partition(" ")
            if scheme == "Basic":
                return base64.b64decode(value).decode(errors="replace").partition(":")[2]
            return value

        def _wait(self, seconds: float) -> bool:
            """Wait ``seconds``; False (and the connection dropped) when the server closed meanwhile."""
            if fake._stop.wait(seconds):
                self.close_connection = True
                return False
            return True

        def _send(self, status: int, kind: str, data: bytes) -> None:
            padding = int(fake.hang) if fake.mode == "trickle" and self.command == "POST" else 0
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(padding + len(data)))
            if status == 429:
                self.send_header("Retry-After", fake.retry_after)
            if fake.echo or fake.mode == "refused":
                self.send_header("X-Echo", self.headers.get("Authorization", ""))
            self.end_headers()
            with contextlib.suppress(OSError):
                if self._trickle(padding):
                    self.wfile.write(data)

        def _trickle(self, seconds: int) -> bool:
            """Whitespace (valid before JSON) one byte a second: a gateway's keep-alive padding, or a
            server stuck mid-answer. False when the server closed meanwhile."""
            for _ in range(seconds):
                self.wfile.write(b" ")
                self.wfile.flush()
                if not self._wait(1.0):
                    return False
            return True

    return Handler


def _asked_ids(body: dict[str, Any]) -> list[int]:
    """The line ids of a structured request (JSON rows of its last message)."""
    messages = body.get("messages") or [{}]
    rows = str(messages[-1].get("content", "")).splitlines()
    return [json.loads(row)["id"] for row in rows if row.startswith('{"id"')]


def _completion(content: str | None) -> bytes:
    return json.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    ).encode()


def free_port() -> int:
    """A loopback port nobody listens on (for a dead endpoint)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose listener never accepts and whose queue is full: connecting hangs
    (as to a firewalled host that drops packets)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued = [socket.socket() for _ in range(4)]
        for client in queued:
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", port))
        time.sleep(0.2)  # the kernel has queued what it will
        try:
            yield port
        finally:
            for client in queued:
                client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=60.0)
    parser.add_argument("--retry-after", default="2")
    args = parser.parse_args()
    fake = FakeLLM(args.mode, args.retry_after, lifetime=args.lifetime, port=args.port)
    print(fake.url, flush=True)
    fake._stop.wait(args.lifetime)


if __name__ == "__main__":
    main()
