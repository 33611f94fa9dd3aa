"""Response framing on kept-alive connections: what the gateway writes must end exactly where the
client expects, or the next response on the connection is read wrong.

From a review of the front end: a body written after a HEAD (or 204/304) head would be read as
the start of the next response.
The array-stream tests check what a client of a failing stream sees; they do not reproduce the
race the review also found (messages and failure in one read, freed with output still buffered):
grpcio sends each message in its own write, so here the output has always drained.
"""

import json
import socket

import pytest

import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS, _q


def _read_all(sock):
    received = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return received
        received += data


def test_a_head_request_gets_no_body_and_the_connection_stays_usable(gateway):
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as sock:
        sock.sendall(b"HEAD /v1/nowhere HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/nowhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        received = _read_all(sock)
    first, _, rest = received.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 404")
    # The second response starts right after the first head: no stray body in between.
    assert rest.startswith(b"HTTP/1.1 404"), rest[:80]
    assert rest.count(b"HTTP/1.1 ") == 1


@pytest.fixture(scope="module")
def array_gateway(gateway_bin, backend, tmp_path_factory):
    directory = tmp_path_factory.mktemp("array")
    port = processes.free_port()
    config = directory / "gateway.yaml"
    config.write_text("\n".join([
        f"listen: {{host: 127.0.0.1, port: {port}}}",
        "workers: 1",
        f"descriptors: [{_q(TESTING_DESCRIPTORS)}]",
        f"backends: [{{name: test, address: {_q(backend.address)}}}]",
        f"routes: [{{service: {SERVICE}, backend: test}}]",
        "http: {streaming: json_array}",
    ]) + "\n")
    gateway = processes.GatewayProcess(gateway_bin, config, port, directory / "gateway.log")
    yield gateway
    gateway.stop()


def _stream_request(port, body):
    request = json.dumps(body).encode()
    head = (
        f"POST /{SERVICE}/ServerStream HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(request)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + request)
        return _read_all(sock)


def _dechunk(body):
    """The chunks' data, and whether the terminating zero-length chunk was there."""
    data, complete = b"", False
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            complete = True
            break
        data, body = data + body[:size], body[size + 2:]
    return data, complete


def test_an_array_stream_that_fails_keeps_what_was_sent_and_is_cut(array_gateway):
    # Everything written before the failure must reach the client, then the response must end
    # unfinished: no closing bracket, no final zero-length chunk.
    received = _stream_request(array_gateway.port, {"count": 5, "failAfter": 3, "failCode": 13, "failMessage": "boom"})
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    data, complete = _dechunk(body)
    assert not complete, "a failed array stream must not end with the final zero-length chunk"
    assert data.startswith(b"[") and not data.rstrip().endswith(b"]")
    assert data.count(b'"sequence"') + data.count(b'"payload"') >= 3, data[:200]


def test_an_array_stream_that_succeeds_is_a_complete_array(array_gateway):
    received = _stream_request(array_gateway.port, {"count": 3})
    head, _, body = received.partition(b"\r\n\r\n")
    data, complete = _dechunk(body)
    assert complete
    assert len(json.loads(data)) == 3
