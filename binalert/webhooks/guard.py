"""Resolve a webhook URL's host, check every address it resolves to, and pin the request to
a checked address (so a second, different answer from DNS is never what gets connected to).

The request goes to the address itself; the Host header and, for https, the TLS server name
(httpx's `sni_hostname` extension) stay the URL's host, so the certificate is still verified
against the name the police system registered.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import httpx

from binalert.webhooks.addresses import Address, AddressPolicy, Refused, Target, target_of

Resolver = Callable[[str, int], Sequence[Address]]


class Unresolved(Exception):
    """The host name does not resolve (now): a send is tried again later."""


def system_resolve(host: str, port: int) -> list[Address]:
    """Every address getaddrinfo gives for `host` (a blocking call: run it in a thread)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Unresolved("the URL's host name does not resolve") from error
    found: list[Address] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(info[4][0])
        except ValueError as error:
            raise Refused("the URL's host resolves to an unreadable address") from error
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class Pinned:
    """A request to one checked address, for the URL's host."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def pin(target: Target, address: Address) -> Pinned:
    url = target.url.copy_with(host=str(address))
    headers = {"Host": target.url.netloc.decode("ascii")}
    https = target.url.scheme == "https"
    return Pinned(url, headers, {"sni_hostname": target.host} if https else {})


@dataclass(frozen=True)
class UrlGuard:
    """The address policy applied to what a URL's host resolves to, at registration and at
    each send."""

    policy: AddressPolicy
    resolver: Resolver | None = None

    def _resolve(self, target: Target) -> Sequence[Address]:
        literal = target.literal
        if literal is not None:
            return [literal]
        addresses = (self.resolver or system_resolve)(target.host, target.port)
        if not addresses:
            raise Unresolved("the URL's host name does not resolve")
        return addresses

    def check_registration(self, url: str) -> None:
        """Refused if the host is, or resolves to, a refused address. A name that does not
        resolve now is let through: every send resolves and checks again."""
        target = target_of(url)
        try:
            addresses = self._resolve(target)
        except Unresolved:
            return
        self.policy.check_all(addresses, resolved=target.literal is None)

    async def addresses(
        self, url: str, executor: Executor | None = None
    ) -> tuple[Target, Sequence[Address]]:
        """For a send: the target and its addresses, every one of them allowed."""
        target = target_of(url)
        loop = asyncio.get_running_loop()
        addresses = await loop.run_in_executor(executor, self._resolve, target)
        self.policy.check_all(addresses, resolved=target.literal is None)
        return target, addresses
