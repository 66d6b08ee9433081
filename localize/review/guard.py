"""The review server's gate: every request carries the access token, every response the security headers.

The page gets the token once, in the URL it is opened with (``/?token=...``); that answer
sets an HttpOnly, SameSite=Strict cookie so the page's own loads (script, style, video,
subtitle track, dub lines) pass, and the page sends the token in the ``X-Localize-Token``
header on its API calls. A request that changes anything (any method but GET and HEAD)
needs the header: a cookie alone never suffices, so another site cannot post to the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse

HEADER = "x-localize-token"
SAFE_METHODS = ("GET", "HEAD")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same(given: str | None, token: str) -> bool:
    """Constant-time comparison of a presented token (any text) with the real one."""
    return given is not None and secrets.compare_digest(given.encode("utf-8", "replace"), token.encode())


class Guard:
    """ASGI middleware: 403 without the token; security headers (and the token cookie) on every answer."""

    def __init__(self, app: Callable[..., Awaitable[None]], token: str, cookie: str) -> None:
        self.app, self.token, self.cookie = app, token, cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        allowed, by_query = self.allowed(request)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)]
                headers += SECURITY_HEADERS
                if by_query:
                    headers.append(
                        (b"set-cookie", f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode())
                    )
                message["headers"] = headers
            await send(message)

        if not allowed:
            response = PlainTextResponse(
                "Forbidden: this review server needs its access token",
                status_code=403,
                headers={"cache-control": "no-store"},
            )
            await response(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)

    def allowed(self, request: Request) -> tuple[bool, bool]:
        """(may pass, passed by the URL's token): header anywhere; cookie, or the URL on the page, for reads only."""
        header = request.headers.get(HEADER)
        if header is not None:
            return same(header, self.token), False
        if request.method not in SAFE_METHODS:
            return False, False
        if same(request.cookies.get(self.cookie), self.token):
            return True, False
        by_query = request.url.path == "/" and same(request.query_params.get("token"), self.token)
        return by_query, by_query
