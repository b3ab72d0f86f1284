"""A local webhook receiver on 127.0.0.1: records requests, answers scripted statuses, or
answers badly on purpose (a trickle, an endless body), over HTTP or TLS."""

from __future__ import annotations

import datetime
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CHUNK = 64 * 1024


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # when it arrived


@dataclass
class Receiver:
    url: str
    port: int = 0
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    answering: threading.Event = field(default_factory=threading.Event)  # a slow answer began
    cut_off: threading.Event = field(default_factory=threading.Event)  # ... and was hung up on
    stopping: threading.Event = field(default_factory=threading.Event)
    sent_bytes: int = 0
    server_names: list[str | None] = field(default_factory=list)  # TLS SNI, in turn

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


Answer = Callable[[BaseHTTPRequestHandler, Receiver], None]


def quick(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
    handler.send_response(receiver.next_status())
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def trickle(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
    """A status line, then a header one byte every 0.2 s, for as long as anyone listens."""
    receiver.answering.set()
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not receiver.stopping.wait(0.2):
            handler.wfile.write(b"z")
            handler.wfile.flush()
    except OSError:
        receiver.cut_off.set()


def endless(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
    """200 with a 400 MB body, written as fast as it is read; 64 MB of it at most (then the
    rest is owed until the end of the test)."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(400 * 1024 * 1024))
    handler.end_headers()
    receiver.answering.set()
    zeros = b"\0" * CHUNK
    try:
        while receiver.sent_bytes < 64 * 1024 * 1024 and not receiver.stopping.is_set():
            handler.wfile.write(zeros)
            receiver.sent_bytes += CHUNK
        receiver.stopping.wait(30)
    except OSError:
        receiver.cut_off.set()


@contextmanager
def webhook_receiver(
    statuses: list[int] | None = None,
    answer: Answer = quick,
    tls: ssl.SSLContext | None = None,
) -> Iterator[Receiver]:
    receiver = Receiver(url="", statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            receiver.arrived.set()
            answer(self, receiver)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    scheme = "http"
    if tls is not None:
        tls.sni_callback = lambda _sock, name, _ctx: receiver.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    receiver.url = f"{scheme}://127.0.0.1:{receiver.port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def tls_contexts(host_name: str, folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client): a throwaway CA, a certificate for `host_name` signed by it, and a
    client context that trusts only that CA (and checks host names)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder(issuer_name=_name("binalert CA"), subject_name=_name("binalert CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder(issuer_name=ca.subject, subject_name=_name(host_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "leaf.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
