"""Security headers on every response, and the Content-Security-Policy of the SPA.

The SPA's ``index.html`` carries two inline scripts (the theme applied before first paint, and
SvelteKit's bootstrap). Rather than allowing inline script, the policy lists the SHA-256 of each
inline script of the very file being served, computed when the app starts: a build that changes
them changes the hashes with it, and any other inline script (an injected one) is refused.
Styles allow ``'unsafe-inline'``: Svelte and the component library write ``style`` attributes
into their templates, and styles cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)

# Every response, whatever it is.
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# API responses are data, never a document: nothing may load from them or frame them, and no cache
# (a shared or the browser's) keeps account data.
API_HEADERS = {
    **COMMON_HEADERS,
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
# The interactive docs (Swagger UI, served outside production only) load from a CDN with an inline
# script: they keep FastAPI's page and get no CSP.
_DOCS_PATHS = ("/api/docs", "/api/docs/oauth2-redirect")


def inline_script_hashes(index_html: bytes) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(index_html)
    ]


def spa_policy(spa_dir: Path) -> str:
    index = spa_dir / "index.html"
    hashes = inline_script_hashes(index.read_bytes()) if index.is_file() else []
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join(["'self'", *hashes]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",  # blob: posters fetched with the access token
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, spa_policy: str, hsts_max_age: int | None) -> None:
        self.app = app
        self.spa_headers = {**COMMON_HEADERS, "Content-Security-Policy": spa_policy}
        self.hsts = f"max-age={hsts_max_age}; includeSubDomains" if hsts_max_age is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in _DOCS_PATHS:
            headers = COMMON_HEADERS
        elif path == "/api" or path.startswith("/api/") or path == "/metrics":
            headers = API_HEADERS
        else:
            headers = self.spa_headers  # the SPA and its assets (which keep their own caching)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                sent = headers
                if headers is API_HEADERS and any(k.lower() == b"cache-control" for k, _ in own):
                    # A route that says how its answer may be cached (a poster: private, a day) keeps it.
                    sent = {k: v for k, v in headers.items() if k != "Cache-Control"}
                names = {k.encode().lower() for k in sent}
                if self.hsts:
                    names.add(b"strict-transport-security")
                kept = [(k, v) for k, v in own if k.lower() not in names]
                added = [(k.lower().encode(), v.encode()) for k, v in sent.items()]
                if self.hsts:
                    added.append((b"strict-transport-security", self.hsts.encode()))
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
