"""The admin listener: /healthz, /readyz and Prometheus /metrics, on their own port."""

import re
import signal
import time

import pytest

import admin
import clients
import grpcweb
import http1
import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS, _q
from testing.v1 import testing_pb2 as pb


@pytest.fixture
def admin_gateway(gateway_bin, backend, tmp_path):
    port, admin_port = processes.free_port(), processes.free_port()
    config = tmp_path / "gateway.yaml"
    config.write_text("\n".join([
        f"listen: {{host: 127.0.0.1, port: {port}}}",
        "workers: 2",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        f"backends: [{{name: test, address: {_q(backend.address)}}}]",
        f"routes: [{{service: {SERVICE}, backend: test}}]",
        f"admin: {{host: 127.0.0.1, port: {admin_port}}}",
        "limits: {drain_timeout: 5s, max_request_body: 1KiB}",
    ]) + "\n")
    gateway = processes.GatewayProcess(gateway_bin, config, port, tmp_path / "gateway.log")
    gateway.admin_port = admin_port
    yield gateway
    gateway.stop()


def _get(port, path):
    return http1.request(port, "GET", path)


def test_health_and_readiness(admin_gateway):
    assert _get(admin_gateway.admin_port, "/healthz").status == 200
    # Ready once every worker serves; the public port accepts (into its backlog) a moment before,
    # so poll as a readiness probe would.
    deadline = time.monotonic() + 3
    ready = _get(admin_gateway.admin_port, "/readyz")
    while ready.status != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
        ready = _get(admin_gateway.admin_port, "/readyz")
    assert ready.status == 200 and ready.body == b"ready\n"
    assert _get(admin_gateway.admin_port, "/nope").status == 404


def test_calls_are_counted_by_protocol_and_code(admin_gateway):
    for _ in range(3):
        assert clients.post(admin_gateway.port, "Unary", pb.EchoRequest(payload="x")).reply.status == 0
    failed = clients.post(admin_gateway.port, "Unary", pb.EchoRequest(status_code=5, status_message="gone"))
    assert failed.reply.status == 5
    text = clients.post(admin_gateway.port, "Unary", pb.EchoRequest(payload="t"), text=True)
    assert text.reply.status == 0
    too_large = clients.post(admin_gateway.port, "Unary", pb.EchoRequest(blob=b"b" * 1500))
    assert too_large.reply.status == 8
    assert http1.request(admin_gateway.port, "GET", "/v1/nowhere").status == 404
    samples = admin.metrics(admin_gateway.admin_port)
    assert samples['gateway_calls_total{protocol="gateway",code="NOT_FOUND"}'] == 1
    assert samples['gateway_calls_total{protocol="grpc_web",code="OK"}'] == 3
    assert samples['gateway_calls_total{protocol="grpc_web",code="NOT_FOUND"}'] == 1
    assert samples['gateway_calls_total{protocol="grpc_web_text",code="OK"}'] == 1
    assert samples['gateway_calls_total{protocol="grpc_web",code="RESOURCE_EXHAUSTED"}'] == 1
    assert samples['gateway_limit_breaches_total{limit="request_body"}'] == 1
    assert samples['gateway_call_duration_seconds_count{protocol="grpc_web"}'] == 5
    assert samples['gateway_call_duration_seconds_bucket{protocol="grpc_web",le="+Inf"}'] == 5
    assert samples["gateway_calls_in_flight"] == 0
    assert samples["gateway_workers"] == 2


def test_calls_in_flight_and_readiness_while_draining(admin_gateway):
    connection = http1.Connection("127.0.0.1", admin_gateway.port, timeout=10)
    body = grpcweb.encode_message(pb.StreamRequest(count=4, interval_ms=400))
    connection.send_request("POST", clients.method_path("ServerStream"), clients.web_headers(), body)
    response = connection.read_head()
    pieces = connection.iter_body(response)
    next(pieces)
    assert admin.metrics(admin_gateway.admin_port)["gateway_calls_in_flight"] == 1
    admin_gateway.process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    draining = _get(admin_gateway.admin_port, "/readyz")
    assert draining.status == 503
    assert _get(admin_gateway.admin_port, "/healthz").status == 200
    for _ in pieces:
        pass
    assert admin_gateway.process.wait(timeout=5) == 0
