"""Deadlines set by the route: a default `timeout` for calls that send none, and a `max_timeout`
that shortens a longer client deadline. The backend sees the effective deadline, and the gateway
enforces it itself (DEADLINE_EXCEEDED, backend call cancelled). Streams get no default deadline.
"""

import time

import pytest

import clients
import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS, _q
from testing.v1 import testing_pb2 as pb

OK, DEADLINE_EXCEEDED = 0, 4


@pytest.fixture(scope="module")
def deadline_gateway(gateway_bin, backend, tmp_path_factory):
    directory = tmp_path_factory.mktemp("deadlines")
    port = processes.free_port()
    config = directory / "gateway.yaml"
    config.write_text("\n".join([
        f"listen: {{host: 127.0.0.1, port: {port}}}",
        "workers: 1",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        f"backends: [{{name: test, address: {_q(backend.address)}}}]",
        f"routes: [{{service: {SERVICE}, backend: test, timeout: 300ms, max_timeout: 600ms}}]",
    ]) + "\n")
    gateway = processes.GatewayProcess(gateway_bin, config, port, directory / "gateway.log")
    yield gateway
    gateway.stop()


def _timed_post(gateway, method, message, headers=()):
    started = time.monotonic()
    call = clients.post(gateway.port, method, message, headers=headers)
    return call, time.monotonic() - started


def test_the_route_default_applies_when_the_client_sends_none(deadline_gateway, backend_stub, call_id):
    call, elapsed = _timed_post(deadline_gateway, "Hang", pb.EchoRequest(call_id=call_id))
    assert call.reply.status == DEADLINE_EXCEEDED
    assert 0.25 < elapsed < 1.5
    assert clients.wait_until_cancelled(backend_stub, call_id)


def test_a_longer_client_deadline_is_capped(deadline_gateway, call_id):
    call, elapsed = _timed_post(
        deadline_gateway, "Unary", pb.EchoRequest(call_id=call_id, sleep_ms=3000), headers=[("grpc-timeout", "10S")])
    assert call.reply.status == DEADLINE_EXCEEDED
    assert 0.5 < elapsed < 2.0


def test_a_shorter_client_deadline_is_kept(deadline_gateway, call_id):
    call, elapsed = _timed_post(
        deadline_gateway, "Unary", pb.EchoRequest(call_id=call_id, sleep_ms=3000), headers=[("grpc-timeout", "100m")])
    assert call.reply.status == DEADLINE_EXCEEDED
    assert elapsed < 0.6


def test_a_call_within_the_cap_succeeds(deadline_gateway):
    call = clients.post(
        deadline_gateway.port, "Unary", pb.EchoRequest(payload="x", sleep_ms=400), headers=[("grpc-timeout", "10S")])
    assert call.reply.status == OK, call.reply.message


def test_streams_get_no_default_deadline(deadline_gateway):
    # 4 messages 200 ms apart: 800 ms, longer than the route's 300 ms default.
    call = clients.post(deadline_gateway.port, "ServerStream", pb.StreamRequest(count=4, interval_ms=200))
    assert call.reply.status == OK
    assert len(call.reply.messages) == 4
