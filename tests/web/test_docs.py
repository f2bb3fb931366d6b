"""/docs works offline (every asset from the package) and / says where everything is."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_loads_only_its_own_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<script>" not in page.text  # no inline script: the policy allows none
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced == ["/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/docs.js"]
    for asset in referenced:
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 100, asset
        assert "://" not in answer.text[:2000] or asset.endswith("bundle.js"), asset
    assert client.get("/docs/assets/docs.js").headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    assert client.get("/docs/assets/../../settings.py").status_code == 404
    assert client.get("/docs/assets/nope.js").status_code == 404


def test_the_root_points_at_the_documentation_and_the_four_apis(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200
    body = index.json()
    assert body["documentation"] == "/docs" and body["openapi"] == "/openapi.json"
    assert body["apis"] == {
        "record": "/api/external/issuance",
        "catalog": "/api/v1",
        "sunbird": "/program/v1",
        "webadmit": "/api/v1/user_identities",
    }
    assert client.get(body["openapi"]).status_code == 200
