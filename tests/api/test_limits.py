"""Request bodies are limited before they are read (413), whoever sends them; a CSV file of
the documented size goes through the API and through the pages alike."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi.testclient import TestClient

from api.limits import DEFAULT_LIMIT, IMPORT_LIMIT
from binalert.members import csvio
from tests.api.conftest import World


def test_a_huge_json_body_is_refused_before_anything_reads_it(client: TestClient) -> None:
    body = b'{"bin_ids": [1], "x": "' + b"a" * (DEFAULT_LIMIT + 10) + b'"}'
    response = client.post(
        "/api/v1/alerts", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413  # not 401: the body is refused before the token
    assert response.json()["error"] == "too_large" and response.json()["error_id"]


def test_a_huge_chunked_body_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 64 * 1024  # 2.5 MB without a Content-Length

    response = client.post("/api/v1/alerts", content=chunks())
    assert response.status_code == 413


def test_a_lying_content_length_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/alerts", content=b"{}", headers={"Content-Length": "x"})
    assert response.status_code in (400, 413)


def _csv(rows: int) -> bytes:
    lines = ["name,phone,language"]
    lines += [
        f"Lid {i} {'x' * 60},050 {i // 10000 % 100:02d} {i % 10000:04d},nl" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_a_csv_of_the_documented_size_goes_through_the_api(
    client: TestClient, world: World
) -> None:
    data = _csv(11_000)
    assert 768 * 1024 < len(data) <= csvio.MAX_BYTES
    response = client.post(
        f"/api/v1/bins/{world.bin_a}/members/import",
        files={"file": ("members.csv", data, "text/csv")},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["imported"] == 11_000
    too_big = client.post(
        f"/api/v1/bins/{world.bin_a}/members/import",
        files={"file": ("members.csv", b"x" * (IMPORT_LIMIT + 1), "text/csv")},
        headers=world.auth("coordinator"),
    )
    assert too_big.status_code == 413


def test_the_pages_import_what_the_api_imports(client: TestClient, world: World) -> None:
    """The check-then-confirm import carried the file in one form field, which broke at
    ~768 KB on the 1 MB limit per form field."""
    signin = client.get("/signin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', signin.text).group(1)  # type: ignore[union-attr]
    client.post("/signin/token", data={"csrf_token": csrf, "token": world.tokens["coordinator"]})
    form = client.get(f"/bins/{world.bin_a}/members/import")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = _csv(11_000)
    checked = client.post(
        f"/bins/{world.bin_a}/members/import",
        data={"csrf_token": csrf},
        files={"file": ("members.csv", data, "text/csv")},
    )
    assert checked.status_code == 200, checked.text[:300]
    parts = re.findall(r'name="payload" value="([^"]+)"', checked.text)
    assert len(parts) > 1
    confirmed = client.post(
        f"/bins/{world.bin_a}/members/import/confirm",
        data={"csrf_token": csrf, "payload": parts},
        follow_redirects=False,
    )
    assert confirmed.status_code in (302, 303), confirmed.text[:300]
    assert "imported=11000" in confirmed.headers["location"]
