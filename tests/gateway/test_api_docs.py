"""The API docs work without internet: Swagger UI and ReDoc load their assets from the suite."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_every_asset_from_the_gateway(gateway: TestClient, page: str) -> None:
    html = gateway.get(page)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, html.text
    for asset in assets:
        assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
        answer = gateway.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 1000, asset
    assert "/openapi.json" in html.text


def test_swagger_ui_keeps_the_bearer_authorisation(gateway: TestClient) -> None:
    assert '"persistAuthorization": true' in gateway.get("/docs").text
    schemes = gateway.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key of the suite.",
    }


def test_operations_for_the_gateway_alone_are_not_in_the_public_document(
    gateway: TestClient,
) -> None:
    paths = gateway.get("/openapi.json").json()["paths"]
    assert "/api/v1/reports/projects" not in paths
    assert "/api/v1/reports/sources-and-uses" in paths
