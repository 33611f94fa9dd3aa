"""The gateway's own HTTP/1.1 front end, as a client sees it: limits answered with the right
status, slow clients cut, the connection limit, Expect: 100-continue, chunked request bodies,
pipelining, and an upload that is read only as fast as the backend takes it."""

import json
import socket
import threading
import time

import admin
import clients
import grpcweb
import http1
import processes
import rest
from gateway_config import MAX_REQUEST_BODY
from test_backend_flow_control import gateway_binary_for_rss, rss_bytes
from testing.v1 import testing_pb2 as pb


def _raw_exchange(port, data, timeout=5.0):
    """Sends `data` on a new connection and returns every byte the gateway sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk


def _status_and_json(reply):
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {line.split(b":", 1)[0].strip().lower(): line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")[1:]}
    return status, headers, json.loads(body)


def test_a_head_over_the_limit_gets_431_as_json_and_the_connection_closes(gateway):
    request = b"GET /v1/x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"y" * (20 * 1024) + b"\r\n\r\n"
    reply = _raw_exchange(gateway.port, request + b"GET /v1/x HTTP/1.1\r\nHost: a\r\n\r\n")
    status, headers, body = _status_and_json(reply)
    assert status == 431
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"connection"] == b"close"
    assert body["code"] == 8 and "16384 bytes" in body["message"]
    # Nothing after the refused head is served.
    assert reply.count(b"HTTP/1.1 ") == 1


def test_a_request_line_over_the_limit_gets_414(gateway):
    reply = _raw_exchange(gateway.port, b"GET /" + b"p" * (20 * 1024) + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    status, _, body = _status_and_json(reply)
    assert status == 414 and body["code"] == 8


def test_connect_and_trace_get_501_and_a_newer_version_505(gateway):
    status, _, body = _status_and_json(_raw_exchange(gateway.port, b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert status == 501 and body["code"] == 12 and "CONNECT" in body["message"]
    status, _, _ = _status_and_json(_raw_exchange(gateway.port, b"GET / HTTP/1.2\r\nHost: a\r\n\r\n"))
    assert status == 505


def test_a_smuggling_shape_is_refused_before_any_backend_sees_it(gateway):
    body = grpcweb.encode_message(pb.EchoRequest(payload="x"))
    request = (
        f"POST {clients.method_path('Unary')} HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc-web+proto\r\n"
        f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode() + body
    status, _, payload = _status_and_json(_raw_exchange(gateway.port, request))
    assert status == 400 and "both Content-Length and Transfer-Encoding" in payload["message"]


def test_a_head_sent_too_slowly_gets_408_even_while_bytes_trickle_in(start_test_gateway, backend):
    gateway = start_test_gateway(backend.address, limits={"header_read_timeout": "1s"})
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as connection:
        started = time.monotonic()
        connection.sendall(b"GET /v1/x HTTP/1.1\r\nHost: a\r\n")
        received = b""
        # One byte every 200 ms: the connection is never idle, but the head never ends.
        for _ in range(20):
            try:
                connection.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            connection.settimeout(0.2)
            try:
                data = connection.recv(65536)
                received += data
                if not data or b"\r\n\r\n" in received:
                    break
            except socket.timeout:
                pass
        elapsed = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert 0.9 <= elapsed < 2.5, elapsed


def test_connections_past_max_connections_are_closed_and_counted(start_test_gateway, backend):
    admin_port = processes.free_port()
    gateway = start_test_gateway(
        backend.address,
        limits={"max_connections": 2},
        extra_yaml=f"admin: {{host: 127.0.0.1, port: {admin_port}}}",
    )
    # The start-up probe's connection counts until the gateway has read its close: let it.
    time.sleep(0.5)
    first = http1.Connection("127.0.0.1", gateway.port)
    second = http1.Connection("127.0.0.1", gateway.port)
    for connection in (first, second):
        connection.send_request("POST", clients.method_path("Unary"), clients.web_headers(), grpcweb.encode_message(pb.EchoRequest(payload="x")))
        assert connection.read_response().status == 200
    # The third is accepted by the kernel and closed by the gateway at once, unanswered.
    assert _raw_exchange(gateway.port, b"GET /v1/x HTTP/1.1\r\nHost: a\r\n\r\n") == b""
    first.close()
    time.sleep(0.3)
    # Once one closes, a new connection is served again.
    assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="again")).reply.status == 0
    second.close()
    # Every client connection is closed now (the scrape's own is on the admin listener); the
    # gauge follows once the gateway has read the closes.
    assert clients.wait_for(lambda: admin.metrics(admin_port)["gateway_client_connections"] == 0, 3)
    assert admin.metrics(admin_port)['gateway_limit_breaches_total{limit="connections"}'] == 1


def test_expect_100_continue_is_answered_before_the_body_is_sent(gateway):
    body = grpcweb.encode_message(pb.EchoRequest(payload="after continue"))
    with http1.Connection("127.0.0.1", gateway.port) as connection:
        connection.send_request(
            "POST", clients.method_path("Unary"),
            clients.web_headers(extra=[("Expect", "100-continue"), ("Content-Length", str(len(body)))]),
        )
        interim = connection.read_head()
        assert interim.status == 100
        connection.sock.sendall(body)
        response = connection.read_response()
    assert response.status == 200
    reply = grpcweb.parse_reply(response.headers, response.body)
    assert reply.status == 0
    assert pb.EchoResponse.FromString(reply.messages[0]).payload == "after continue"


def test_a_chunked_request_body_sent_in_pieces_is_read_whole(gateway):
    body = grpcweb.encode_message(pb.EchoRequest(payload="z" * 5000))
    with http1.Connection("127.0.0.1", gateway.port) as connection:
        connection.send_request("POST", clients.method_path("Unary"), clients.web_headers(extra=[("Transfer-Encoding", "chunked")]))
        for start in range(0, len(body), 1500):
            piece = body[start : start + 1500]
            connection.sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            time.sleep(0.05)
        connection.sock.sendall(b"0\r\n\r\n")
        response = connection.read_response()
    reply = grpcweb.parse_reply(response.headers, response.body)
    assert response.status == 200 and reply.status == 0
    assert pb.EchoResponse.FromString(reply.messages[0]).payload == "z" * 5000


def test_a_chunked_body_over_the_limit_gets_413_without_being_stored(rest_gateway):
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        connection.send_request("POST", "/v1/shelves/s/books", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        piece = b"x" * 65536
        sent = 0
        try:
            while sent <= MAX_REQUEST_BODY + 65536:
                connection.sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.read_response()
    rest.assert_error(response, 413, 8, "larger than the limit")
    assert response.header("connection") == "close"


def test_pipelined_requests_are_answered_in_order(rest_gateway):
    paths = ["/v1/shelves/a/books/1", "/v1/shelves/b/books/2", "/v1/shelves/c/books/3"]
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        connection.sock.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: a\r\n\r\n".encode() for p in paths))
        replies = [connection.read_response(method="GET") for _ in paths]
    for path, response in zip(paths, replies):
        book = rest.echoed(response)["book"]
        assert f"/v1/shelves/{book['shelf']['name']}/books/{book['id']}" == path


LINE = (json.dumps({"id": "b", "title": "t" * (32 * 1024)}) + "\n").encode()


def test_an_upload_is_read_only_as_fast_as_the_backend_takes_it(start_test_gateway, backend, rules_stub, call_id):
    """#5: a client-streaming upload to a backend that reads one 32 KiB message per 50 ms. The
    client pushes as fast as it can for 4 s; what it manages to send stays near what the backend
    consumed (plus socket and HTTP/2 window buffers), and the gateway's memory does not grow."""
    from testing.v1 import http_rules_pb2 as rules_pb

    gateway = start_test_gateway(
        backend.address, binary=gateway_binary_for_rss(), workers=1, services=rest.SERVICES, http=rest.REST_HTTP
    )
    baseline = rss_bytes(gateway.process.pid)
    connection = http1.Connection("127.0.0.1", gateway.port)
    connection.send_request(
        "POST", "/v1/books:collect",
        [("Content-Type", "application/x-ndjson"), ("Transfer-Encoding", "chunked"),
         ("grpc-metadata-x-call-id", call_id), ("grpc-metadata-x-read-delay-ms", "50")],
    )
    chunk = f"{len(LINE) * 8:x}\r\n".encode() + LINE * 8 + b"\r\n"
    sent = 0
    stop = time.monotonic() + 4.0
    connection.sock.settimeout(0.1)
    peak = baseline
    while time.monotonic() < stop:
        try:
            sent += connection.sock.send(chunk)  # partial sends are fine: the bytes stay in order
        except socket.timeout:
            pass
        peak = max(peak, rss_bytes(gateway.process.pid))
    consumed_messages = rules_stub.StreamProgress(rules_pb.StreamProgressRequest(call_id=call_id), timeout=2).received
    connection.abort()
    consumed = consumed_messages * len(LINE)
    growth = peak - baseline
    print(
        f"\nupload to a slow reader: client sent {sent / 2**20:.1f} MiB in 4 s, backend consumed "
        f"{consumed / 2**20:.1f} MiB ({consumed_messages} messages); gateway RSS growth {growth / 2**20:.1f} MiB"
    )
    assert consumed_messages >= 20, "the backend should have been reading throughout"
    # Unpaced, the client could push hundreds of MiB over loopback in 4 s.
    assert sent - consumed < 48 * 2**20
    assert growth < 16 * 2**20


def test_a_streamed_request_message_over_the_limit_gets_413(rest_gateway, call_id):
    """A client stream's total length is unbounded, each message's is not: one NDJSON line over
    max_request_body ends the call with 413 instead of being held in memory."""
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        connection.send_request(
            "POST", "/v1/books:collect",
            [("Content-Type", "application/x-ndjson"), ("Transfer-Encoding", "chunked"), ("grpc-metadata-x-call-id", call_id)],
        )
        piece = b'{"id": "1", "title": "' + b"t" * 65536
        try:
            for _ in range(MAX_REQUEST_BODY // 65536 + 4):
                connection.sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                piece = b"t" * 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.read_response()
    rest.assert_error(response, 413, 8, "request message 0 is larger than the limit")


def test_a_bad_chunk_sent_with_the_head_gets_400_and_the_connection_ends(gateway):
    """The refusal is followed by the gateway's close even though the client keeps its socket
    open: the connection (and its slot under max_connections) is not left behind."""
    request = (
        f"POST {clients.method_path('Unary')} HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc-web+proto\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while True:
            data = connection.recv(65536)
            if not data:
                break
            received += data
    status, headers, body = _status_and_json(received)
    assert status == 400 and "chunk size" in body["message"]
    assert headers[b"connection"] == b"close"


def test_chunk_framing_with_a_bare_lf_is_refused(gateway):
    body = grpcweb.encode_message(pb.EchoRequest(payload="x"))
    request = (
        f"POST {clients.method_path('Unary')} HTTP/1.1\r\nHost: a\r\nContent-Type: application/grpc-web+proto\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode() + f"{len(body):x}\n".encode() + body + b"\r\n0\r\n\r\n"
    status, _, payload = _status_and_json(_raw_exchange(gateway.port, request))
    assert status == 400 and "bare LF" in payload["message"]
