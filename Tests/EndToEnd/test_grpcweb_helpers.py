"""The suite's own gRPC-Web helpers against bytes written out by hand, so the end-to-end tests do
not share a mistake with the gateway. No processes needed."""

import pytest

import grpcweb
from grpcweb import FrameError

# Envoy's OK trailer frame, byte for byte (protocols.md B4): no space after the colon, 30 bytes.
ENVOY_OK_TRAILER = b"\x80\x00\x00\x00\x1e" + b"grpc-status:0\r\ngrpc-message:\r\n"


def test_encode_data_frame():
    assert grpcweb.encode_frame(b"\x0a\x02hi") == b"\x00\x00\x00\x00\x04\x0a\x02hi"


def test_encode_empty_message_is_a_bare_prefix():
    assert grpcweb.encode_frame(b"") == b"\x00\x00\x00\x00\x00"


def test_encode_trailers():
    assert grpcweb.encode_trailers([("grpc-status", "0")]) == b"\x80\x00\x00\x00\x10grpc-status: 0\r\n"


def test_decode_data_then_envoy_trailer():
    frames = grpcweb.decode_frames(b"\x00\x00\x00\x00\x02hi" + ENVOY_OK_TRAILER)
    assert [(f.flags, f.is_trailers) for f in frames] == [(0x00, False), (0x80, True)]
    assert frames[0].payload == b"hi"
    assert grpcweb.parse_trailer_block(frames[1].payload) == {"grpc-status": "0", "grpc-message": ""}


def test_length_is_big_endian():
    frames = grpcweb.decode_frames(b"\x00\x00\x00\x01\x00" + b"x" * 256)
    assert len(frames[0].payload) == 256


@pytest.mark.parametrize(
    "body",
    [b"\x00\x00\x00", b"\x00\x00\x00\x00\x05abc", ENVOY_OK_TRAILER[:-1]],
    ids=["truncated-prefix", "short-payload", "short-trailer"],
)
def test_decode_rejects_incomplete_frames(body):
    with pytest.raises(FrameError):
        grpcweb.decode_frames(body)


def test_trailer_block_forms_and_case():
    block = b"Grpc-Status: 3\r\ngrpc-message:bad%20thing\r\nx-a: 1\r\nx-a: 2\r\n"
    assert grpcweb.parse_trailer_block(block) == {"grpc-status": "3", "grpc-message": "bad%20thing", "x-a": "1,2"}


def test_trailer_block_must_end_with_crlf():
    with pytest.raises(FrameError):
        grpcweb.parse_trailer_block(b"grpc-status: 0")


def test_frame_reader_drip_fed_byte_by_byte():
    body = b"\x00\x00\x00\x00\x02hi" + b"\x00\x00\x00\x00\x00" + ENVOY_OK_TRAILER
    reader = grpcweb.FrameReader()
    completed = []
    for i in range(len(body)):
        completed += [(i, f.payload) for f in reader.feed(body[i : i + 1])]
    assert [(i, p[:4]) for i, p in completed] == [(6, b"hi"), (11, b""), (46, b"grpc")]
    assert reader.pending == 0


def test_text_decode_with_padding_inside():
    # Two flushes, each padded on its own: "AAAAAA==" decodes "\0\0\0" then "\0".
    assert grpcweb.text_decode(b"AAAAAA==") == b"\x00\x00\x00\x00"
    assert grpcweb.text_decode(b"aGk=aGk=") == b"hihi"


@pytest.mark.parametrize("text", [b"aGk", b"aG!=", b"a=Gk"], ids=["not-multiple-of-4", "bad-char", "pad-in-middle"])
def test_text_decode_rejects_bad_base64(text):
    with pytest.raises(FrameError):
        grpcweb.text_decode(text)


def test_percent_decode_utf8_and_percent():
    assert grpcweb.percent_decode("100%25 %E2%98%83 gone") == "100% ☃ gone"


def test_bin_values_padded_or_not():
    assert grpcweb.decode_bin_value("AP8") == grpcweb.decode_bin_value("AP8=") == b"\x00\xff"


def test_parse_reply_trailers_only():
    reply = grpcweb.parse_reply({"grpc-status": "5", "grpc-message": "x%20y"}, b"")
    assert (reply.trailers_only, reply.status, reply.message) == (True, 5, "x y")


def test_parse_reply_messages_then_status():
    reply = grpcweb.parse_reply({}, b"\x00\x00\x00\x00\x02hi" + ENVOY_OK_TRAILER)
    assert (reply.trailers_only, reply.messages, reply.status) == (False, [b"hi"], 0)


@pytest.mark.parametrize(
    "body",
    [b"\x00\x00\x00\x00\x02hi", ENVOY_OK_TRAILER + b"\x00\x00\x00\x00\x02hi"],
    ids=["no-trailer-frame", "frame-after-trailers"],
)
def test_parse_reply_rejects_bad_shapes(body):
    with pytest.raises(FrameError):
        grpcweb.parse_reply({}, body)
