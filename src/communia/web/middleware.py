"""Pure ASGI middlewares: request-size limit and security headers."""

from __future__ import annotations

import json

__all__ = ["BodySizeLimit", "SecurityHeaders"]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Answer 413 with a French message when a request body exceeds ``max_bytes``, or the
    limit of ``paths`` (exact path -> bytes) for the few pages that take larger files."""

    def __init__(self, app, max_bytes: int, paths: dict[str, int] | None = None) -> None:
        self.app, self.max_bytes, self.paths = app, max_bytes, dict(paths or {})

    async def _reject(self, scope, send, limit: int) -> None:
        mb = limit / (1024 * 1024)
        message = f"Envoi trop volumineux : la limite est de {mb:.0f} Mo."
        if scope["path"].startswith(("/api/", "/v1/")):
            body = json.dumps({"error": "trop_volumineux", "message": message}).encode()
            ctype = b"application/json"
        else:
            body = (
                "<!doctype html><html lang=fr><meta charset=utf-8><title>Envoi trop volumineux"
                f"</title><main><h1>Envoi trop volumineux</h1><p>{message}</p>"
                '<p><a href="javascript:history.back()">Revenir</a></p></main></html>'
            ).encode()
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.paths.get(scope["path"], self.max_bytes)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._reject(scope, send, limit)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(scope, send, limit)


class SecurityHeaders:
    """Default security headers; a route may set its own (e.g. an embeddable widget)."""

    DEFAULTS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), geolocation=()"),
    )

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in self.DEFAULTS:
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
