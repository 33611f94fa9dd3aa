"""Streams over REST (behavior.md "Streaming"): a server stream as chunked HTTP/1.1 in each format
(NDJSON by default, a JSON array, Server-Sent Events; per gateway and per rule), every message
flushed the moment it arrives (timed on a raw socket), and each failure position made visible:
before the first message a real HTTP error, after messages an NDJSON error line, an SSE `error`
event, or a JSON array cut off before the last chunk. Then client streaming and bidi over REST,
with NDJSON and JSON array bodies, forwarded message by message as they arrive.

ListBooks (GET /v1/shelves/{shelf}/books:stream) sends `count` books `interval_ms` apart and fails
with `fail_code` after `fail_after` of them; each book's `pages` is above 2^53 (an int64 string).
"""

import json
import time

import pytest

import clients
import http1
import rest
from rest import assert_error, describe, request

INTERVAL_S = 0.4
BIG_PAGES = 9007199254740993


def book(sequence, shelf="s1"):
    return {"id": str(sequence), "shelf": {"name": shelf}, "title": f"book {sequence}", "pages": str(BIG_PAGES + sequence)}


@pytest.fixture(scope="module")
def sse_gateway(start_gateway, backend):
    return start_gateway(backend.address, services=rest.SERVICES, http="http:\n  streaming: sse\n")


@pytest.fixture(scope="module")
def array_gateway(start_gateway, backend):
    return start_gateway(backend.address, services=rest.SERVICES, http="http:\n  streaming: json_array\n")


def timed_stream(gateway, path, headers=()):
    """GETs `path` on a raw socket: (response head, [Piece], sent_at). Pieces are chunks."""
    with http1.Connection("127.0.0.1", gateway.port) as connection:
        sent_at = connection.send_request("GET", path, headers)
        response = connection.read_head()
        pieces = list(connection.iter_body(response, method="GET"))
    response.pieces = pieces
    return response, pieces, sent_at


def assert_flushed_as_produced(pieces, sent_at, count):
    """Message n is produced at n*INTERVAL_S: it must arrive before message n+1 exists, and the
    chunks must be spread out over the stream, not arrive together at the end."""
    assert len(pieces) >= count, [p.data for p in pieces]
    for index in range(count):
        arrived = pieces[index].arrived - sent_at
        assert arrived < (index + 0.75) * INTERVAL_S, f"message {index} arrived after {arrived:.3f}s"
    for index in range(1, count):
        gap = pieces[index].arrived - pieces[index - 1].arrived
        assert gap > INTERVAL_S * 0.5, f"messages {index - 1} and {index} arrived {gap:.3f}s apart"


# Formats.


def test_ndjson_by_default_each_line_flushed(rest_gateway):
    response, pieces, sent_at = timed_stream(rest_gateway, f"/v1/shelves/s1/books:stream?count=3&interval_ms={int(INTERVAL_S * 1000)}")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "application/x-ndjson"
    assert response.chunked
    assert [json.loads(p.data) for p in pieces] == [book(0), book(1), book(2)]
    assert all(p.data.endswith(b"\n") and p.data.count(b"\n") == 1 for p in pieces), [p.data for p in pieces]
    assert_flushed_as_produced(pieces, sent_at, 3)


def test_ndjson_with_curl_no_buffer(rest_gateway):
    result = rest.curl("-N", f"{rest_gateway.url}/v1/shelves/s9/books:stream?count=2")
    assert result.returncode == 0, result.stderr
    assert rest.ndjson_lines(result.stdout) == [book(0, "s9"), book(1, "s9")]


def test_json_array_per_gateway_each_element_flushed(array_gateway):
    response, pieces, sent_at = timed_stream(array_gateway, f"/v1/shelves/s1/books:stream?count=3&interval_ms={int(INTERVAL_S * 1000)}")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "application/json"
    assert json.loads(response.body) == [book(0), book(1), book(2)]
    assert pieces[0].data.startswith(b"[")
    assert_flushed_as_produced(pieces, sent_at, 3)


def test_sse_per_gateway_each_event_flushed(sse_gateway):
    response, pieces, sent_at = timed_stream(sse_gateway, f"/v1/shelves/s1/books:stream?count=3&interval_ms={int(INTERVAL_S * 1000)}")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "text/event-stream"
    assert response.header("cache-control") == "no-cache"
    assert rest.sse_events(response.body) == [(None, book(0)), (None, book(1)), (None, book(2))]
    assert all(p.data.startswith(b"data: ") and p.data.endswith(b"\n\n") for p in pieces)
    assert_flushed_as_produced(pieces, sent_at, 3)


def test_sse_per_rule(rest_gateway):
    """ListBooksAlt's YAML rule says `streaming: sse` on an NDJSON gateway."""
    response = request(rest_gateway, "GET", "/v1/alt/sse/s1?count=2")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "text/event-stream"
    assert rest.sse_events(response.body) == [(None, book(0)), (None, book(1))]
    # The annotated ListBooks on the same gateway keeps the gateway's NDJSON.
    plain = request(rest_gateway, "GET", "/v1/shelves/s1/books:stream?count=1")
    assert plain.header("content-type") == "application/x-ndjson"


def test_json_array_per_additional_binding(rest_gateway):
    """The additional binding of ListBooksAlt's rule says `streaming: json_array`; the YAML
    accepts the key there, so it must apply to that binding."""
    response = request(rest_gateway, "GET", "/v1/alt/array/s1?count=2")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "application/json", describe(response)
    assert json.loads(response.body) == [book(0), book(1)]


def test_per_rule_format_wins_over_the_gateway(start_gateway, backend):
    http = rest.REST_HTTP.replace("http:\n", "http:\n  streaming: json_array\n", 1)
    gateway = start_gateway(backend.address, services=rest.SERVICES, http=http)
    response = request(gateway, "GET", "/v1/alt/sse/s1?count=1")
    assert response.header("content-type") == "text/event-stream", describe(response)
    assert rest.sse_events(response.body) == [(None, book(0))]


@pytest.mark.parametrize(
    "fixture, content_type, body",
    [("rest_gateway", "application/x-ndjson", b""), ("array_gateway", "application/json", b"[]"),
     ("sse_gateway", "text/event-stream", b"")],
    ids=["ndjson", "json_array", "sse"],
)
def test_empty_stream_is_an_empty_success(request_fixture, fixture, content_type, body):
    """A stream that ends OK with no message: 200, the format's content type, an empty stream
    (`[]` for an array) — not a google.rpc.Status body."""
    gateway = request_fixture.getfixturevalue(fixture)
    response = request(gateway, "GET", "/v1/shelves/s1/books:stream?count=0")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == content_type, describe(response)
    assert response.body == body, describe(response)


@pytest.fixture
def request_fixture(request):
    return request


# Failures.


@pytest.mark.parametrize("fixture", ["rest_gateway", "array_gateway", "sse_gateway"], ids=["ndjson", "json_array", "sse"])
def test_error_before_the_first_message_is_a_real_http_error(request_fixture, fixture):
    gateway = request_fixture.getfixturevalue(fixture)
    response = request(gateway, "GET", "/v1/shelves/s1/books:stream?count=3&fail_after=0&fail_code=7&fail_message=not%20yours")
    error = assert_error(response, 403, 7)
    assert error["message"] == "not yours"


def test_error_before_the_first_message_with_curl(rest_gateway):
    status, ctype, body = rest.curl_json(f"{rest_gateway.url}/v1/shelves/s1/books:stream?count=3&fail_code=5&fail_message=gone")
    assert (status, ctype) == (404, "application/json")
    assert json.loads(body) == {"code": 5, "message": "gone", "details": []}


def test_ndjson_error_after_messages_is_an_error_line(rest_gateway):
    response = request(
        rest_gateway,
        "GET",
        "/v1/shelves/s1/books:stream?count=3&fail_after=2&fail_code=10&fail_message=conflict&error_details=true",
    )
    assert response.status == 200, describe(response)
    lines = rest.ndjson_lines(response.body)
    assert lines[:2] == [book(0), book(1)]
    assert lines[2:] == [
        {
            "error": {
                "code": 10,
                "message": "conflict",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": "shelf", "description": "stream broke"}],
                    }
                ],
            }
        }
    ]


def test_sse_error_after_messages_is_an_error_event(sse_gateway):
    response = request(sse_gateway, "GET", "/v1/shelves/s1/books:stream?count=3&fail_after=1&fail_code=14&fail_message=down")
    assert response.status == 200, describe(response)
    assert rest.sse_events(response.body) == [
        (None, book(0)),
        ("error", {"code": 14, "message": "down", "details": []}),
    ]


# The failure comes right after the messages (interval 0), when the gateway may still hold them
# unsent; repeated, because what reaches the client then depends on timing.
CUT_OFF_REPEATS = 10


def test_json_array_error_after_messages_is_cut_off(array_gateway):
    """No way to say "failed" inside an array: it stays unterminated and the connection closes
    before the final zero-length chunk, so the response is visibly incomplete — but the head and
    the messages already produced must reach the client first."""
    for attempt in range(CUT_OFF_REPEATS):
        with http1.Connection("127.0.0.1", array_gateway.port) as connection:
            connection.send_request(
                "GET", "/v1/shelves/s1/books:stream?count=3&fail_after=2&fail_code=13&fail_message=boom"
            )
            try:
                response = connection.read_head()
            except http1.HTTPError as error:
                raise AssertionError(f"attempt {attempt}: no response head at all ({error})") from error
            assert response.status == 200, describe(response)
            pieces = []
            with pytest.raises(http1.HTTPError, match="closed"):
                for piece in connection.iter_body(response, method="GET"):
                    pieces.append(piece)
        body = b"".join(p.data for p in pieces)
        assert body.startswith(b"[") and not body.rstrip().endswith(b"]"), body
        assert json.loads(body + b"]") == [book(0), book(1)], f"attempt {attempt}: {body!r}"


def test_json_array_error_after_messages_makes_curl_fail(array_gateway):
    for attempt in range(CUT_OFF_REPEATS):
        result = rest.curl(
            "-N", f"{array_gateway.url}/v1/shelves/s1/books:stream?count=3&fail_after=1&fail_code=13&fail_message=boom"
        )
        # 18: "transfer closed with outstanding read data remaining" (partial file).
        assert result.returncode == 18, (attempt, result.returncode, result.stderr, result.stdout)
        assert json.loads(result.stdout + b"]") == [book(0)], (attempt, result.stdout)


def test_ndjson_error_after_messages_ends_with_trailers_when_asked(rest_gateway):
    """With `TE: trailers`, a failed chunked stream also ends with grpc-status/grpc-message
    trailer fields."""
    raw = (
        f"GET /v1/shelves/s1/books:stream?count=3&fail_after=1&fail_code=9&fail_message=stale%20state HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{rest_gateway.port}\r\nTE: trailers\r\nConnection: close\r\n\r\n"
    ).encode()
    response = rest.read_chunked_to_close(rest_gateway.port, raw)
    assert response.status == 200
    assert response.complete, "the chunked body did not end properly"
    assert response.trailer("grpc-status") == "9", response.trailers
    assert response.trailer("grpc-message") in ("stale state", "stale%20state"), response.trailers


def test_stream_of_many_messages_arrives_whole_and_in_order(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/shelves/big/books:stream?count=500", timeout=30)
    assert response.status == 200, describe(response)
    lines = rest.ndjson_lines(response.body)
    assert [line["id"] for line in lines] == [str(n) for n in range(500)]


# Client streaming and bidi.


def test_client_stream_ndjson_body(rest_gateway):
    body = b'{"id": "1", "title": "a"}\n\n{"id": "2", "pages": "12"}\n'
    response = request(
        rest_gateway, "POST", "/v1/books:collect", headers=[("Content-Type", "application/x-ndjson")], body=body
    )
    reply = rest.ok_json(response)
    assert reply["method"] == "CollectBooks"
    assert json.loads(reply["requestJson"]) == [{"id": "1", "title": "a"}, {"id": "2", "pages": "12"}]


def test_client_stream_json_array_body(rest_gateway):
    body = json.dumps([{"id": "1"}, {"title": "b"}, {}]).encode()
    response = request(rest_gateway, "POST", "/v1/books:collect", headers=[("Content-Type", "application/json")], body=body)
    assert json.loads(rest.ok_json(response)["requestJson"]) == [{"id": "1"}, {"title": "b"}, {}]


def test_client_stream_bad_message_is_400_naming_it(rest_gateway):
    body = b'{"id": "1"}\n{"pages": "many"}\n'
    response = request(rest_gateway, "POST", "/v1/books:collect", headers=[("Content-Type", "application/x-ndjson")], body=body)
    assert_error(response, 400, 3, "pages")


def test_client_stream_backend_error(rest_gateway):
    body = b'{"id": "1"}\n{"title": "fail"}\n'
    response = request(rest_gateway, "POST", "/v1/books:collect", headers=[("Content-Type", "application/x-ndjson")], body=body)
    assert_error(response, 400, 3, "book 1")


def test_bidi_ndjson_body(rest_gateway):
    body = b'{"id": "1", "title": "hi"}\n{"id": "2", "title": "there"}\n'
    response = request(rest_gateway, "POST", "/v1/books:chat", headers=[("Content-Type", "application/x-ndjson")], body=body)
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "application/x-ndjson"
    assert rest.ndjson_lines(response.body) == [{"id": "1", "title": "echo: hi"}, {"id": "2", "title": "echo: there"}]


def test_bidi_json_array_body(array_gateway):
    body = json.dumps([{"id": "1", "title": "x"}, {"id": "2", "title": "y"}]).encode()
    response = request(array_gateway, "POST", "/v1/books:chat", headers=[("Content-Type", "application/json")], body=body)
    assert response.status == 200, describe(response)
    assert json.loads(response.body) == [{"id": "1", "title": "echo: x"}, {"id": "2", "title": "echo: y"}]


def _chunk(data):
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _open_chunked_post(gateway, path, call_id):
    connection = http1.Connection("127.0.0.1", gateway.port)
    connection.send_request(
        "POST",
        path,
        [
            ("Content-Type", "application/x-ndjson"),
            ("Transfer-Encoding", "chunked"),
            ("grpc-metadata-x-call-id", call_id),
        ],
    )
    return connection


def _wait_for_progress(rules_stub, call_id, at_least, timeout_s=3.0):
    from testing.v1 import http_rules_pb2 as pb

    deadline = time.monotonic() + timeout_s
    while True:
        progress = rules_stub.StreamProgress(pb.StreamProgressRequest(call_id=call_id), timeout=2)
        if progress.received >= at_least or time.monotonic() > deadline:
            return progress.received
        time.sleep(0.05)


def test_client_stream_is_forwarded_as_it_arrives(rest_gateway, rules_stub, call_id):
    """behavior.md: the request body is "read and forwarded message by message as it arrives,
    not buffered whole": the backend has the first book while the client is still sending."""
    connection = _open_chunked_post(rest_gateway, "/v1/books:collect", call_id)
    try:
        connection.sock.sendall(_chunk(b'{"id": "1", "title": "first"}\n'))
        received = _wait_for_progress(rules_stub, call_id, 1)
        assert received >= 1, "the backend had no message 3 s after the client sent the first line"
        connection.sock.sendall(_chunk(b'{"id": "2", "title": "second"}\n') + b"0\r\n\r\n")
        response = connection.read_response()
        assert json.loads(rest.ok_json(response)["requestJson"]) == [
            {"id": "1", "title": "first"},
            {"id": "2", "title": "second"},
        ]
    finally:
        connection.close()


def test_bidi_replies_before_the_request_body_ends(rest_gateway, call_id):
    """A bidi answer streams back while the client still sends: reply 1 before request 2."""
    connection = _open_chunked_post(rest_gateway, "/v1/books:chat", call_id)
    try:
        connection.sock.sendall(_chunk(b'{"id": "1", "title": "ping"}\n'))
        connection.sock.settimeout(3.0)
        response = connection.read_head()
        assert response.status == 200, describe(response)
        body = connection.iter_body(response)
        first = next(body)
        assert json.loads(first.data) == {"id": "1", "title": "echo: ping"}
        connection.sock.sendall(_chunk(b'{"id": "2", "title": "pong"}\n') + b"0\r\n\r\n")
        rest_pieces = list(body)
        assert [json.loads(p.data) for p in rest_pieces] == [{"id": "2", "title": "echo: pong"}]
    except TimeoutError as error:
        raise AssertionError("no reply within 3 s of the first request line: the body is buffered whole") from error
    finally:
        connection.close()


# The client going away.


def test_closing_a_rest_stream_cancels_the_backend_call(rest_gateway, backend_stub, call_id):
    """behavior.md: "The client going away cancels the backend stream at once" — here a REST
    client of TestService.HangStream (auto-mapped), which sends one message and then waits."""
    connection = http1.Connection("127.0.0.1", rest_gateway.port)
    try:
        connection.send_request(
            "POST",
            "/testing.v1.TestService/HangStream",
            [("Content-Type", "application/json")],
            json.dumps({"count": 1, "callId": call_id}).encode(),
        )
        response = connection.read_head()
        assert response.status == 200, describe(response)
        first = next(connection.iter_body(response))
        assert json.loads(first.data)["payload"] == "0", first.data
    finally:
        connection.close()
    assert clients.wait_until_cancelled(backend_stub, call_id), "the backend call was not cancelled within 2 s"


def test_closing_a_rest_unary_call_cancels_the_backend_call(rest_gateway, backend_stub, call_id):
    connection = http1.Connection("127.0.0.1", rest_gateway.port)
    try:
        connection.send_request(
            "POST", "/testing.v1.TestService/Hang", [("Content-Type", "application/json")],
            json.dumps({"callId": call_id}).encode(),
        )
        assert clients.wait_until_started(backend_stub, call_id), "the call never reached the backend"
    finally:
        connection.close()
    assert clients.wait_until_cancelled(backend_stub, call_id), "the backend call was not cancelled within 2 s"


def test_a_bidi_client_may_pause_longer_than_idle_timeout(start_test_gateway, backend, call_id):
    """behavior.md: streams are not cut by default timeouts. With idle_timeout 1s, a bidi client
    that pauses 2.5 s between messages still gets both answers."""
    gateway = start_test_gateway(backend.address, services=rest.SERVICES, http=rest.REST_HTTP, limits={"idle_timeout": "1s"})
    connection = _open_chunked_post(gateway, "/v1/books:chat", call_id)
    try:
        connection.sock.sendall(_chunk(b'{"id": "1", "title": "ping"}\n'))
        connection.sock.settimeout(5.0)
        response = connection.read_head()
        assert response.status == 200, describe(response)
        body = connection.iter_body(response)
        assert json.loads(next(body).data) == {"id": "1", "title": "echo: ping"}
        time.sleep(2.5)
        connection.sock.sendall(_chunk(b'{"id": "2", "title": "pong"}\n') + b"0\r\n\r\n")
        assert [json.loads(p.data) for p in body] == [{"id": "2", "title": "echo: pong"}]
    finally:
        connection.close()
