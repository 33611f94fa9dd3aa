"""gRPC-Web text (base64) → gRPC. Replies are text when the request was text or Accept asks for
it, and every flushed chunk is whole, padded base64 (the grpc-web JS client decodes chunk by chunk)."""

import base64
import binascii

import clients
import grpcweb
import http1
from testing.v1 import testing_pb2 as pb

TEXT_REPLY_TYPE = "application/grpc-web-text+proto"


def media_type(response):
    return (response.header("content-type") or "").split(";")[0].strip()


def assert_chunks_are_padded_base64(response):
    for index, piece in enumerate(response.pieces):
        assert len(piece.data) % 4 == 0, f"chunk {index} is {len(piece.data)} characters, not a multiple of 4"
        try:
            base64.b64decode(piece.data, validate=True)
        except binascii.Error as error:
            raise AssertionError(f"chunk {index} is not valid base64 on its own: {piece.data[:40]!r}") from error


def test_text_request_gets_text_reply(gateway):
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="in text"), text=True)
    assert call.response.status == 200
    assert media_type(call.response) == TEXT_REPLY_TYPE
    assert_chunks_are_padded_base64(call.response)
    assert call.messages()[0].payload == "in text"
    assert call.reply.status == 0


def test_text_stream_every_chunk_is_padded_base64(gateway):
    # 1-byte blobs make frame lengths that are not multiples of 3, so each flush needs padding.
    request = pb.StreamRequest(count=4, interval_ms=100, message_size=1)
    response = http1.request(
        gateway.port,
        "POST",
        clients.method_path("ServerStream"),
        clients.web_headers(text=True),
        grpcweb.text_encode(grpcweb.encode_message(request)),
    )
    assert media_type(response) == TEXT_REPLY_TYPE
    assert response.chunked, "a stream is sent chunk by chunk"
    assert_chunks_are_padded_base64(response)
    reply = grpcweb.parse_reply(response.headers, clients.decode_body(response))
    assert [pb.EchoResponse.FromString(m).sequence for m in reply.messages] == [0, 1, 2, 3]
    assert reply.status == 0


def test_binary_request_with_text_accept_gets_text(gateway):
    call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload="accept"), accept="application/grpc-web-text")
    assert media_type(call.response) == TEXT_REPLY_TYPE
    assert call.messages()[0].payload == "accept"


def test_text_error_is_trailers_only(gateway):
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(status_code=7, status_message="denied", trailers_only_error=True),
        text=True,
    )
    assert call.response.status == 200
    assert call.response.body == b""
    assert call.response.header("grpc-status") == "7"


def test_text_binary_trailer_is_not_base64_twice(gateway):
    """-bin trailers are base64 once (their own encoding), not again for text mode."""
    value = b"\x00\x01\x02\xff"
    call = clients.post(
        gateway.port,
        "Unary",
        pb.EchoRequest(),
        text=True,
        headers=[("x-echo-t-bin", base64.b64encode(value).decode())],
    )
    assert grpcweb.decode_bin_value(call.reply.trailers["x-trailer-echo-t-bin"]) == value
