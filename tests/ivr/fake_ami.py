"""A tiny fake AMI server (asyncio, 127.0.0.1, random port) for the faults a real Asterisk
cannot produce on demand: refused logins, no FullyBooted, unanswered Pings, a connection
that drops with an Originate in flight."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
FULLY_BOOTED = {"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"}


def encode(headers: dict[str, str]) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n"


def decode(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode().split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            headers.setdefault(key, value)
    return headers


@dataclass
class Client:
    writer: asyncio.StreamWriter
    answer_pings: bool = True
    closed_by_peer: asyncio.Event = field(default_factory=asyncio.Event)

    def send(self, headers: dict[str, str]) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode(headers))


class FakeAmi:
    """Behaviour switches: accept_login, boot_on_login, originate ('drop' closes the
    connection as soon as an Originate arrives, 'queue_then_drop' first answers
    'successfully queued' as Asterisk does)."""

    def __init__(self) -> None:
        self.accept_login = True
        self.boot_on_login = True
        self.originate = "queue_then_drop"
        self.refused_filters: set[str] = set()  # Filter actions (MatchCriteria or Filter) refused
        self.actions: Counter[str] = Counter()
        self.clients: list[Client] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> FakeAmi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def logins(self) -> int:
        return self.actions["Login"]

    def push(self, headers: dict[str, str]) -> None:
        """An event to every connected client."""
        for client in self.clients:
            client.send(headers)

    def silence_pings(self) -> None:
        """Half-open: the current connections stay open but never answer a Ping again."""
        for client in self.clients:
            client.answer_pings = False

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client in self.clients:
            client.writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        client = Client(writer)
        self.clients.append(client)
        writer.write(BANNER)
        try:
            while True:
                self._handle(client, decode(await reader.readuntil(b"\r\n\r\n")))
        except (asyncio.IncompleteReadError, ConnectionError):
            client.closed_by_peer.set()
        finally:
            self.clients.remove(client)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._handlers.discard(task)

    def _handle(self, client: Client, action: dict[str, str]) -> None:
        name = action.get("Action", "")
        self.actions[name] += 1
        reply = {"Response": "Success", "ActionID": action.get("ActionID", "")}
        if name == "Login":
            self._login(client, reply)
        elif name == "Ping":
            if client.answer_pings:
                client.send(reply | {"Ping": "Pong", "Timestamp": "1700000000.000000"})
        elif name == "Filter" and (
            {action.get("MatchCriteria"), action.get("Filter")} & self.refused_filters
        ):
            client.send(
                reply | {"Response": "Error", "Message": "Filter was formatted incorrectly"}
            )
        elif name == "Originate":
            if self.originate == "queue_then_drop":
                client.send(reply | {"Message": "Originate successfully queued"})
            client.writer.close()
        else:
            client.send(reply)

    def _login(self, client: Client, reply: dict[str, str]) -> None:
        if not self.accept_login:
            client.send(reply | {"Response": "Error", "Message": "Authentication failed"})
            return
        client.send(reply | {"Message": "Authentication accepted"})
        if self.boot_on_login:
            client.send(FULLY_BOOTED)
