"""Errors on REST routes (behavior.md "Errors", protocols.md B2 and B7): every one is a
`google.rpc.Status` JSON body with `application/json` and the canonical HTTP status, whether the
gateway made it (no route, wrong method, too large, wrong content type, backend down, deadline,
invalid reply) or the backend did (every gRPC code, with `grpc-status-details-bin` details
rendered as JSON). CORS headers are on errors too.
"""

import base64
import json

import pytest

import http1
import processes
import rest
from gateway_config import ALLOWED_ORIGIN, MAX_REQUEST_BODY, REFUSED_ORIGIN
from rest import assert_error, describe, request

# B2: gRPC code → HTTP status.
HTTP_STATUS = {
    1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429,
    9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
}
# Sent percent-encoded as grpc-message by grpcio; the client must get it decoded.
TRICKY_MESSAGE = "100% sure: café ✓ \"quoted\"\nline 2"


def test_no_route_is_404_json(rest_gateway):
    status, ctype, body = rest.curl_json(f"{rest_gateway.url}/v2/nothing/here")
    assert (status, ctype) == (404, "application/json")
    error = json.loads(body)
    assert error["code"] == 5
    assert "/v2/nothing/here" in error["message"]
    assert error["details"] == []


def test_wrong_method_is_405_with_allow(rest_gateway):
    """/v1/shelves/s/books/b is GET (GetBook), PATCH (UpdateBook) and DELETE (DeleteBook)."""
    response = request(rest_gateway, "POST", "/v1/shelves/s/books/b", json_body={})
    assert_error(response, 405, 12)
    allowed = {m.strip() for m in response.header("allow").split(",")}
    assert allowed == {"GET", "PATCH", "DELETE"}, describe(response)


def test_body_too_large_is_413(rest_gateway):
    body = json.dumps({"string_value": "x" * (MAX_REQUEST_BODY + 10)}).encode()
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=body)
    assert_error(response, 413, 8)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/grpc"])
def test_unsupported_content_type_is_415(rest_gateway, content_type):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", content_type)], body=b"{}")
    assert_error(response, 415, 3, content_type)


def test_json_content_types_are_accepted(rest_gateway):
    for content_type in ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"]:
        response = request(
            rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", content_type)], body=b'{"int32Value": 1}'
        )
        assert rest.echoed(response) == {"int32_value": 1}, content_type


def test_backend_unreachable_is_503(start_gateway):
    dead = start_gateway(f"127.0.0.1:{processes.free_port()}", services=rest.SERVICES, http=rest.REST_HTTP)
    response = request(dead, "GET", "/v1/search?int32_value=1", timeout=10)
    assert_error(response, 503, 14)


def test_deadline_is_504(rest_gateway):
    response = request(
        rest_gateway, "POST", "/v1/echo", headers=[("grpc-timeout", "200m")], json_body={"sleep_ms": 3000}
    )
    assert_error(response, 504, 4)
    assert response.head_at - response.sent_at < 1.5, "the deadline was not applied"


def test_invalid_backend_reply_is_502(rest_gateway):
    """The backend's reply is not a valid RuleReply (a truncated field): behavior.md lists
    "backend reply not valid gRPC → 502 (code 13)"; issue 4 "invalid backend reply 502"."""
    response = request(rest_gateway, "GET", "/v1/garbage")
    assert_error(response, 502, 13)


@pytest.mark.parametrize("code", sorted(HTTP_STATUS))
def test_backend_code_maps_to_http_status(rest_gateway, code):
    query = "message=" + "".join(f"%{b:02X}" for b in TRICKY_MESSAGE.encode())
    response = request(rest_gateway, "GET", f"/v1/fail/{code}?{query}")
    error = assert_error(response, HTTP_STATUS[code], code)
    assert error["message"] == TRICKY_MESSAGE
    assert error["details"] == []


@pytest.mark.parametrize("headers_first", [False, True], ids=["trailers-only", "after-headers"])
def test_error_details_are_rendered(rest_gateway, headers_first):
    """grpc-status-details-bin → `details`: known types as JSON with @type (a WKT under "value"),
    an unknown type as base64 "value"."""
    query = f"message=invalid%20book&details=true&retry.retry_delay=2.25s&headers_first={str(headers_first).lower()}"
    response = request(rest_gateway, "GET", f"/v1/fail/3?{query}")
    error = assert_error(response, 400, 3)
    assert error["message"] == "invalid book"
    assert error["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [
                {"field": "book.title", "description": "must not be empty"},
                {"field": "book.pages", "description": "must be positive"},
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.250s"},
        {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "3s"},
        {"@type": "type.example.com/acme.NotLoaded", "value": base64.b64encode(b"\x08\x2a").decode()},
    ]


def test_gateway_errors_carry_cors_headers(rest_gateway):
    """A browser must see the status, not a CORS failure, whoever made the error."""
    origin = [("Origin", ALLOWED_ORIGIN)]
    big = json.dumps({"string_value": "x" * (MAX_REQUEST_BODY + 10)}).encode()
    cases = {
        "404": request(rest_gateway, "GET", "/v2/none", headers=origin),
        "405": request(rest_gateway, "PUT", "/v1/search", headers=origin, body=b"{}"),
        "400 query": request(rest_gateway, "GET", "/v1/search?nope=1", headers=origin),
        "400 json": request(rest_gateway, "POST", "/v1/echo", headers=origin + [("Content-Type", "application/json")], body=b"{"),
        "413": request(rest_gateway, "POST", "/v1/echo", headers=origin + [("Content-Type", "application/json")], body=big),
        "415": request(rest_gateway, "POST", "/v1/echo", headers=origin + [("Content-Type", "text/plain")], body=b"{}"),
        "backend 404": request(rest_gateway, "GET", "/v1/fail/5?message=gone", headers=origin),
        "504": request(rest_gateway, "POST", "/v1/echo", headers=origin + [("grpc-timeout", "100m")], json_body={"sleep_ms": 2000}),
    }
    for name, response in cases.items():
        assert response.status >= 400, f"{name}: {describe(response)}"
        assert response.header("access-control-allow-origin") == ALLOWED_ORIGIN, f"{name}: {describe(response)}"
        assert "application/json" == response.header("content-type"), name


def test_refused_origin_gets_no_cors_headers_on_errors(rest_gateway):
    response = request(rest_gateway, "GET", "/v2/none", headers=[("Origin", REFUSED_ORIGIN)])
    assert_error(response, 404, 5)
    assert response.header("access-control-allow-origin") is None


def test_gateway_keeps_serving_on_the_same_connection_after_errors(rest_gateway):
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        for path, status in [("/v2/none", 404), ("/v1/search?bad=1", 400), ("/v1/fail/7?message=no", 403),
                             ("/v1/search?int32_value=1", 200)]:
            connection.send_request("GET", path)
            response = connection.read_response(method="GET")
            assert response.status == status, describe(response)


def test_preflight_for_a_rest_route_is_answered_by_the_gateway(rest_gateway):
    response = request(
        rest_gateway,
        "OPTIONS",
        "/v1/shelves/s/books/b",
        headers=[
            ("Origin", ALLOWED_ORIGIN),
            ("Access-Control-Request-Method", "PATCH"),
            ("Access-Control-Request-Headers", "content-type,authorization"),
        ],
    )
    assert response.status == 204, describe(response)
    assert response.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert "PATCH" in response.header("access-control-allow-methods")
    assert response.header("access-control-allow-headers") == "content-type,authorization"
