"""Metadata both ways through gRPC-Web: request headers become gRPC metadata; the backend's headers
become HTTP headers, its trailers go in the trailer frame; browsers are allowed to read them."""

import base64

import clients
import grpcweb
from gateway_config import ALLOWED_ORIGIN
from testing.v1 import testing_pb2 as pb

BINARY_VALUE = b"\x00\xff\xfe binary \x80"


def header_names(value):
    return {name.strip().lower() for name in (value or "").split(",") if name.strip()}


def test_request_header_reaches_backend_and_comes_back(gateway):
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(), headers=[("x-echo-foo", "bar")])
    assert call.messages()[0].received_metadata.get("x-echo-foo") == "bar"
    assert call.response.header("x-echo-foo") == "bar"
    assert call.reply.trailers.get("x-trailer-echo-foo") == "bar"


def test_binary_metadata_round_trips(gateway):
    encoded = base64.b64encode(BINARY_VALUE).decode()
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(), headers=[("x-echo-data-bin", encoded)])
    # The backend decoded the -bin header to the original bytes.
    received = call.messages()[0].received_metadata["x-echo-data-bin"]
    assert base64.b64decode(received) == BINARY_VALUE
    # And the bytes come back, as a header and as a trailer (padded or not).
    assert grpcweb.decode_bin_value(call.response.header("x-echo-data-bin")) == BINARY_VALUE
    assert grpcweb.decode_bin_value(call.reply.trailers["x-trailer-echo-data-bin"]) == BINARY_VALUE


def test_metadata_via_sonora(gateway):
    unary = clients.sonora_unary(gateway.url, "Unary")
    reply, call = unary.with_call(pb.EchoRequest(), metadata=[("x-echo-client", "sonora")])
    assert reply.received_metadata["x-echo-client"] == "sonora"
    assert ("x-echo-client", "sonora") in [(k.lower(), v) for k, v in call.initial_metadata()]
    assert ("x-trailer-echo-client", "sonora") in call.trailing_metadata()


def test_hop_by_hop_headers_are_not_forwarded(gateway):
    """HTTP/1.1 connection headers are illegal in HTTP/2; forwarding them would break the call."""
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(payload="ok"),
        headers=[("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("x-echo-kept", "1")],
    )
    assert call.reply.status == 0
    received = call.messages()[0].received_metadata
    assert received.get("x-echo-kept") == "1"
    assert not {"connection", "keep-alive", "host", "content-length"} & set(received)


def test_expose_headers_lists_status_and_response_headers(gateway):
    call = clients.post(
        gateway.port, "Unary", pb.EchoRequest(), headers=[("Origin", ALLOWED_ORIGIN), ("x-echo-foo", "bar")]
    )
    assert call.response.header("access-control-allow-origin") == ALLOWED_ORIGIN
    exposed = header_names(call.response.header("access-control-expose-headers"))
    assert {"grpc-status", "grpc-message", "grpc-status-details-bin", "x-echo-foo"} <= exposed


def test_expose_headers_on_trailers_only_lists_trailer_names(gateway):
    """Trailers-only puts the trailers in headers; a browser can read them only if exposed."""
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=7, status_message="no", trailers_only_error=True),
        headers=[("Origin", ALLOWED_ORIGIN), ("x-echo-foo", "bar")],
    )
    assert call.response.header("grpc-status") == "7"
    exposed = header_names(call.response.header("access-control-expose-headers"))
    assert {"grpc-status", "grpc-message", "grpc-status-details-bin", "x-trailer-echo-foo"} <= exposed
