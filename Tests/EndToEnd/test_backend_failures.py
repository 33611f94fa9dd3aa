"""A backend that is not there gives UNAVAILABLE quickly, never a hang; the gateway keeps serving,
and recovers once the backend comes up."""

import time

import pytest

import clients
import processes
from testing.v1 import testing_pb2 as pb

QUICKLY_S = 2.0


@pytest.fixture(scope="module")
def dead_backend_port():
    return processes.free_port()


@pytest.fixture(scope="module")
def gateway_to_nowhere(start_gateway, dead_backend_port):
    return start_gateway(f"127.0.0.1:{dead_backend_port}")


def timed_post(port, method, message):
    started = time.monotonic()
    call = clients.post(port, method, message, timeout=QUICKLY_S + 3)
    return call, time.monotonic() - started


@pytest.mark.parametrize(
    "method, message",
    [("Unary", pb.EchoRequest()), ("ServerStream", pb.StreamRequest(count=2))],
    ids=["unary", "server-stream"],
)
def test_unreachable_backend_is_unavailable_quickly(gateway_to_nowhere, method, message):
    call, elapsed = timed_post(gateway_to_nowhere.port, method, message)
    assert elapsed < QUICKLY_S, f"took {elapsed:.2f}s"
    assert call.response.status == 200
    assert call.response.body == b"", "an immediate failure is trailers-only"
    assert call.reply.status == 14
    assert call.reply.message, "grpc-message should say what failed"


def test_repeated_failures_stay_quick(gateway_to_nowhere):
    """Reconnect backoff must not turn into callers waiting for the next attempt."""
    for _ in range(5):
        call, elapsed = timed_post(gateway_to_nowhere.port, "Unary", pb.EchoRequest())
        assert (call.reply.status, elapsed < QUICKLY_S) == (14, True)
    assert gateway_to_nowhere.is_running()


def test_recovers_when_the_backend_comes_up(gateway_to_nowhere, dead_backend_port, tmp_path):
    assert timed_post(gateway_to_nowhere.port, "Unary", pb.EchoRequest())[0].reply.status == 14
    backend = processes.BackendProcess(tmp_path / "late-backend.log", port=dead_backend_port)
    try:
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            status = clients.post(gateway_to_nowhere.port, "Unary", pb.EchoRequest(payload="back")).reply.status
            if status == 0:
                break
            time.sleep(0.2)
        assert status == 0, "the gateway did not reconnect within 10 s of the backend coming up"
    finally:
        backend.stop()
