"""A backend failing under live traffic, as a gRPC-Web client sees it: killed mid-stream (the stream
ends UNAVAILABLE, not in a hang or a clean OK), killed and restarted (calls fail fast while it is
down and succeed again soon after it is back), stopped gracefully under load, or sending GOAWAY
while it keeps serving (no call is lost either way), and frozen (keepalive PINGs find the dead
peer).

Every test starts its own backends (each on its own port, `grpc.so_reuseport` 0) and its own
gateway, since it breaks them.
"""

import select
import signal
import threading
import time
from dataclasses import dataclass

import grpc

import clients
import grpcweb
import http1
from testing.v1 import testing_pb2 as pb
from testing.v1 import testing_pb2_grpc as pb_grpc

INSTANCE_HEADER = "x-backend-instance"
UNAVAILABLE = 14
# A client must learn that its backend died within this, not wait on a socket timeout.
END_WITHIN_S = 5.0
# Calls while a backend is down must fail at once, not wait for a reconnect.
FAIL_FAST_S = 1.0
# After the backend is back, calls must succeed again within this (reconnect backoff is capped).
RECOVER_WITHIN_S = 3.0
# Successes in a row that count as recovered (calls land on the gateway's workers at random).
STEADY_RUN = 10


def direct_stub(backend):
    """A grpcio client of `backend` itself (for CancelledCalls); close the channel when done."""
    channel = grpc.insecure_channel(backend.address)
    return channel, pb_grpc.TestServiceStub(channel)


def test_backend_killed_mid_stream_ends_the_stream_unavailable(start_backend, start_test_gateway):
    backend = start_backend("doomed")
    gateway = start_test_gateway(backend.address)
    request = pb.StreamRequest(count=1000, interval_ms=20, message_size=100)
    with http1.Connection("127.0.0.1", gateway.port, timeout=END_WITHIN_S) as connection:
        connection.send_request(
            "POST", clients.method_path("ServerStream"), clients.web_headers(), grpcweb.encode_message(request)
        )
        response = connection.read_head()
        assert response.status == 200
        reader = grpcweb.FrameReader()
        frames = []
        killed_at = None
        try:
            for piece in connection.iter_body(response):
                frames += reader.feed(piece.data)
                if killed_at is None and len(frames) >= 3:
                    backend.kill()
                    killed_at = time.monotonic()
        except TimeoutError:
            raise AssertionError(
                f"the stream hung: nothing for {END_WITHIN_S}s after the backend was killed "
                f"({len(frames)} frames so far)"
            ) from None
        ended_after = time.monotonic() - killed_at
    assert killed_at is not None, f"the stream ended before the backend was killed: {frames}"
    messages = [pb.EchoResponse.FromString(f.payload) for f in frames if not f.is_trailers]
    assert [m.sequence for m in messages] == list(range(len(messages))), "messages lost or reordered"
    assert len(messages) < request.count, "the whole stream arrived from a killed backend"
    assert frames[-1].is_trailers, "the stream ended without a trailer frame"
    trailers = grpcweb.parse_trailer_block(frames[-1].payload)
    assert trailers.get("grpc-status") == str(UNAVAILABLE), f"trailers after the kill: {trailers}"
    assert ended_after < END_WITHIN_S
    print(f"\nstream ended UNAVAILABLE {ended_after * 1000:.0f} ms after SIGKILL, after {len(messages)} messages")


def timed_unary(port, payload):
    started = time.monotonic()
    call = clients.post(port, "Unary", pb.EchoRequest(payload=payload), timeout=FAIL_FAST_S + 5)
    return call, time.monotonic() - started


def test_backend_restarted_on_the_same_port_is_used_again(start_backend, start_test_gateway):
    backend = start_backend("first-life")
    port = backend.port
    gateway = start_test_gateway(backend.address)
    call, _ = timed_unary(gateway.port, "before")
    assert (call.reply.status, call.messages()[0].payload) == (0, "before")

    backend.kill()
    down = []  # (status, seconds, message) of each call while the backend is down
    down_until = time.monotonic() + 1.5
    while time.monotonic() < down_until:
        call, elapsed = timed_unary(gateway.port, "while down")
        down.append((call.reply.status, elapsed, call.reply.message))
        time.sleep(0.05)
    assert all(status == UNAVAILABLE for status, _, _ in down), f"calls to a dead backend: {down}"
    slowest = max(elapsed for _, elapsed, _ in down)
    assert slowest < FAIL_FAST_S, f"a call to the dead backend took {slowest:.2f}s: {down}"

    start_backend("second-life", port=port)
    back_at = time.monotonic()
    # Each gateway worker reconnects on its own (after its own backoff): recovered means that
    # calls succeed again whichever worker takes them, i.e. a run of successes.
    recovering = []  # (seconds after the backend was back, status, message) of calls that failed
    successes_in_a_row = 0
    while successes_in_a_row < STEADY_RUN:
        assert time.monotonic() - back_at < RECOVER_WITHIN_S, (
            f"calls still fail {RECOVER_WITHIN_S}s after the backend came back: {recovering[-3:]}"
        )
        call, elapsed = timed_unary(gateway.port, "after")
        if call.reply.status == 0:
            assert call.response.header(INSTANCE_HEADER) == "second-life"
            successes_in_a_row += 1
        else:
            recovering.append((time.monotonic() - back_at, call.reply.status, call.reply.message))
            successes_in_a_row = 0
        time.sleep(0.02)
    last_failure = f", the last {recovering[-1][0] * 1000:.0f} ms after it was back" if recovering else ""
    print(
        f"\nbackend down 1.5 s: {len(down)} calls failed UNAVAILABLE (slowest {slowest * 1000:.0f} ms); "
        f"once it was back: {len(recovering)} more failed{last_failure}"
    )
    assert all(status == UNAVAILABLE for _, status, _ in recovering), recovering


@dataclass
class Outcome:
    started: float
    seconds: float
    status: object  # the grpc-status, or None when the HTTP exchange itself failed
    message: str
    instance: str = None  # the x-backend-instance header
    payload: str = None  # the reply's payload, for successful calls
    headers: list = None  # the HTTP response head


def call_unary(port, request):
    """One Unary call through the gateway → its Outcome (an exception is an outcome too)."""
    started = time.monotonic()
    try:
        call = clients.post(port, "Unary", request, timeout=10)
    except Exception as error:  # noqa: BLE001 - every failure is recorded and reported
        return Outcome(started, time.monotonic() - started, None, repr(error))
    return Outcome(
        started,
        time.monotonic() - started,
        call.reply.status,
        call.reply.message,
        call.response.header(INSTANCE_HEADER),
        call.messages()[0].payload if call.reply.messages else None,
        call.response.header_list,
    )


def run_load(port, clients_count, until, request):
    """`clients_count` threads calling Unary back to back until the event `until` is set."""
    outcomes = []
    lock = threading.Lock()

    def client():
        while not until.is_set():
            outcome = call_unary(port, request)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients_count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def start_call_in_flight_on(target, others, gateway_port, call_id, sleep_ms):
    """Starts Unary calls (sleep_ms) through the gateway until one is in flight on `target`
    (asked directly with CancelledCalls). Returns the threads and their outcomes."""
    threads, outcomes = [], []
    channels = {b.name: grpc.insecure_channel(b.address) for b in [target, *others]}
    stubs = {name: pb_grpc.TestServiceStub(channel) for name, channel in channels.items()}

    def started_on(name):
        request = pb.CancelledCallsRequest(call_id=name)
        return [where for where, stub in stubs.items() if stub.CancelledCalls(request, timeout=2).started]

    try:
        for attempt in range(10):
            name = f"{call_id}-long-{attempt}"
            request = pb.EchoRequest(payload="long", sleep_ms=sleep_ms, call_id=name)
            thread = threading.Thread(
                target=lambda r=request: outcomes.append(call_unary(gateway_port, r)), daemon=True
            )
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 2
            where = []
            while not where and time.monotonic() < deadline:
                time.sleep(0.01)
                where = started_on(name)
            if where == [target.name]:
                return threads, outcomes
        raise AssertionError(f"no call reached {target.name} in 10 attempts")
    finally:
        for channel in channels.values():
            channel.close()


def test_graceful_stop_under_load_loses_no_call(start_backend, start_test_gateway, call_id):
    """SIGTERM on one of two endpoints: grpcio sends GOAWAY, finishes calls in flight (grace 3 s)
    and exits. Calls it had not taken must go to the other endpoint: no client sees a failure."""
    leaving = start_backend("leaving", "--grace", "3")
    staying = start_backend("staying")
    gateway = start_test_gateway([leaving.address, staying.address])
    stop = threading.Event()
    threads, outcomes = run_load(gateway.port, 4, stop, pb.EchoRequest(payload="load", sleep_ms=20))
    long_threads = []
    try:
        time.sleep(1.0)
        # A call certain to be in flight on the leaving backend when it is told to stop.
        long_threads, long_outcomes = start_call_in_flight_on(leaving, [staying], gateway.port, call_id, 800)
        leaving.send_signal(signal.SIGTERM)
        sigterm_at = time.monotonic()
        exit_code = leaving.wait(4.0)
        exited_at = time.monotonic()
        time.sleep(1.0)  # and keep going after it is gone
    finally:
        stop.set()
        for thread in threads + long_threads:
            thread.join(15)
    assert exit_code is not None, "the backend did not finish its graceful stop within its 3 s grace"
    failed = [o for o in outcomes + long_outcomes if o.status != 0]
    before = [o for o in outcomes if o.started < sigterm_at]
    after = [o for o in outcomes if o.started > exited_at]
    print(
        f"\ngraceful stop under load: {len(outcomes) + len(long_outcomes)} calls, {len(failed)} failed; "
        f"backend exited {(exited_at - sigterm_at) * 1000:.0f} ms after SIGTERM"
    )
    for o in failed:
        print(f"  failed at +{(o.started - sigterm_at) * 1000:.0f} ms after SIGTERM: status {o.status} {o.message!r}")
    # What "lost" means here is the issue's: a call that had NOT reached the backend. grpcio itself
    # cancels the odd stream that crosses its first GOAWAY on the wire (it answers HEADERS with
    # grpc-status 1 "CANCELLED", then counts the stream as accepted in its final GOAWAY; a plain
    # grpcio client sees the same in about 1 run in 10). Such a call reached the backend, which
    # answered it, so it is not a loss by the gateway; every other failure is.
    lost = [o for o in failed if not (o.status == 1 and o.message == "CANCELLED")]
    assert not lost, "calls failed during a graceful stop: " + "; ".join(
        f"+{(o.started - sigterm_at) * 1000:.0f}ms {o.status} {o.message!r}" for o in lost
    )
    assert len(failed) <= 2, f"grpcio cancelled more calls than the odd one crossing its GOAWAY: {len(failed)}"
    # The call in flight on the leaving backend finished there, within its grace.
    finished_there = [(o.status, o.payload) for o in long_outcomes if o.instance == "leaving"]
    assert finished_there == [(0, "long")], f"the call in flight on the leaving backend: {long_outcomes}"
    wrong = [o for o in outcomes if o.payload != "load" or o.instance is None]
    assert not wrong, f"successful calls without the reply or the instance header: {wrong[:3]}"
    assert {o.instance for o in before} == {"leaving", "staying"}, "load was not spread before the stop"
    assert after and {o.instance for o in after} == {"staying"}, "calls still answered by the stopped backend?"


def test_goaway_from_a_live_backend_under_load_loses_no_call(start_backend, start_test_gateway):
    """grpcio with max_connection_age 300 ms sends GOAWAY on each connection about every 0.3 s (the
    two-step kind: last stream id 2^31-1 and a PING, then the real last stream id) and keeps
    serving. The gateway must stop opening streams on a draining connection, let its calls finish
    (a 1 s call outlives several connections), and move new calls to a new connection: no call
    fails."""
    backend = start_backend("aging", "--max-connection-age-ms", "300")
    gateway = start_test_gateway(backend.address)
    stop = threading.Event()
    threads, outcomes = run_load(gateway.port, 4, stop, pb.EchoRequest(payload="load", sleep_ms=20))
    long_calls = []
    long_request = pb.EchoRequest(payload="long", sleep_ms=1000)
    long_threads = [
        threading.Thread(target=lambda: long_calls.append(call_unary(gateway.port, long_request)), daemon=True)
        for _ in range(2)
    ]
    try:
        for thread in long_threads:
            thread.start()
        time.sleep(2.0)
    finally:
        stop.set()
        for thread in threads + long_threads:
            thread.join(15)
    failed = [o for o in outcomes if o.status != 0 or o.payload != "load"]
    print(f"\nGOAWAY about every 300 ms under load: {len(outcomes)} calls, {len(failed)} failed")
    assert not failed, "calls failed across GOAWAYs: " + "; ".join(f"{o.status} {o.message!r}" for o in failed[:10])
    assert len(outcomes) > 100, "too little load to mean anything"
    assert [(o.status, o.payload) for o in long_calls] == [(0, "long")] * 2, (
        f"calls in flight on connections that got GOAWAY did not finish: {long_calls}"
    )


def test_keepalive_finds_a_frozen_backend(start_backend, start_test_gateway, call_id):
    """A backend that keeps its TCP connection open but answers nothing (SIGSTOP): the call in
    flight ends UNAVAILABLE once a keepalive PING goes unanswered, while PINGs that are answered
    keep a quiet call alive."""
    backend = start_backend("frozen", "--permit-pings")
    keepalive = {"interval": "1s", "timeout": "1s"}
    gateway = start_test_gateway(backend.address, backend_settings={"keepalive": keepalive})
    channel, stub = direct_stub(backend)
    connection = http1.Connection("127.0.0.1", gateway.port, timeout=10)
    try:
        request = grpcweb.encode_message(pb.EchoRequest(call_id=call_id))
        connection.send_request("POST", clients.method_path("Hang"), clients.web_headers(), request)
        assert clients.wait_until_started(stub, call_id), "the call never reached the backend"
        # Alive and quiet for longer than interval + timeout: PINGs are answered, the call stays.
        readable, _, _ = select.select([connection.sock], [], [], 2.5)
        assert not readable, "the gateway ended a quiet call on a live backend: " + repr(connection.sock.recv(4096))
        backend.send_signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            response = connection.read_response()
        except TimeoutError:
            raise AssertionError("the call still hangs 10 s after the backend froze") from None
        detected_after = time.monotonic() - frozen_at
    finally:
        backend.send_signal(signal.SIGCONT)
        connection.close()
        channel.close()
    reply = grpcweb.parse_reply(response.headers, clients.decode_body(response))
    print(f"\nfrozen backend detected after {detected_after * 1000:.0f} ms (keepalive interval 1 s, timeout 1 s)")
    assert reply.status == UNAVAILABLE, f"status {reply.status} {reply.message!r}"
    assert detected_after < 4.0, f"took {detected_after:.2f}s to notice the backend froze"
