"""gRPC-Web binary (application/grpc-web+proto) → gRPC unary, through the gateway."""

import time

import grpc
import pytest

import clients
import grpcweb
from testing.v1 import testing_pb2 as pb


def test_unary_via_sonora(gateway, call_id):
    unary = clients.sonora_unary(gateway.url, "Unary")
    reply = unary(pb.EchoRequest(payload="hello through the gateway", blob=b"\x00\xff", call_id=call_id))
    assert reply.payload == "hello through the gateway"
    assert reply.blob == b"\x00\xff"


def test_unary_error_via_sonora(gateway):
    unary = clients.sonora_unary(gateway.url, "Unary")
    with pytest.raises(grpc.RpcError) as failure:
        unary(pb.EchoRequest(status_code=5, status_message="no such order"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert failure.value.details() == "no such order"


def test_unary_wire_shape(gateway):
    """One data frame, then one trailer frame with grpc-status 0, under the +proto content type."""
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="wire"))
    assert call.response.status == 200
    assert call.response.header("content-type") == grpcweb.CONTENT_TYPE_BINARY
    assert [f.is_trailers for f in call.reply.frames] == [False, True]
    assert call.messages()[0].payload == "wire"
    assert call.reply.status == 0
    assert call.response.header("grpc-status") is None, "status belongs in the trailer frame here"


def test_large_reply_arrives_whole(gateway):
    """3 MiB is under the 4 MiB message limit; it must arrive complete (flow control keeps moving)."""
    size = 3 * 1024 * 1024
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(response_size=size), timeout=20)
    assert call.reply.status == 0
    assert len(call.messages()[0].blob) == size


def test_keep_alive_serves_several_requests_on_one_connection(gateway):
    with clients.http1.Connection("127.0.0.1", gateway.port) as connection:
        for n in range(3):
            connection.send_request(
                "POST",
                clients.method_path("Unary"),
                clients.web_headers(),
                grpcweb.encode_message(pb.EchoRequest(payload=f"request {n}")),
            )
            response = connection.read_response()
            reply = grpcweb.parse_reply(response.headers, response.body)
            assert pb.EchoResponse.FromString(reply.messages[0]).payload == f"request {n}"


def test_deadline_from_grpc_timeout(gateway):
    """grpc-timeout 200m against a backend sleeping 2 s → DEADLINE_EXCEEDED, in about 200 ms.

    The header is passed as metadata rather than sonora's `timeout=`, which would also set a client
    socket timeout and make the test pass without the gateway doing anything.
    """
    unary = clients.sonora_unary(gateway.url, "Unary")
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as failure:
        unary(pb.EchoRequest(sleep_ms=2000), metadata=[("grpc-timeout", "200m")])
    elapsed = time.monotonic() - started
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 1.5, f"took {elapsed:.2f}s: the deadline was not applied"
