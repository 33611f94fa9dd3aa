"""gRPC-Web wire helpers for the tests, written from the spec (grpc/grpc doc/PROTOCOL-WEB.md) and
kept independent of the gateway's own code, so a misreading there cannot hide here.

Frame layout: 1 flag byte (0x00 data, 0x01 compressed data, 0x80 trailers, 0x81 compressed
trailers), a big-endian u32 length, the payload. The trailer payload is `key: value\\r\\n` lines
with no terminating blank line; some peers write `key:value`, so both are accepted.
"""

import base64
import binascii
import struct
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

PREFIX_LENGTH = 5
DATA = 0x00
TRAILERS = 0x80

CONTENT_TYPE_BINARY = "application/grpc-web+proto"
CONTENT_TYPE_TEXT = "application/grpc-web-text"


class FrameError(ValueError):
    """The bytes are not a well-formed sequence of gRPC-Web frames."""


@dataclass
class Frame:
    flags: int
    payload: bytes

    @property
    def is_trailers(self):
        return bool(self.flags & TRAILERS)


def encode_frame(payload, flags=DATA):
    return struct.pack(">BI", flags, len(payload)) + payload


def encode_message(message):
    """A protobuf message as one data frame."""
    return encode_frame(message.SerializeToString())


def encode_trailers(pairs):
    return encode_frame("".join(f"{k}: {v}\r\n" for k, v in pairs).encode("ascii"), TRAILERS)


def decode_frames(body):
    """Splits a whole body into frames. Leftover bytes that do not make a frame are an error."""
    frames = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < PREFIX_LENGTH:
            raise FrameError(f"{len(body) - offset} bytes left at offset {offset}: a truncated prefix")
        flags, length = struct.unpack_from(">BI", body, offset)
        start = offset + PREFIX_LENGTH
        if start + length > len(body):
            raise FrameError(f"frame at offset {offset} declares {length} bytes, {len(body) - start} present")
        frames.append(Frame(flags, bytes(body[start : start + length])))
        offset = start + length
    return frames


class FrameReader:
    """Incremental deframer: feed bytes as they arrive, collect frames as they complete."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data):
        """Returns the frames that `data` completed."""
        self._buffer += data
        completed = []
        while len(self._buffer) >= PREFIX_LENGTH:
            flags, length = struct.unpack_from(">BI", self._buffer, 0)
            if len(self._buffer) < PREFIX_LENGTH + length:
                break
            completed.append(Frame(flags, bytes(self._buffer[PREFIX_LENGTH : PREFIX_LENGTH + length])))
            del self._buffer[: PREFIX_LENGTH + length]
        return completed

    @property
    def pending(self):
        """Bytes received that do not yet make a whole frame."""
        return len(self._buffer)


def parse_trailer_block(payload):
    """`k: v\\r\\n` lines → {lower-case key: value}. Repeated keys are joined with ','."""
    trailers = {}
    text = payload.decode("ascii")
    if text and not text.endswith("\r\n"):
        raise FrameError(f"trailer block does not end with CRLF: {text!r}")
    for line in text.split("\r\n")[:-1]:
        if ":" not in line:
            raise FrameError(f"trailer line without ':': {line!r}")
        key, value = line.split(":", 1)
        key = key.strip().lower()
        value = value.strip()
        trailers[key] = f"{trailers[key]},{value}" if key in trailers else value
    return trailers


def text_encode(body):
    """Binary frames → the base64 text a grpc-web-text client sends."""
    return base64.b64encode(body)


def text_decode(text):
    """Decodes grpc-web-text that may carry padding inside (each flushed chunk is padded on its own).

    Decodes 4-character quanta one by one, strictly: anything that is not standard base64, or a
    length that is not a multiple of 4, is an error.
    """
    if len(text) % 4:
        raise FrameError(f"base64 text of {len(text)} characters is not a multiple of 4")
    out = bytearray()
    for i in range(0, len(text), 4):
        try:
            out += base64.b64decode(text[i : i + 4], validate=True)
        except binascii.Error as error:
            raise FrameError(f"bad base64 at character {i}: {text[i:i + 4]!r}") from error
    return bytes(out)


def percent_decode(grpc_message):
    """grpc-message is UTF-8, then percent-encoded (PROTOCOL-HTTP2.md)."""
    return unquote_to_bytes(grpc_message).decode("utf-8", errors="replace")


def decode_bin_value(value):
    """A `-bin` header value: base64, padded or not (both must be accepted)."""
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


@dataclass
class GrpcWebReply:
    """A gRPC-Web response seen as a client sees it: messages, then a status."""

    messages: list = field(default_factory=list)  # payloads of the data frames, in order
    trailers: dict = field(default_factory=dict)  # the trailer frame, or the headers if trailers-only
    trailers_only: bool = False  # status came in the HTTP headers with an empty body
    frames: list = field(default_factory=list)

    @property
    def status(self):
        return int(self.trailers["grpc-status"]) if "grpc-status" in self.trailers else None

    @property
    def message(self):
        return percent_decode(self.trailers.get("grpc-message", ""))


def parse_reply(headers, body):
    """Interprets a whole gRPC-Web body (already base64-decoded in text mode).

    `headers` maps lower-case names to values. Raises FrameError if the body is not frames, if a
    frame follows the trailer frame, or if a non-empty body has no trailer frame.
    """
    if not body:
        return GrpcWebReply(trailers=dict(headers), trailers_only=True)
    reply = GrpcWebReply(frames=decode_frames(body))
    for index, frame in enumerate(reply.frames):
        if frame.is_trailers:
            if index != len(reply.frames) - 1:
                raise FrameError(f"frame {index} is a trailer frame but not the last one")
            reply.trailers = parse_trailer_block(frame.payload)
        else:
            reply.messages.append(frame.payload)
    if not reply.frames[-1].is_trailers:
        raise FrameError("the body does not end with a trailer frame")
    return reply
