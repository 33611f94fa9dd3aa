"""Ways the tests call the test service: raw gRPC-Web over http1.py, sonora, and polling the
backend's cancellation registry directly.
"""

import time
from dataclasses import dataclass

import sonora.client

import grpcweb
import http1
from testing.v1 import testing_pb2 as pb

SERVICE_PATH = "/testing.v1.TestService/"
CANCELLATION_WINDOW_S = 2.0


def method_path(method):
    return SERVICE_PATH + method


@dataclass
class WebCall:
    """One raw gRPC-Web exchange: the HTTP response and what it means in gRPC terms."""

    response: http1.Response
    reply: grpcweb.GrpcWebReply
    body: bytes  # the binary body (base64-decoded for text replies)

    def messages(self, message_type=pb.EchoResponse):
        return [message_type.FromString(m) for m in self.reply.messages]


def web_headers(*, text=False, accept=None, extra=()):
    headers = [
        ("Content-Type", grpcweb.CONTENT_TYPE_TEXT if text else grpcweb.CONTENT_TYPE_BINARY),
        ("X-Grpc-Web", "1"),
        ("X-User-Agent", "grpc-web-e2e-tests"),
    ]
    if accept:
        headers.append(("Accept", accept))
    return headers + list(extra)


def is_text_reply(response):
    return (response.header("content-type") or "").startswith("application/grpc-web-text")


def decode_body(response):
    """The reply as binary frames. Text replies are decoded chunk by chunk, since each flushed
    chunk carries its own padding; a body with Content-Length is decoded whole (recv() boundaries
    mean nothing)."""
    if not is_text_reply(response):
        return response.body
    if response.chunked:
        return b"".join(grpcweb.text_decode(piece.data) for piece in response.pieces)
    return grpcweb.text_decode(response.body)


def post(port, method, message=None, *, raw_body=None, text=False, accept=None, headers=(), timeout=10.0):
    """POSTs one gRPC-Web request. `message` is framed (and base64'd for text); `raw_body` is sent as is."""
    body = raw_body if raw_body is not None else grpcweb.encode_message(message)
    if text and raw_body is None:
        body = grpcweb.text_encode(body)
    response = http1.request(
        port,
        "POST",
        method_path(method),
        web_headers(text=text, accept=accept, extra=headers),
        body,
        timeout=timeout,
    )
    binary = decode_body(response)
    return WebCall(response, grpcweb.parse_reply(response.headers, binary), binary)


def sonora_unary(url, method, request_type=pb.EchoRequest, response_type=pb.EchoResponse):
    """A sonora unary callable. Generated stubs pass `_registered_method`, which sonora 0.2.3
    rejects, so the channel's unary_unary is called directly."""
    channel = sonora.client.insecure_web_channel(url)
    return channel.unary_unary(
        method_path(method),
        request_serializer=request_type.SerializeToString,
        response_deserializer=response_type.FromString,
    )


def sonora_server_stream(url, method, request_type=pb.StreamRequest, response_type=pb.EchoResponse):
    channel = sonora.client.insecure_web_channel(url)
    return channel.unary_stream(
        method_path(method),
        request_serializer=request_type.SerializeToString,
        response_deserializer=response_type.FromString,
    )


def wait_until_started(backend_stub, call_id, timeout_s=5.0):
    """Polls the backend until it has received `call_id`. Returns False on timeout."""
    return _poll(backend_stub, call_id, lambda state: state.started, timeout_s)


def wait_until_cancelled(backend_stub, call_id, timeout_s=CANCELLATION_WINDOW_S):
    """Polls the backend until it has seen `call_id` cancelled. Returns False on timeout."""
    return _poll(backend_stub, call_id, lambda state: state.cancelled, timeout_s)


def wait_for(condition, timeout_s=5.0):
    """Polls `condition` every 50 ms until it is true (True) or `timeout_s` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _poll(backend_stub, call_id, condition, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        state = backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id=call_id), timeout=2)
        if condition(state):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
