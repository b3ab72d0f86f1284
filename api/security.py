"""Security headers on every response, and who may read /metrics.

The pages use no inline script or style (live.js and site.css are files), so the policy can
forbid both (media may also be a blob: the send page plays a recording back before it is
sent); the interactive API docs (/docs, /redoc) load Swagger's script from its CDN and
inline, so they get the other headers but not that policy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def tile_source(url: str) -> str:
    """The CSP source of a map tile URL's host ({s} subdomains as a wildcard), or ""."""
    if not url:
        return ""
    host = url.split("/")[2].replace("{s}", "*")
    return f"https://{host}"


def csp(tiles_url: str = "") -> str:
    """The policy, with images also from the map's tile server when there is one."""
    source = tile_source(tiles_url)
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {source}") if source else CSP


ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tiles_url: str = "") -> None:
        self.app = app
        self.policy = csp(tiles_url).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(ALWAYS)
        if not str(scope.get("path", "")).startswith(DOCS):
            extra.append((b"content-security-policy", self.policy))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(n, v) for n, v in extra if n not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """'127.0.0.1/32, 10.0.0.0/8' -> networks (a bad entry is a settings error)."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part]


def address_in(
    host: str | None, allowed: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return any(address in network for network in allowed)
