"""The access log: one JSON line per call, from every worker, with what an operator greps for."""

import json
import time

import pytest

import clients
import http1
import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS, _q
from testing.v1 import testing_pb2 as pb


@pytest.fixture
def logging_gateway(gateway_bin, backend, tmp_path):
    port = processes.free_port()
    log = tmp_path / "access.log"
    config = tmp_path / "gateway.yaml"
    config.write_text("\n".join([
        f"listen: {{host: 127.0.0.1, port: {port}}}",
        "workers: 2",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        f"backends: [{{name: test, address: {_q(backend.address)}}}]",
        f"routes: [{{service: {SERVICE}, backend: test}}]",
        f"access_log: {{path: {_q(log)}}}",
    ]) + "\n")
    gateway = processes.GatewayProcess(gateway_bin, config, port, tmp_path / "gateway.log")
    yield gateway, log
    gateway.stop()


def _lines(log, count):
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)
    raise AssertionError(f"expected {count} access-log lines, got: {log.read_text() if log.exists() else 'no file'}")


def test_each_call_is_one_json_line(logging_gateway):
    gateway, log = logging_gateway
    assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="x")).reply.status == 0
    assert clients.post(gateway.port, "Unary", pb.EchoRequest(status_code=5)).reply.status == 5
    rest = http1.request(
        gateway.port, "POST", f"/{SERVICE}/Unary", [("Content-Type", "application/json")], b'{"payload": "y"}')
    assert rest.status == 200
    entries = _lines(log, 3)
    assert len(entries) == 3
    by_code = {(e["protocol"], e["grpc_code"]): e for e in entries}
    ok = by_code[("grpc_web", "OK")]
    assert ok["method"] == "POST" and ok["path"] == f"/{SERVICE}/Unary" and ok["status"] == 200
    assert ok["peer"] == "127.0.0.1" and ok["duration_us"] > 0 and ok["time"].endswith("Z")
    assert by_code[("grpc_web", "NOT_FOUND")]["status"] == 200  # gRPC-Web errors are trailers-only 200s
    assert by_code[("rest", "OK")]["status"] == 200


def test_a_client_that_leaves_is_logged_as_cancelled(logging_gateway, call_id):
    gateway, log = logging_gateway
    connection = http1.Connection("127.0.0.1", gateway.port)
    body = clients.grpcweb.encode_message(pb.EchoRequest(call_id=call_id))
    connection.send_request("POST", clients.method_path("Hang"), clients.web_headers(), body)
    time.sleep(0.3)
    connection.abort()
    entry = _lines(log, 1)[0]
    assert entry["grpc_code"] == "CANCELLED" and entry["status"] == 499


def test_requests_the_gateway_answers_itself_are_logged(logging_gateway):
    gateway, log = logging_gateway
    assert http1.request(gateway.port, "GET", "/v1/nowhere").status == 404
    entry = _lines(log, 1)[0]
    assert (entry["protocol"], entry["status"], entry["grpc_code"], entry["path"]) == (
        "gateway", 404, "NOT_FOUND", "/v1/nowhere")
