"""gRPC-Web → gRPC over TLS: the gateway verifies the backend's certificate (CA, name), speaks
HTTP/2 only when ALPN selects h2, and presents a client certificate for mutual TLS.

The certificates are made at test time with `openssl` (a throwaway CA, a server certificate for
127.0.0.1/localhost, a client certificate), and the TLS backend is a grpcio server in this
process serving the same TestService as the plaintext suite.
"""

import subprocess
from concurrent import futures
from pathlib import Path

import grpc
import pytest

import clients
import processes
from gateway_config import ALLOWED_ORIGIN, SERVICE, TESTING_DESCRIPTORS, _q
import test_backend
from testing.v1 import testing_pb2 as pb
from testing.v1 import testing_pb2_grpc as pb_grpc

OK, UNAVAILABLE = 0, 14


def _openssl(*arguments, cwd):
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


def _make_ca(directory, name):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=directory)


def _make_leaf(directory, ca, name, extensions):
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", cwd=directory)
    (directory / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=directory)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    _make_ca(directory, "ca")
    _make_ca(directory, "other-ca")
    _make_leaf(directory, "ca", "server",
               "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _make_leaf(directory, "ca", "client", "extendedKeyUsage=clientAuth\n")
    return directory


def _start_tls_backend(certificates, *, require_client_certificate):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.so_reuseport", 0)])
    pb_grpc.add_TestServiceServicer_to_server(test_backend.TestingBackend(test_backend.CallRegistry()), server)
    credentials = grpc.ssl_server_credentials(
        [((certificates / "server.key").read_bytes(), (certificates / "server.pem").read_bytes())],
        root_certificates=(certificates / "ca.pem").read_bytes() if require_client_certificate else None,
        require_client_auth=require_client_certificate,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port


@pytest.fixture(scope="module")
def tls_backend(certificates):
    server, port = _start_tls_backend(certificates, require_client_certificate=False)
    yield port
    server.stop(0)


@pytest.fixture(scope="module")
def mutual_tls_backend(certificates):
    server, port = _start_tls_backend(certificates, require_client_certificate=True)
    yield port
    server.stop(0)


@pytest.fixture
def tls_gateway(gateway_bin, tmp_path):
    """start(backend_port, tls_yaml) → a running gateway whose only backend uses that tls block."""
    started = []

    def start(backend_port, tls):
        port = processes.free_port()
        config = tmp_path / f"gateway-{len(started)}.yaml"
        config.write_text("\n".join([
            f"listen: {{host: 127.0.0.1, port: {port}}}",
            "workers: 1",
            f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
            "backends:",
            "  - name: secure",
            f"    address: 127.0.0.1:{backend_port}",
            f"    tls: {tls}",
            "routes:",
            f"  - {{service: {SERVICE}, backend: secure}}",
            f"cors: {{allowed_origins: [{_q(ALLOWED_ORIGIN)}]}}",
        ]) + "\n")
        gateway = processes.GatewayProcess(gateway_bin, config, port, tmp_path / f"gateway-{len(started)}.log")
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


def _unary(gateway, payload):
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload=payload))
    return call.response, call.reply


def test_unary_over_tls_with_the_right_ca(certificates, tls_backend, tls_gateway):
    gateway = tls_gateway(tls_backend, f"{{ca_file: {_q(certificates / 'ca.pem')}}}")
    response, reply = _unary(gateway, "over tls")
    assert response.status == 200
    assert reply.status == OK, reply.message
    assert [pb.EchoResponse.FromString(m).payload for m in reply.messages] == ["over tls"]


def test_a_certificate_from_another_ca_is_refused(certificates, tls_backend, tls_gateway):
    gateway = tls_gateway(tls_backend, f"{{ca_file: {_q(certificates / 'other-ca.pem')}}}")
    _, reply = _unary(gateway, "untrusted")
    assert reply.status == UNAVAILABLE
    assert "certificate verify failed" in reply.message


def test_a_certificate_for_another_name_is_refused(certificates, tls_backend, tls_gateway):
    gateway = tls_gateway(
        tls_backend, f"{{ca_file: {_q(certificates / 'ca.pem')}, server_name: orders.example}}")
    _, reply = _unary(gateway, "wrong name")
    assert reply.status == UNAVAILABLE
    assert "certificate verify failed" in reply.message


def test_mutual_tls_presents_the_client_certificate(certificates, mutual_tls_backend, tls_gateway):
    tls = (f"{{ca_file: {_q(certificates / 'ca.pem')}, cert_file: {_q(certificates / 'client.pem')}, "
           f"key_file: {_q(certificates / 'client.key')}}}")
    gateway = tls_gateway(mutual_tls_backend, tls)
    _, reply = _unary(gateway, "mutual")
    assert reply.status == OK, reply.message


def test_mutual_tls_without_a_client_certificate_fails(certificates, mutual_tls_backend, tls_gateway):
    gateway = tls_gateway(mutual_tls_backend, f"{{ca_file: {_q(certificates / 'ca.pem')}}}")
    _, reply = _unary(gateway, "no client certificate")
    assert reply.status == UNAVAILABLE


def test_a_missing_ca_file_stops_the_start(gateway_bin, tmp_path, tls_backend):
    config = tmp_path / "bad.yaml"
    config.write_text("\n".join([
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        "backends:",
        "  - name: secure",
        f"    address: 127.0.0.1:{tls_backend}",
        "    tls: {ca_file: /nonexistent/ca.pem}",
        "routes:",
        f"  - {{service: {SERVICE}, backend: secure}}",
    ]) + "\n")
    result = processes.run_check(gateway_bin, config)
    assert result.returncode != 0
    assert f"{config}:5:" in result.stderr
    assert "/nonexistent/ca.pem" in result.stderr
