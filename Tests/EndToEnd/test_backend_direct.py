"""The test backend itself, called with a plain grpcio client (no gateway).

Every other test trusts this backend to do what its request asks; these tests are why that trust
is earned. They need no gateway binary, so they run (and must pass) before the gateway exists.
"""

import base64

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

import clients
from testing.v1 import testing_pb2 as pb


def test_unary_echoes_payload_blob_and_metadata(backend_stub, call_id):
    reply, call = backend_stub.Unary.with_call(
        pb.EchoRequest(payload="hello", blob=b"\x00\x01", call_id=call_id),
        metadata=[("x-echo-foo", "bar"), ("x-echo-data-bin", b"\x00\xffraw"), ("other", "x")],
    )
    assert reply.payload == "hello"
    assert reply.blob == b"\x00\x01"
    assert reply.received_metadata["other"] == "x"
    assert base64.b64decode(reply.received_metadata["x-echo-data-bin"]) == b"\x00\xffraw"
    assert ("x-echo-foo", "bar") in call.initial_metadata()
    assert ("x-echo-data-bin", b"\x00\xffraw") in call.initial_metadata()
    assert ("x-trailer-echo-foo", "bar") in call.trailing_metadata()
    assert ("x-trailer-echo-data-bin", b"\x00\xffraw") in call.trailing_metadata()


def test_unary_response_size(backend_stub):
    assert len(backend_stub.Unary(pb.EchoRequest(response_size=100_000)).blob) == 100_000


@pytest.mark.parametrize("code", range(1, 17))
@pytest.mark.parametrize("trailers_only", [True, False], ids=["trailers-only", "after-headers"])
def test_unary_fails_with_requested_code(backend_stub, code, trailers_only):
    message = f"code {code}: 100% ☃ failed"
    with pytest.raises(grpc.RpcError) as failure:
        backend_stub.Unary(
            pb.EchoRequest(status_code=code, status_message=message, trailers_only_error=trailers_only),
            metadata=[("x-echo-foo", "bar")],
        )
    assert failure.value.code().value[0] == code
    assert failure.value.details() == message
    # Trailers-only means no initial metadata reached the client; otherwise the echo did.
    initial = failure.value.initial_metadata()
    assert (("x-echo-foo", "bar") in initial) is (not trailers_only)
    assert ("x-trailer-echo-foo", "bar") in failure.value.trailing_metadata()


def test_unary_error_details(backend_stub):
    with pytest.raises(grpc.RpcError) as failure:
        backend_stub.Unary(pb.EchoRequest(status_code=3, status_message="bad", error_details=True))
    details = dict(failure.value.trailing_metadata())["grpc-status-details-bin"]
    status = status_pb2.Status.FromString(details)
    assert (status.code, status.message) == (3, "bad")
    assert status.details[0].Is(error_details_pb2.BadRequest.DESCRIPTOR)


def test_unary_sleep_and_deadline_is_recorded_as_cancelled(backend_stub, call_id):
    with pytest.raises(grpc.RpcError) as failure:
        backend_stub.Unary(pb.EchoRequest(sleep_ms=2000, call_id=call_id), timeout=0.2)
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert clients.wait_until_cancelled(backend_stub, call_id)


def test_server_stream_count_interval_and_size(backend_stub):
    replies = list(backend_stub.ServerStream(pb.StreamRequest(count=3, interval_ms=10, message_size=7)))
    assert [r.sequence for r in replies] == [0, 1, 2]
    assert [r.payload for r in replies] == ["0", "1", "2"]
    assert all(r.blob == b"s" * 7 for r in replies)


def test_server_stream_fails_after_messages(backend_stub):
    stream = backend_stub.ServerStream(pb.StreamRequest(count=5, fail_after=2, fail_code=9, fail_message="stop"))
    received = []
    with pytest.raises(grpc.RpcError) as failure:
        for reply in stream:
            received.append(reply.sequence)
    assert received == [0, 1]
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.value.details() == "stop"


def test_server_stream_fails_before_first_message_without_headers(backend_stub):
    stream = backend_stub.ServerStream(
        pb.StreamRequest(count=5, fail_code=5, fail_message="none"), metadata=[("x-echo-a", "1")]
    )
    with pytest.raises(grpc.RpcError) as failure:
        list(stream)
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert ("x-echo-a", "1") not in failure.value.initial_metadata()


def test_unknown_call_id_was_never_started(backend_stub):
    state = backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id="never-sent"))
    assert (state.started, state.cancelled) == (False, False)


def test_completed_call_is_not_cancelled(backend_stub, call_id):
    backend_stub.Unary(pb.EchoRequest(call_id=call_id))
    state = backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id=call_id))
    assert (state.started, state.cancelled) == (True, False)


def test_call_id_from_metadata(backend_stub, call_id):
    backend_stub.Unary(pb.EchoRequest(), metadata=[("x-call-id", call_id)])
    assert clients.wait_until_started(backend_stub, call_id, timeout_s=0)


def test_hang_cancelled_by_client_is_recorded(backend_stub, call_id):
    future = backend_stub.Hang.future(pb.EchoRequest(call_id=call_id))
    assert clients.wait_until_started(backend_stub, call_id)
    assert not backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id=call_id)).cancelled
    future.cancel()
    assert clients.wait_until_cancelled(backend_stub, call_id)


def test_hang_stream_sends_count_then_waits_for_cancel(backend_stub, call_id):
    stream = backend_stub.HangStream(pb.StreamRequest(count=2, call_id=call_id))
    assert [next(stream).sequence, next(stream).sequence] == [0, 1]
    assert not backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id=call_id)).cancelled
    stream.cancel()
    assert clients.wait_until_cancelled(backend_stub, call_id)


def test_client_stream_counts_and_joins(backend_stub):
    reply = backend_stub.ClientStream(iter([pb.EchoRequest(payload=p) for p in "abc"]))
    assert (reply.payload, reply.message_count) == ("a,b,c", 3)


def test_bidi_replies_to_each_request(backend_stub):
    replies = list(backend_stub.BidiStream(iter([pb.EchoRequest(payload=p) for p in "xy"])))
    assert [(r.payload, r.sequence) for r in replies] == [("x", 0), ("y", 1)]
