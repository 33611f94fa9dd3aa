"""The grpcio (C core) backend behind the gateway in the end-to-end tests: testing.v1.TestService.

Not a test module (conftest.py keeps pytest from collecting it); the suite runs it as a subprocess:

    .venv/bin/python Tests/EndToEnd/test_backend.py --port 0

It prints `LISTENING <port>` on stdout once it serves, so the suite learns the port without racing
for it. What each request field does is documented in Protos/testing/v1/testing.proto.

Options for the fault-injection tests (each test starts its own backends with them):
  --instance NAME      every response head carries `x-backend-instance: NAME`, so a test can tell
                       which of several endpoints answered;
  --unary-delay-ms N   every Unary call takes N ms longer (a slow instance, for least_request);
  --grace S            SIGTERM stops gracefully: GOAWAY, no new calls, calls in flight get S seconds;
  --permit-pings       accept HTTP/2 PINGs as often as the client sends them (gRPC's C core
                       otherwise answers frequent PINGs with GOAWAY ENHANCE_YOUR_CALM);
  --max-connection-age-ms N
                       send GOAWAY on every connection about N ms after it opened (grpcio adds
                       ±10 % jitter), then serve its calls in flight for up to 10 s; the server
                       itself keeps serving new connections.
It also serves grpc.health.v1.Health (SERVING) and, for tests only, the raw-bytes method
`/testing.v1.BackendControl/SetHealth` whose request body is a status name (`SERVING` or
`NOT_SERVING`) applied to the whole server (service "").
"""

import argparse
import base64
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))
from testing.v1 import testing_pb2 as pb  # noqa: E402
from testing.v1 import testing_pb2_grpc as pb_grpc  # noqa: E402

import http_rules_backend  # noqa: E402  (testing.v1.HTTPRuleService, for the REST tests)

# Hung calls each hold a worker thread until they are cancelled; leave room for many.
MAX_WORKERS = 64
# A Hang that nobody cancels gives up after this long, so a broken gateway cannot pin threads.
HANG_SAFETY_CAP_S = 60.0
ECHO_PREFIX = "x-echo-"
CALL_ID_METADATA = "x-call-id"
STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}
INSTANCE_HEADER = "x-backend-instance"
CONTROL_SET_HEALTH = "/testing.v1.BackendControl/SetHealth"


class TrackedCall:
    """One call's entry in the registry: started, finished normally, or cancelled.

    `cancelled` is decided by grpcio's termination callback: if the RPC terminates while the
    handler has not declared itself finished, the client (or a deadline) ended it. `ended` lets
    handlers sleep and wake up as soon as that happens.
    """

    def __init__(self):
        self.finished = False
        self.cancelled = False
        self.ended = threading.Event()

    def on_rpc_terminated(self):
        if not self.finished:
            self.cancelled = True
        self.ended.set()

    def finish(self):
        """Called on every path where the handler itself ends the call (reply, or abort)."""
        self.finished = True

    def sleep(self, seconds):
        """Sleeps, waking early if the call ends. Returns False if the call is gone."""
        return not self.ended.wait(seconds)


class CallRegistry:
    """call_id → TrackedCall, read back by the CancelledCalls RPC."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls = {}

    def track(self, call_id, context):
        call = TrackedCall()
        if not context.add_callback(call.on_rpc_terminated):
            call.cancelled = True  # already terminated before the handler ran
            call.ended.set()
        if call_id:
            with self._lock:
                self._calls[call_id] = call
        return call

    def lookup(self, call_id):
        with self._lock:
            return self._calls.get(call_id)


def call_id_of(request, context):
    if request.call_id:
        return request.call_id
    return dict(context.invocation_metadata()).get(CALL_ID_METADATA, "")


def received_metadata(context):
    """The invocation metadata as a map; -bin values (bytes) as padded base64."""
    seen = {}
    for key, value in context.invocation_metadata():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        seen[key] = f"{seen[key]},{value}" if key in seen else value
    return seen


def echo_headers(context):
    return tuple((k, v) for k, v in context.invocation_metadata() if k.startswith(ECHO_PREFIX))


def response_headers(context, instance):
    """The initial metadata a reply starts with: the echoed headers, and the instance's name if any."""
    headers = echo_headers(context)
    return headers + ((INSTANCE_HEADER, instance),) if instance else headers


def echo_trailers(context):
    # x-echo-foo → x-trailer-echo-foo
    return tuple(("x-trailer-" + k[len("x-"):], v) for k, v in echo_headers(context))


def status_details_bin(code, message):
    """A google.rpc.Status carrying one BadRequest, as sent in grpc-status-details-bin."""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="payload", description="rejected by test")
        ]
    )
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    return status_pb2.Status(code=code, message=message, details=[detail]).SerializeToString()


def fail(context, call, code, message, *, send_headers, with_details=False):
    """Ends the call with `code`. Raises (grpcio's abort), never returns.

    send_headers=True sends the initial metadata first, so the status travels as trailers after
    headers. If no headers were sent before (send_headers=False and none earlier), grpcio turns the
    status into a single trailers-only HEADERS frame. Headers already sent must not be sent again.
    """
    if send_headers:
        context.send_initial_metadata(echo_headers(context))
    trailers = list(echo_trailers(context))
    if with_details:
        trailers.append(("grpc-status-details-bin", status_details_bin(code, message)))
    context.set_trailing_metadata(trailers)
    call.finish()
    context.abort(STATUS_CODES[code], message)


class TestingBackend(pb_grpc.TestServiceServicer):
    def __init__(self, registry, instance="", unary_delay_ms=0):
        self.registry = registry
        self.instance = instance
        self.unary_delay_ms = unary_delay_ms

    def Unary(self, request, context):
        call = self.registry.track(call_id_of(request, context), context)
        sleep_ms = request.sleep_ms + self.unary_delay_ms
        if sleep_ms and not call.sleep(sleep_ms / 1000):
            return pb.EchoResponse()  # cancelled while sleeping; nobody reads this
        if request.status_code:
            fail(
                context,
                call,
                request.status_code,
                request.status_message,
                send_headers=not request.trailers_only_error,
                with_details=request.error_details,
            )
        context.send_initial_metadata(response_headers(context, self.instance))
        context.set_trailing_metadata(echo_trailers(context))
        call.finish()
        return self._reply(request, context)

    def ServerStream(self, request, context):
        call = self.registry.track(call_id_of(request, context), context)
        replies = min(request.fail_after, request.count) if request.fail_code else request.count
        if replies > 0:
            # With no reply coming, leave the headers unsent so a failure stays trailers-only.
            context.send_initial_metadata(response_headers(context, self.instance))
        context.set_trailing_metadata(echo_trailers(context))
        for sequence in range(replies):
            if sequence > 0 and not call.sleep(request.interval_ms / 1000):
                return
            yield self._stream_reply(request, context, sequence)
        if request.fail_code:
            if replies > 0 and not call.sleep(request.interval_ms / 1000):
                return
            # Headers went out with the first reply; with no reply this stays trailers-only.
            fail(context, call, request.fail_code, request.fail_message, send_headers=False)
        call.finish()

    def Hang(self, request, context):
        call = self.registry.track(call_id_of(request, context), context)
        call.sleep(HANG_SAFETY_CAP_S)
        call.finish()
        return pb.EchoResponse(payload="hang safety cap reached")

    def HangStream(self, request, context):
        call = self.registry.track(call_id_of(request, context), context)
        context.send_initial_metadata(echo_headers(context))
        for sequence in range(request.count):
            yield self._stream_reply(request, context, sequence)
        call.sleep(HANG_SAFETY_CAP_S)
        call.finish()

    def CancelledCalls(self, request, context):
        call = self.registry.lookup(request.call_id)
        if call is None:
            return pb.CancelledCallsResponse(started=False, cancelled=False)
        return pb.CancelledCallsResponse(started=True, cancelled=call.cancelled)

    def ClientStream(self, request_iterator, context):
        call = self.registry.track(dict(context.invocation_metadata()).get(CALL_ID_METADATA, ""), context)
        payloads = []
        for request in request_iterator:
            if request.status_code:
                fail(
                    context,
                    call,
                    request.status_code,
                    request.status_message,
                    send_headers=not request.trailers_only_error,
                )
            payloads.append(request.payload)
        context.send_initial_metadata(echo_headers(context))
        context.set_trailing_metadata(echo_trailers(context))
        call.finish()
        return pb.EchoResponse(
            payload=",".join(payloads),
            message_count=len(payloads),
            received_metadata=received_metadata(context),
        )

    def BidiStream(self, request_iterator, context):
        call = self.registry.track(dict(context.invocation_metadata()).get(CALL_ID_METADATA, ""), context)
        context.send_initial_metadata(echo_headers(context))
        context.set_trailing_metadata(echo_trailers(context))
        for sequence, request in enumerate(request_iterator):
            if request.sleep_ms and not call.sleep(request.sleep_ms / 1000):
                return
            if request.status_code:
                fail(context, call, request.status_code, request.status_message, send_headers=False)
            reply = self._reply(request, context)
            reply.sequence = sequence
            yield reply
        call.finish()

    @staticmethod
    def _reply(request, context):
        blob = b"r" * request.response_size if request.response_size > 0 else request.blob
        return pb.EchoResponse(payload=request.payload, blob=blob, received_metadata=received_metadata(context))

    @staticmethod
    def _stream_reply(request, context, sequence):
        reply = pb.EchoResponse(payload=str(sequence), sequence=sequence, blob=b"s" * request.message_size)
        if sequence == 0:
            reply.received_metadata.update(received_metadata(context))
        return reply


def health_control_handler(health_servicer):
    """`/testing.v1.BackendControl/SetHealth`: raw bytes in (a ServingStatus name), empty reply."""

    def set_health(request, context):
        name = request.decode("ascii", errors="replace")
        if name not in health_pb2.HealthCheckResponse.ServingStatus.keys():
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown serving status {name!r}")
        health_servicer.set("", health_pb2.HealthCheckResponse.ServingStatus.Value(name))
        print(f"health: {name}", file=sys.stderr, flush=True)
        return b""

    service, method = CONTROL_SET_HEALTH.strip("/").split("/")
    return grpc.method_handlers_generic_handler(service, {method: grpc.unary_unary_rpc_method_handler(set_health)})


def serve(host, port, instance="", unary_delay_ms=0, grace=None, permit_pings=False, max_connection_age_ms=0):
    # Without grpc.so_reuseport 0, two backends could silently share one port (it is grpcio's default).
    options = [("grpc.so_reuseport", 0)]
    if max_connection_age_ms:
        options += [("grpc.max_connection_age_ms", max_connection_age_ms), ("grpc.max_connection_age_grace_ms", 10_000)]
    if permit_pings:
        options += [
            ("grpc.http2.min_ping_interval_without_data_ms", 10),
            ("grpc.http2.max_ping_strikes", 0),
            ("grpc.keepalive_permit_without_calls", 1),
        ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_WORKERS), options=options)
    pb_grpc.add_TestServiceServicer_to_server(TestingBackend(CallRegistry(), instance, unary_delay_ms), server)
    http_rules_backend.add_to_server(server)
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.add_generic_rpc_handlers((health_control_handler(health_servicer),))
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        sys.exit(f"test_backend: cannot listen on {host}:{port}")
    server.start()
    print(f"LISTENING {bound}", flush=True)
    if grace is None:
        signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    else:

        def stop_gracefully(*_):
            # GOAWAY on every connection, no new calls; calls in flight have `grace` seconds.
            print(f"SIGTERM: stopping with {grace}s of grace", file=sys.stderr, flush=True)
            server.stop(grace)

        signal.signal(signal.SIGTERM, stop_gracefully)
    server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed on stdout)")
    parser.add_argument("--instance", default="", help=f"name sent back in the {INSTANCE_HEADER} response header")
    parser.add_argument("--unary-delay-ms", type=int, default=0, help="extra time every Unary call takes")
    parser.add_argument("--grace", type=float, default=None, help="SIGTERM stops gracefully with this grace (s)")
    parser.add_argument("--permit-pings", action="store_true", help="accept frequent HTTP/2 PINGs")
    parser.add_argument("--max-connection-age-ms", type=int, default=0, help="GOAWAY connections this old")
    args = parser.parse_args()
    serve(
        args.host, args.port, args.instance, args.unary_delay_ms, args.grace, args.permit_pings,
        args.max_connection_age_ms,
    )


if __name__ == "__main__":
    main()
