"""The front end over TLS (`listen.tls`): browsers and curl reach the gateway directly with https,
and backends are told the client's protocol in x-forwarded-proto."""

import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest

import grpcweb
import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS, _q
from testing.v1 import testing_pb2 as pb


@pytest.fixture(scope="module")
def tls_gateway(gateway_bin, backend, tmp_path_factory):
    directory = tmp_path_factory.mktemp("frontend-tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=directory, check=True, capture_output=True)
    port = processes.free_port()
    config = directory / "gateway.yaml"
    config.write_text("\n".join([
        f"listen: {{host: 127.0.0.1, port: {port}, tls: {{cert_file: cert.pem, key_file: key.pem}}}}",
        "workers: 2",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        f"backends: [{{name: test, address: {_q(backend.address)}}}]",
        f"routes: [{{service: {SERVICE}, backend: test}}]",
    ]) + "\n")
    gateway = processes.GatewayProcess(gateway_bin, config, port, directory / "gateway.log")
    gateway.certificate = directory / "cert.pem"
    yield gateway
    gateway.stop()


def _https(gateway):
    context = ssl.create_default_context(cafile=str(gateway.certificate))
    return http.client.HTTPSConnection("127.0.0.1", gateway.port, context=context, timeout=5)


def test_grpc_web_over_https(tls_gateway):
    connection = _https(tls_gateway)
    body = grpcweb.encode_message(pb.EchoRequest(payload="secure"))
    connection.request("POST", f"/{SERVICE}/Unary", body, {"Content-Type": "application/grpc-web+proto"})
    response = connection.getresponse()
    reply = grpcweb.parse_reply({k.lower(): v for k, v in response.getheaders()}, response.read())
    assert reply.status == 0
    echoed = pb.EchoResponse.FromString(reply.messages[0])
    assert echoed.payload == "secure"
    assert echoed.received_metadata["x-forwarded-proto"] == "https"


def test_rest_over_https_keeps_the_connection(tls_gateway):
    connection = _https(tls_gateway)
    for text in ("one", "two"):
        connection.request("POST", f"/{SERVICE}/Unary", json.dumps({"payload": text}), {"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["payload"] == text


def test_plain_http_to_the_tls_port_gets_no_http_answer(tls_gateway):
    connection = http.client.HTTPConnection("127.0.0.1", tls_gateway.port, timeout=5)
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        connection.request("GET", "/v1/anything")
        connection.getresponse()


def test_an_unreadable_certificate_stops_the_start(gateway_bin, tmp_path):
    config = tmp_path / "gateway.yaml"
    config.write_text("\n".join([
        "listen: {port: 1, tls: {cert_file: /nonexistent/cert.pem, key_file: /nonexistent/key.pem}}",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        "backends: [{name: test, address: \"127.0.0.1:1\"}]",
        f"routes: [{{service: {SERVICE}, backend: test}}]",
    ]) + "\n")
    result = processes.run_check(gateway_bin, config)
    assert result.returncode != 0
    assert f"{config}:1:" in result.stderr and "/nonexistent/cert.pem" in result.stderr


def _cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_pipelined_bytes_behind_a_slow_call_do_not_spin_a_tls_worker(tls_gateway):
    """Over TLS, 128 KiB pipelined behind a call that sleeps 2 s fill the connection's input past
    its high-water mark: reading must pause, not turn into a busy loop (libevent 2.1.12 re-runs
    a bufferevent's read callback every loop turn while input sits at its watermark)."""
    context = ssl.create_default_context(cafile=str(tls_gateway.certificate))
    raw = socket.create_connection(("127.0.0.1", tls_gateway.port), timeout=10)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as connection:
        body = grpcweb.encode_message(pb.EchoRequest(payload="slow", sleep_ms=2000))
        first = (
            f"POST /{SERVICE}/Unary HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc-web+proto\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        second = b"POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 131072\r\n\r\n" + b"x" * 131072
        connection.sendall(first)
        time.sleep(0.2)
        sender = threading.Thread(target=lambda: connection.sendall(second), daemon=True)
        sender.start()
        time.sleep(0.3)
        before = _cpu_seconds(tls_gateway.process.pid)
        time.sleep(1.0)
        used = _cpu_seconds(tls_gateway.process.pid) - before
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += connection.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]
    assert used < 0.3, f"the gateway used {used:.2f} s of CPU in 1 s while its client waited"
