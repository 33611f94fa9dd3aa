"""A client that goes away cancels the backend call at once (RST_STREAM CANCEL), whether it was
waiting for a unary reply (nothing sent back yet) or in the middle of a stream."""

import pytest

import clients
import grpcweb
import http1
from testing.v1 import testing_pb2 as pb


def close(connection, how):
    if how == "rst":
        connection.abort()
    else:
        connection.close()


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_disconnect_while_waiting_for_unary_reply(gateway, backend_stub, call_id, how):
    connection = http1.Connection("127.0.0.1", gateway.port)
    connection.send_request(
        "POST", clients.method_path("Hang"), clients.web_headers(), grpcweb.encode_message(pb.EchoRequest(call_id=call_id))
    )
    assert clients.wait_until_started(backend_stub, call_id), "the call never reached the backend"
    close(connection, how)
    assert clients.wait_until_cancelled(backend_stub, call_id), (
        f"the backend still runs the call {clients.CANCELLATION_WINDOW_S}s after the client left"
    )
    # And the gateway is none the worse for it.
    assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="after")).reply.status == 0


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_disconnect_mid_stream(gateway, backend_stub, call_id, how):
    connection = http1.Connection("127.0.0.1", gateway.port)
    connection.send_request(
        "POST",
        clients.method_path("HangStream"),
        clients.web_headers(),
        grpcweb.encode_message(pb.StreamRequest(count=2, call_id=call_id)),
    )
    response = connection.read_head()
    assert response.status == 200
    reader = grpcweb.FrameReader()
    frames = []
    for piece in connection.iter_body(response):
        frames += reader.feed(piece.data)
        if len(frames) >= 2:
            break
    assert [f.is_trailers for f in frames] == [False, False]
    close(connection, how)
    assert clients.wait_until_cancelled(backend_stub, call_id), (
        f"the backend still streams {clients.CANCELLATION_WINDOW_S}s after the client left"
    )
    assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="after")).reply.status == 0
