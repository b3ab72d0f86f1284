"""Security headers on every response, /metrics for the monitoring network or an admin, and
a Secure session cookie behind the documented TLS proxy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.app import create_app
from binalert.runtime import Runtime
from tests.api.conftest import World


def test_every_page_and_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/signin", "/api/v1/bins", "/health", "/static/site.css"):
        response = client.get(path, follow_redirects=False)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path


def test_the_api_docs_stay_public_and_framing_stays_forbidden(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and client.get("/openapi.json").status_code == 200
    assert docs.headers["x-frame-options"] == "DENY"
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_metrics_need_the_monitoring_network_or_an_admin(
    runtime: Runtime, client: TestClient, world: World
) -> None:
    assert client.get("/metrics").status_code == 401  # from outside, without a token
    assert client.get("/metrics", headers=world.auth("police")).status_code == 403
    assert client.get("/metrics", headers=world.auth("admin")).status_code == 200
    with TestClient(create_app(runtime), client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200  # BINALERT_METRICS_ALLOW: loopback


def test_the_session_cookie_is_secure_behind_the_tls_proxy(runtime: Runtime) -> None:
    app = ProxyHeadersMiddleware(create_app(runtime), trusted_hosts="127.0.0.1")
    with TestClient(app, client=("127.0.0.1", 40001)) as behind_proxy:  # type: ignore[arg-type]
        proxied = behind_proxy.get(
            "/signin", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        )
        plain = behind_proxy.get("/signin")
    assert "secure" in proxied.headers["set-cookie"].lower()
    assert "secure" not in plain.headers["set-cookie"].lower()
    with TestClient(app, client=("198.51.100.9", 40002)) as stranger:  # type: ignore[arg-type]
        spoofed = stranger.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in spoofed.headers["set-cookie"].lower()  # only the proxy is believed
