"""gRPC-Web → gRPC server streaming: messages are flushed as they come, errors after messages are
a trailer frame, errors before any message are trailers-only."""

import grpc
import pytest

import clients
import grpcweb
import http1
from testing.v1 import testing_pb2 as pb


def read_frames_with_arrival_times(port, request, timeout=10.0):
    """Sends a ServerStream request and returns [(arrival time, Frame)] plus the send time."""
    with http1.Connection("127.0.0.1", port, timeout) as connection:
        sent_at = connection.send_request(
            "POST", clients.method_path("ServerStream"), clients.web_headers(), grpcweb.encode_message(request)
        )
        response = connection.read_head()
        assert response.status == 200
        reader = grpcweb.FrameReader()
        arrivals = []
        for piece in connection.iter_body(response):
            arrivals += [(piece.arrived, frame) for frame in reader.feed(piece.data)]
        assert reader.pending == 0, "the body ended inside a frame"
        return sent_at, arrivals


def test_stream_via_sonora(gateway):
    stream = clients.sonora_server_stream(gateway.url, "ServerStream")
    replies = list(stream(pb.StreamRequest(count=5, message_size=10)))
    assert [r.sequence for r in replies] == [0, 1, 2, 3, 4]


def test_each_message_arrives_before_the_next_is_produced(gateway):
    """The backend sends 3 messages 700 ms apart; each must reach the client when it is sent."""
    sent_at, arrivals = read_frames_with_arrival_times(gateway.port, pb.StreamRequest(count=3, interval_ms=700))
    data = [t for t, frame in arrivals if not frame.is_trailers]
    end = arrivals[-1][0]
    assert len(data) == 3 and arrivals[-1][1].is_trailers
    assert data[0] - sent_at < 0.5, f"first message took {data[0] - sent_at:.2f}s: it was held back"
    assert end - data[0] > 1.2, "the first message arrived only at the end: the stream is buffered"
    gaps = [later - earlier for earlier, later in zip(data, data[1:])]
    assert all(gap > 0.45 for gap in gaps), f"messages arrived together, gaps {gaps}"


def test_failure_after_messages_is_a_trailer_frame(gateway):
    call = clients.post(
        gateway.port, "ServerStream", pb.StreamRequest(count=5, fail_after=2, fail_code=9, fail_message="gone bad")
    )
    assert call.response.status == 200
    assert call.response.header("grpc-status") is None
    assert [f.is_trailers for f in call.reply.frames] == [False, False, True]
    assert [m.sequence for m in call.messages()] == [0, 1]
    assert (call.reply.status, call.reply.message) == (9, "gone bad")


def test_failure_after_messages_via_sonora(gateway):
    stream = clients.sonora_server_stream(gateway.url, "ServerStream")
    received = []
    with pytest.raises(grpc.RpcError) as failure:
        for reply in stream(pb.StreamRequest(count=5, fail_after=2, fail_code=10, fail_message="aborted")):
            received.append(reply.sequence)
    assert received == [0, 1]
    assert failure.value.code() == grpc.StatusCode.ABORTED


def test_failure_before_first_message_is_trailers_only(gateway):
    call = clients.post(gateway.port, "ServerStream", pb.StreamRequest(count=5, fail_code=5, fail_message="none"))
    assert call.response.status == 200
    assert call.response.body == b""
    assert call.response.header("grpc-status") == "5"


def test_empty_stream_ends_ok(gateway):
    call = clients.post(gateway.port, "ServerStream", pb.StreamRequest(count=0))
    assert call.reply.messages == []
    assert call.reply.status == 0


def test_long_stream_arrives_whole_and_in_order(gateway):
    """40 × 100 kB: far more than any HTTP/2 window, so flow control has to keep moving."""
    call = clients.post(gateway.port, "ServerStream", pb.StreamRequest(count=40, message_size=100_000), timeout=30)
    replies = call.messages()
    assert [r.sequence for r in replies] == list(range(40))
    assert all(len(r.blob) == 100_000 for r in replies)
    assert call.reply.status == 0
