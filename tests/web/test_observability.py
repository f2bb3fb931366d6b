"""Request ids, JSON logs and Prometheus metrics (web/observability.py, logs.py)."""

from __future__ import annotations

import io
import logging
import re

import orjson
import pytest
from fastapi.testclient import TestClient

from programhub.logs import logging_config
from tests.support import Tenants


def test_every_answer_carries_a_request_id(client: TestClient, tenants: Tenants) -> None:
    ids = set()
    for path, headers in (
        ("/api/external/issuance/programs", tenants.a_test.bearer),
        ("/api/v1/programs", tenants.a_test.token),
        ("/api/v1/user_identities", {}),  # refused: an id all the same
        ("/nowhere", {}),
    ):
        response = client.get(path, headers=headers)
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"]), path
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 4


def test_a_callers_plain_request_id_is_kept_and_anything_else_replaced(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-Id": "trace-42.a:b"}).headers["x-request-id"] == "trace-42.a:b"
    for hostile in ("a b", "x" * 65, "%E9", "<script>"):
        answered = client.get("/healthz", headers={"X-Request-Id": hostile}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered), hostile


def test_the_access_line_and_the_answer_share_the_request_id(
    client: TestClient, tenants: Tenants, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="programhub.access"):
        response = client.get("/api/external/issuance/programs", headers=tenants.a_test.bearer)
    (line,) = [orjson.loads(r.getMessage()) for r in caplog.records if r.name == "programhub.access"]
    assert line["request_id"] == response.headers["x-request-id"]


def test_other_log_lines_are_json_with_the_request_id() -> None:
    """The server's formatter renders any logger's record as one JSON object, with the id of
    the request being served and the traceback."""
    import structlog

    spec = dict(logging_config()["formatters"]["json"])
    factory = spec.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**spec))
    loggers = [logging.getLogger("programhub.errors"), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        structlog.contextvars.bind_contextvars(request_id="abc123")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            loggers[0].exception("unhandled error on %s", "GET /x")
        structlog.contextvars.clear_contextvars()
        loggers[1].warning("plain %d", 7)
    finally:
        structlog.contextvars.clear_contextvars()
        for logger in loggers:
            logger.removeHandler(handler)
    first, second = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "unhandled error on GET /x" and first["request_id"] == "abc123"
    assert first["level"] == "error" and first["logger"] == "programhub.errors"
    assert "RuntimeError: boom" in first["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", first["time"])
    assert second["message"] == "plain 7" and "request_id" not in second


def test_metrics_in_prometheus_text(client: TestClient, tenants: Tenants) -> None:
    record = "/api/external/issuance"
    client.get(f"{record}/programs", headers=tenants.a_test.bearer)
    client.get(f"{record}/programs", headers=tenants.a_test.bearer)
    client.get(f"{record}/programs/prog_1779175802952_zlymqs", headers=tenants.a_test.bearer)
    client.get("/program/v1/nope")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert f'programhub_requests_total{{dialect="record",method="GET",route="{record}/programs",status="200"}} 2.0' in text
    assert (
        f'programhub_requests_total{{dialect="record",method="GET",route="{record}/programs/{{programId}}",status="404"}} 1.0'
        in text
    )
    assert 'programhub_requests_total{dialect="sunbird",method="GET",route="unrouted",status="404"} 1.0' in text
    assert f'programhub_request_duration_seconds_bucket{{dialect="record",le="+Inf",route="{record}/programs"}} 2.0' in text
    assert 'programhub_response_cache_lookups_total{result="miss"}' in text
    assert 'programhub_response_cache_lookups_total{result="hit"} 1.0' in text
    assert re.search(r'programhub_db_pool_size\{pool="transactions"\} \d+', text)
    assert "programhub_requests_in_flight" in text
