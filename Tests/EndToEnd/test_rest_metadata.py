"""Metadata and deadlines on REST routes (behavior.md "Metadata and deadlines").

To the backend: `authorization`, the headers named in `http.forward_headers` (`x-tenant` in the
shared REST gateway), and `grpc-metadata-<k>` as `<k>`; `x-forwarded-for/-host/-proto` added;
nothing else a browser or curl sends. From the backend: response metadata as
`grpc-metadata-<k>` headers, trailers as `grpc-trailer-<k>`. Deadlines: the client's
`grpc-timeout`, a route's `timeout` and `max_timeout`; streams have no default timeout.

The backend returns every metadata entry it received (`metadata`), and echoes `x-echo-*` request
metadata as initial metadata and as `x-trailer-echo-*` trailers.
"""

import base64

import pytest

import rest
from rest import assert_error, describe, ok_json, request

# Headers that carry nothing for a gRPC service; a REST gateway must not leak them as metadata.
ORDINARY_HEADERS = [
    ("X-Random", "no"),
    ("Cookie", "session=secret"),
    ("Accept-Language", "fr"),
    ("User-Agent", "curl/8"),
    ("Referer", "http://example.com/"),
]


def received(response):
    return ok_json(response)["metadata"]


def test_authorization_and_configured_headers_are_forwarded(rest_gateway):
    response = request(
        rest_gateway,
        "POST",
        "/v1/echo",
        headers=[("Authorization", "Bearer t0k3n"), ("X-Tenant", "acme"), *ORDINARY_HEADERS],
        json_body={},
    )
    metadata = received(response)
    assert metadata["authorization"] == "Bearer t0k3n"
    assert metadata["x-tenant"] == "acme"
    for name, _ in ORDINARY_HEADERS:
        assert name.lower() not in metadata, f"{name} reached the backend: {metadata}"


def test_grpc_metadata_prefix_is_stripped(rest_gateway):
    blob = bytes(range(250, 256)) + b"\x00\x01"
    response = request(
        rest_gateway,
        "GET",
        "/v1/echo/m1",
        headers=[
            ("Grpc-Metadata-X-Trace", "abc-123"),
            ("grpc-metadata-x-blob-bin", base64.b64encode(blob).decode().rstrip("=")),
        ],
    )
    metadata = received(response)
    assert metadata["x-trace"] == "abc-123"
    assert base64.b64decode(metadata["x-blob-bin"]) == blob
    assert not any(k.startswith("grpc-metadata") for k in metadata), metadata


def test_reserved_and_hop_by_hop_names_are_not_forwarded(rest_gateway):
    """`grpc-metadata-grpc-*` would set the backend's protocol headers; a header named in
    `Connection` is hop-by-hop even if configured for forwarding."""
    response = request(
        rest_gateway,
        "POST",
        "/v1/echo",
        headers=[
            ("Grpc-Metadata-Grpc-Encoding", "bogus"),
            ("Grpc-Metadata-Te", "gzip"),
            ("Connection", "keep-alive, X-Tenant"),
            ("X-Tenant", "acme"),
            ("Grpc-Status", "3"),
        ],
        json_body={},
    )
    metadata = received(response)
    assert "grpc-encoding" not in metadata and "te" not in metadata and "grpc-status" not in metadata, metadata
    assert "x-tenant" not in metadata, metadata


def test_x_forwarded_headers(rest_gateway):
    plain = received(request(rest_gateway, "POST", "/v1/echo", json_body={}))
    assert plain["x-forwarded-for"] == "127.0.0.1"
    assert plain["x-forwarded-proto"] == "http"
    assert plain["x-forwarded-host"] == f"127.0.0.1:{rest_gateway.port}"
    chained = received(
        request(rest_gateway, "POST", "/v1/echo", headers=[("X-Forwarded-For", "203.0.113.7")], json_body={})
    )
    assert chained["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"


def test_response_metadata_and_trailers_become_headers(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("grpc-metadata-x-echo-color", "teal")], json_body={})
    assert response.status == 200, describe(response)
    assert response.header("grpc-metadata-x-echo-color") == "teal"
    assert response.header("grpc-trailer-x-trailer-echo-color") == "teal"


def test_response_metadata_on_an_error(rest_gateway):
    """An error after headers: the headers' metadata as grpc-metadata-*, the trailers as
    grpc-trailer-* (behavior.md: "trailers as grpc-trailer-<k> where headers are still unsent")."""
    response = request(
        rest_gateway,
        "GET",
        "/v1/fail/9?message=no&headers_first=true",
        headers=[("grpc-metadata-x-echo-color", "teal")],
    )
    assert_error(response, 400, 9)
    assert response.header("grpc-metadata-x-echo-color") == "teal", describe(response)
    assert response.header("grpc-trailer-x-trailer-echo-color") == "teal", describe(response)


def test_response_metadata_on_a_stream(rest_gateway):
    response = request(
        rest_gateway, "GET", "/v1/shelves/s/books:stream?count=1", headers=[("grpc-metadata-x-echo-color", "teal")]
    )
    assert response.status == 200, describe(response)
    assert response.header("grpc-metadata-x-echo-color") == "teal"


# Deadlines.

TIMEOUTS = "timeout: 300ms, max_timeout: 600ms"


@pytest.fixture(scope="module")
def timeout_gateway(start_gateway, backend):
    """HTTPRuleService routed with a default deadline of 300 ms and a cap of 600 ms."""
    return start_gateway(
        backend.address,
        services=rest.SERVICES,
        http=rest.REST_HTTP,
        route_options={rest.RULES_SERVICE: TIMEOUTS},
    )


def elapsed(response):
    return response.head_at - response.sent_at


def test_client_grpc_timeout_is_honoured(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("grpc-timeout", "150m")], json_body={"sleep_ms": 3000})
    assert_error(response, 504, 4)
    assert elapsed(response) < 1.0


def test_client_grpc_timeout_long_enough_succeeds(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("grpc-timeout", "5S")], json_body={"sleep_ms": 100})
    assert ok_json(response)["method"] == "Echo"


def test_invalid_grpc_timeout_is_400(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("grpc-timeout", "123456789S")], json_body={})
    assert_error(response, 400, 3, "grpc-timeout")


def test_route_default_timeout(timeout_gateway):
    response = request(timeout_gateway, "POST", "/v1/echo", json_body={"sleep_ms": 3000})
    assert_error(response, 504, 4)
    assert 0.2 < elapsed(response) < 1.5, elapsed(response)


def test_route_max_timeout_caps_the_client(timeout_gateway):
    response = request(
        timeout_gateway, "POST", "/v1/echo", headers=[("grpc-timeout", "10S")], json_body={"sleep_ms": 3000}
    )
    assert_error(response, 504, 4)
    assert 0.4 < elapsed(response) < 2.0, elapsed(response)


def test_route_timeout_leaves_fast_calls_alone(timeout_gateway):
    assert ok_json(request(timeout_gateway, "POST", "/v1/echo", json_body={"sleep_ms": 50}))["method"] == "Echo"


def test_streams_have_no_default_timeout(timeout_gateway):
    """1.2 s of stream on a route whose default timeout is 300 ms: not cut."""
    response = request(timeout_gateway, "GET", "/v1/shelves/s/books:stream?count=4&interval_ms=400")
    assert response.status == 200, describe(response)
    lines = rest.ndjson_lines(response.body)
    assert [line.get("id") for line in lines] == ["0", "1", "2", "3"], lines


def test_deadline_in_the_middle_of_a_stream_is_an_error_line(rest_gateway):
    """A client deadline that passes after messages were sent: NDJSON ends with the error line
    (code 4), not with a clean-looking end."""
    response = request(
        rest_gateway, "GET", "/v1/shelves/s/books:stream?count=5&interval_ms=300", headers=[("grpc-timeout", "700m")]
    )
    assert response.status == 200, describe(response)
    lines = rest.ndjson_lines(response.body)
    assert 1 <= len(lines) - 1 < 5, lines
    assert lines[-1]["error"]["code"] == 4, lines[-1]
