"""CORS: the gateway answers preflights itself from the configured origins, and puts CORS headers
on every response to an allowed origin, errors included, so a browser sees the gRPC status."""

import clients
import grpcweb
import http1
from gateway_config import ALLOWED_ORIGIN, CORS_MAX_AGE_SECONDS, REFUSED_ORIGIN
from testing.v1 import testing_pb2 as pb

REQUESTED_HEADERS = ["content-type", "x-grpc-web", "x-user-agent", "x-echo-foo"]


def names(value):
    return {name.strip().lower() for name in (value or "").split(",") if name.strip()}


def preflight(gateway, origin, call_id):
    # x-call-id is not something a browser sends on a preflight; it lets the test ask the backend
    # whether this request ever reached it.
    return http1.request(
        gateway.port,
        "OPTIONS",
        clients.method_path("Unary"),
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", ",".join(REQUESTED_HEADERS)),
            ("x-call-id", call_id),
        ],
    )


def test_preflight_from_allowed_origin(gateway, backend_stub, call_id):
    response = preflight(gateway, ALLOWED_ORIGIN, call_id)
    assert response.status in (200, 204)
    assert response.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert "POST" in {m.upper() for m in names(response.header("access-control-allow-methods"))}
    assert set(REQUESTED_HEADERS) <= names(response.header("access-control-allow-headers"))
    assert response.header("access-control-max-age") == str(CORS_MAX_AGE_SECONDS)
    assert not clients.wait_until_started(backend_stub, call_id, timeout_s=0.3), "the preflight was forwarded"


def test_preflight_from_refused_origin(gateway, backend_stub, call_id):
    response = preflight(gateway, REFUSED_ORIGIN, call_id)
    assert response.status == 403
    assert response.header("access-control-allow-origin") is None
    assert not clients.wait_until_started(backend_stub, call_id, timeout_s=0.3), "the preflight was forwarded"


def test_forwarding_detector_works(gateway, backend_stub, call_id):
    """The control for the two tests above: a real call with x-call-id does reach the backend."""
    clients.post(gateway.port, "Unary", pb.EchoRequest(), headers=[("x-call-id", call_id)])
    assert clients.wait_until_started(backend_stub, call_id, timeout_s=1)


def test_cors_headers_on_backend_error(gateway):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=5, status_message="missing", trailers_only_error=True),
        headers=[("Origin", ALLOWED_ORIGIN)],
    )
    assert call.response.header("grpc-status") == "5"
    assert call.response.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert {"grpc-status", "grpc-message"} <= names(call.response.header("access-control-expose-headers"))


def test_cors_headers_on_gateway_error(gateway):
    """An error the gateway makes itself (unknown method) is just as readable by the browser."""
    response = http1.request(
        gateway.port,
        "POST",
        clients.method_path("NoSuchMethod"),
        clients.web_headers(extra=[("Origin", ALLOWED_ORIGIN)]),
        grpcweb.encode_message(pb.EchoRequest()),
    )
    assert response.header("grpc-status") == "12"
    assert response.header("access-control-allow-origin") == ALLOWED_ORIGIN
    assert {"grpc-status", "grpc-message"} <= names(response.header("access-control-expose-headers"))


def test_no_cors_headers_for_refused_origin(gateway):
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(), headers=[("Origin", REFUSED_ORIGIN)])
    assert call.response.header("access-control-allow-origin") is None
