"""Requests whose framing is ambiguous are refused, not guessed at: a lenient server would take
the first of two Content-Lengths, which a proxy in front could read differently (request
smuggling)."""

import socket

import clients
import grpcweb
from testing.v1 import testing_pb2 as pb


def _raw(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while True:
            data = connection.recv(65536)
            if not data:
                return received
            received += data


def test_two_content_lengths_are_refused(gateway):
    body = grpcweb.encode_message(pb.EchoRequest(payload="x"))
    head = (
        f"POST {clients.method_path('Unary')} HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc-web+proto\r\n"
        f"Content-Length: {len(body)}\r\nContent-Length: {len(body) + 7}\r\n\r\n"
    ).encode()
    reply = _raw(gateway.port, head + body + b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Length headers" in reply
    # The connection is closed after the refusal: the bytes after the body are never served.
    assert reply.count(b"HTTP/1.1 ") == 1


def test_two_host_headers_are_refused(gateway):
    reply = _raw(gateway.port, b"GET /v1/x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Host headers" in reply
