"""Every gRPC status a backend returns reaches the gRPC-Web client unchanged, in both shapes:
trailers-only (the status in HTTP headers, empty body) and after headers (a trailer frame)."""

import pytest
from google.rpc import error_details_pb2, status_pb2

import clients
import grpcweb
from testing.v1 import testing_pb2 as pb

CODES = range(1, 17)


def message_for(code):
    # '%' and non-ASCII must survive grpc-message's percent-encoding both ways.
    return f"code {code}: 100% broken ☃ — ünïcode"


@pytest.mark.parametrize("code", CODES)
def test_trailers_only_status(gateway, code):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=code, status_message=message_for(code), trailers_only_error=True),
        headers=[("x-echo-foo", "bar")],
    )
    response = call.response
    assert response.status == 200
    assert response.body == b"", "trailers-only: no frames at all, not even an empty trailer frame"
    assert (response.header("content-type") or "").startswith("application/grpc-web")
    assert response.header("grpc-status") == str(code)
    assert grpcweb.percent_decode(response.header("grpc-message")) == message_for(code)
    # The backend's trailing metadata travels as headers too.
    assert response.header("x-trailer-echo-foo") == "bar"


@pytest.mark.parametrize("code", CODES)
def test_status_after_headers(gateway, code):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=code, status_message=message_for(code), trailers_only_error=False),
        headers=[("x-echo-foo", "bar")],
    )
    response = call.response
    assert response.status == 200
    assert response.header("x-echo-foo") == "bar", "the backend's headers are passed on"
    assert response.header("grpc-status") is None, "the status belongs in the trailer frame"
    assert [f.is_trailers for f in call.reply.frames] == [True]
    assert call.reply.status == code
    assert call.reply.message == message_for(code)
    assert call.reply.trailers.get("x-trailer-echo-foo") == "bar"


def test_status_details_in_trailers_only(gateway):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=3, status_message="bad payload", trailers_only_error=True, error_details=True),
    )
    details = call.response.header("grpc-status-details-bin")
    assert details, "grpc-status-details-bin must be passed on"
    status = status_pb2.Status.FromString(grpcweb.decode_bin_value(details))
    assert (status.code, status.message) == (3, "bad payload")
    assert status.details[0].Is(error_details_pb2.BadRequest.DESCRIPTOR)


def test_status_details_in_trailer_frame(gateway):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=9, status_message="later", trailers_only_error=False, error_details=True),
    )
    status = status_pb2.Status.FromString(grpcweb.decode_bin_value(call.reply.trailers["grpc-status-details-bin"]))
    assert (status.code, status.message) == (9, "later")
