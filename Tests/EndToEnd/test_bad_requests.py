"""Malformed gRPC-Web requests get a clean, specific gRPC error from the gateway itself, and the
gateway goes on serving. The expected code is exact: "some error" would also pass a gateway that
forwards garbage and relays whatever the backend makes of it."""

import struct

import pytest

import clients
import grpcweb
import http1
from gateway_config import MAX_REQUEST_BODY
from testing.v1 import testing_pb2 as pb

INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED = 3, 8, 12
GOOD_FRAME = grpcweb.encode_message(pb.EchoRequest(payload="x"))

# (id, path, text mode, body, expected grpc-status)
BAD_REQUESTS = [
    ("truncated-prefix", clients.method_path("Unary"), False, b"\x00\x00\x00", INVALID_ARGUMENT),
    ("truncated-message", clients.method_path("Unary"), False, b"\x00\x00\x00\x00\x0a" + b"abcd", INVALID_ARGUMENT),
    (
        "declared-length-over-limit",
        clients.method_path("Unary"),
        False,
        struct.pack(">BI", 0, MAX_REQUEST_BODY + 1) + b"x" * 16,
        RESOURCE_EXHAUSTED,
    ),
    ("bad-base64", clients.method_path("Unary"), True, b"!!not*base64!!", INVALID_ARGUMENT),
    ("unknown-method", clients.method_path("NoSuchMethod"), False, GOOD_FRAME, UNIMPLEMENTED),
    ("unknown-service", "/no.such.Service/Unary", False, GOOD_FRAME, UNIMPLEMENTED),
]


def assert_gateway_still_serves(gateway):
    """A good request on a new connection."""
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="still here"))
    assert (call.reply.status, call.messages()[0].payload) == (0, "still here")


@pytest.mark.parametrize("path, text, body, code", [case[1:] for case in BAD_REQUESTS], ids=[c[0] for c in BAD_REQUESTS])
def test_bad_request_gets_clean_grpc_error(gateway, path, text, body, code):
    response = http1.request(gateway.port, "POST", path, clients.web_headers(text=text), body)
    assert response.status == 200
    assert response.body == b"", "a gateway-made error is trailers-only"
    assert response.header("grpc-status") == str(code), f"grpc-message: {response.header('grpc-message')}"
    assert response.header("grpc-message"), "the message should say what was wrong"
    assert_gateway_still_serves(gateway)


def test_body_over_limit(gateway):
    """A body past max_request_body is refused with RESOURCE_EXHAUSTED (the contract's 413 / code 8
    for the HTTP status; a 200 trailers-only reply is accepted too, as long as grpc-status says 8)."""
    message = pb.EchoRequest(blob=b"b" * (MAX_REQUEST_BODY + 1024))
    with http1.Connection("127.0.0.1", gateway.port) as connection:
        try:
            connection.send_request("POST", clients.method_path("Unary"), clients.web_headers(), grpcweb.encode_message(message))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway may stop reading early; its reply must still be readable
        response = connection.read_response()
    assert response.status in (200, 413)
    assert response.header("grpc-status") == str(RESOURCE_EXHAUSTED)
    assert_gateway_still_serves(gateway)


def test_unsupported_content_type(gateway):
    response = http1.request(
        gateway.port, "POST", clients.method_path("Unary"), [("Content-Type", "text/plain")], b"hello"
    )
    assert response.status == 415
    assert_gateway_still_serves(gateway)
