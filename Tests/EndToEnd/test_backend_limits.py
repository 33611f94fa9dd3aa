"""Limits the gateway enforces on calls to a backend, as a client sees them: the client's deadline
(`grpc-timeout`), kept by a gateway timer that also cancels the backend's work, and the backend's
`max_concurrent_calls`, beyond which calls fail at once instead of queueing."""

import time

import grpc

import clients
import grpcweb
import http1
from testing.v1 import testing_pb2 as pb
from testing.v1 import testing_pb2_grpc as pb_grpc

DEADLINE_EXCEEDED = 4
UNAVAILABLE = 14


def test_deadline_shorter_than_the_backend_sleep(gateway, backend_stub, call_id):
    """grpc-timeout 200m, backend sleeping 2 s: DEADLINE_EXCEEDED after about 200 ms (not before,
    not at 2 s), and the backend is told to stop (its call is cancelled)."""
    started = time.monotonic()
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(sleep_ms=2000, call_id=call_id),
        headers=[("grpc-timeout", "200m")],
        timeout=5,
    )
    elapsed = time.monotonic() - started
    print(f"\ndeadline 200 ms: DEADLINE_EXCEEDED after {elapsed * 1000:.0f} ms")
    assert call.reply.status == DEADLINE_EXCEEDED, f"status {call.reply.status} {call.reply.message!r}"
    assert 0.19 <= elapsed < 0.5, f"answered after {elapsed:.3f}s for a 200 ms deadline"
    assert clients.wait_until_cancelled(backend_stub, call_id), (
        "the backend still sleeps after the deadline passed: the gateway did not cancel its call"
    )


def start_hang(port, call_id):
    connection = http1.Connection("127.0.0.1", port, timeout=10)
    request = grpcweb.encode_message(pb.EchoRequest(call_id=call_id))
    connection.send_request("POST", clients.method_path("Hang"), clients.web_headers(), request)
    return connection


def test_max_concurrent_calls_refuses_the_next_call_at_once(start_backend, start_test_gateway, call_id):
    backend = start_backend("limited")
    # One worker: the limit counts the calls of each worker.
    gateway = start_test_gateway(backend.address, workers=1, backend_settings={"max_concurrent_calls": 2})
    hanging = [start_hang(gateway.port, f"{call_id}-{n}") for n in range(2)]
    with grpc.insecure_channel(backend.address) as channel:
        stub = pb_grpc.TestServiceStub(channel)
        try:
            for n in range(2):
                assert clients.wait_until_started(stub, f"{call_id}-{n}"), "a Hang call never reached the backend"
            started = time.monotonic()
            third = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="third"), timeout=5)
            elapsed = time.monotonic() - started
            assert third.reply.status == UNAVAILABLE, f"status {third.reply.status} {third.reply.message!r}"
            assert third.response.body == b"", "a refusal before any backend work is trailers-only"
            assert "max_concurrent_calls" in third.reply.message, f"message: {third.reply.message!r}"
            assert elapsed < 0.5, f"the refusal took {elapsed:.2f}s: was it queued?"
            print(f"\nthird call refused in {elapsed * 1000:.0f} ms: {third.reply.message!r}")
        finally:
            for connection in hanging:
                connection.close()
        for n in range(2):
            assert clients.wait_until_cancelled(stub, f"{call_id}-{n}")
    # The limit counts calls in flight, not calls ever made: with the two gone, calls pass again.
    after = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="after"), timeout=5)
    assert after.reply.status == 0, f"status {after.reply.status} {after.reply.message!r}"
