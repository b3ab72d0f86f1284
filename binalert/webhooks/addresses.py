"""Which addresses may receive webhooks: a pure policy, no network.

Refused: loopback, private, link-local, site-local, shared (100.64.0.0/10), multicast,
reserved and other non-global addresses, also when written as IPv4-mapped, NAT64 or 6to4
IPv6. An admin may allow networks (BINALERT_WEBHOOK_ALLOW_NETWORKS); cloud metadata and
unspecified addresses stay refused whatever the allow list says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SHARED = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
METADATA_REASON = "a cloud metadata address"
UNSPECIFIED_REASON = "an unspecified address"
NEVER_ALLOWED = frozenset({METADATA_REASON, UNSPECIFIED_REASON})


class Refused(Exception):
    """A webhook URL or address the policy refuses; the message says why (never the URL).
    `allowable`: an admin could allow it (BINALERT_WEBHOOK_ALLOW_NETWORKS)."""

    def __init__(self, message: str, allowable: bool = False) -> None:
        super().__init__(message)
        self.allowable = allowable


def parse_networks(spec: str) -> tuple[Network, ...]:
    """'10.20.0.0/16, fd12::/64' -> networks (a bad entry raises ValueError)."""
    parts = (p.strip() for p in spec.split(","))
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)


def effective(address: Address) -> Address:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def _special(address: Address) -> str | None:
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in SHARED:
        return "a shared (carrier-grade NAT) address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a private address"
    return None if address.is_global else "not a public address"


def refusal(address: Address) -> str | None:
    """Why `address` may not receive webhooks, before any allow list; None: it may."""
    address = effective(address)
    if address in METADATA:
        return METADATA_REASON
    if address.is_unspecified:
        return UNSPECIFIED_REASON
    return _special(address)


@dataclass(frozen=True)
class AddressPolicy:
    """The refusals above, minus the networks an admin allowed."""

    allowed: tuple[Network, ...] = ()

    @classmethod
    def from_spec(cls, spec: str) -> AddressPolicy:
        return cls(parse_networks(spec))

    def refusal(self, address: Address) -> str | None:
        reason = refusal(address)
        if reason is None or reason in NEVER_ALLOWED:
            return reason
        plain = effective(address)
        return None if any(plain in net for net in self.allowed) else reason

    def check_all(self, addresses: Iterable[Address], resolved: bool) -> None:
        """Refused if any one address is (a name must not resolve to a refused address)."""
        for address in addresses:
            reason = self.refusal(address)
            if reason is not None:
                verb = "resolves to" if resolved else "is"
                raise Refused(f"the URL's host {verb} {reason}", reason not in NEVER_ALLOWED)


@dataclass(frozen=True)
class Target:
    """Where a webhook URL points: its scheme, host (a name or an address) and port."""

    url: httpx.URL
    host: str
    port: int

    @property
    def literal(self) -> Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def key(self) -> str:
        """One receiver: its scheme, host and port."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.url.scheme}://{host}:{self.port}"


def target_of(url: str) -> Target:
    """The URL as the HTTP client reads it: http(s) only, a host, no user name or password."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise Refused("the URL cannot be read") from error
    if parsed.scheme not in ("http", "https"):
        raise Refused("only http and https URLs can receive webhooks")
    if parsed.userinfo:
        raise Refused("a URL with a user name or password is refused (use the secret)")
    if not parsed.host:
        raise Refused("the URL has no host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return Target(parsed, parsed.host, port)
