"""A backend with several endpoints, as clients see it: calls are spread per call (round robin
evenly, least_request towards the faster instance), an endpoint that is down from the start costs
no call, and one that fails its health checks leaves the rotation and comes back.

Each backend instance names itself in the `x-backend-instance` response header (test_backend.py
--instance). Balancing is per gateway worker, so tests that count calls run one worker.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import grpc

import clients
import processes
from testing.v1 import testing_pb2 as pb

INSTANCE_HEADER = "x-backend-instance"
CONTROL_SET_HEALTH = "/testing.v1.BackendControl/SetHealth"


def unary(port, payload="hi", **fields):
    """One Unary call → (status, message, answering instance, seconds)."""
    started = time.monotonic()
    call = clients.post(port, "Unary", pb.EchoRequest(payload=payload, **fields), timeout=10)
    elapsed = time.monotonic() - started
    if call.reply.status == 0:
        assert call.messages()[0].payload == payload
    return call.reply.status, call.reply.message, call.response.header(INSTANCE_HEADER), elapsed


def test_endpoint_down_from_the_start_costs_no_call(start_backend, start_test_gateway):
    """The dead endpoint is listed first, so round robin picks it first on each worker: the calls
    queued on its connection (which never comes up) must be sent again to the live one."""
    live = start_backend("live")
    dead = f"127.0.0.1:{processes.free_port()}"
    gateway = start_test_gateway([dead, live.address])
    with ThreadPoolExecutor(8) as pool:  # a burst first: several calls wait on the dead connection
        burst = list(pool.map(lambda n: unary(gateway.port, f"burst {n}"), range(16)))
    sequential = [unary(gateway.port, f"call {n}") for n in range(20)]
    results = burst + sequential
    failed = [r for r in results if r[0] != 0]
    print(f"\none endpoint down: {len(results) - len(failed)} of {len(results)} calls succeeded")
    assert not failed, f"{len(failed)} of {len(results)} calls failed: {failed[:5]}"
    assert {r[2] for r in results} == {"live"}
    slowest = max(r[3] for r in results)
    assert slowest < 1.0, f"a call took {slowest:.2f}s"


def test_round_robin_spreads_calls_evenly(start_backend, start_test_gateway):
    a, b = start_backend("a"), start_backend("b")
    gateway = start_test_gateway([a.address, b.address], workers=1, backend_settings={"balancing": "round_robin"})
    results = [unary(gateway.port, f"call {n}") for n in range(40)]
    assert [r[0] for r in results] == [0] * 40
    counts = Counter(r[2] for r in results)
    print(f"\nround robin, 40 sequential calls: {dict(counts)}")
    assert set(counts) == {"a", "b"}
    assert abs(counts["a"] - counts["b"]) <= 4, f"uneven split: {dict(counts)}"


def test_least_request_prefers_the_faster_endpoint(start_backend, start_test_gateway):
    """With 4 callers and one instance 300 ms slower, least_request sends most calls to the fast
    one (round robin would split them evenly, the fast one idling)."""
    fast, slow = start_backend("fast"), start_backend("slow", "--unary-delay-ms", "300")
    gateway = start_test_gateway(
        [slow.address, fast.address], workers=1, backend_settings={"balancing": "least_request"}
    )
    results = []
    lock = threading.Lock()
    until = time.monotonic() + 1.5

    def caller():
        while time.monotonic() < until:
            try:
                result = unary(gateway.port, "lr")
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                result = (None, repr(error), None, 0.0)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert all(r[0] == 0 for r in results), [r for r in results if r[0] != 0][:3]
    counts = Counter(r[2] for r in results)
    print(f"\nleast_request, 4 callers for 1.5 s, one instance 300 ms slower: {dict(counts)}")
    assert counts["slow"] >= 1, "the slow instance got no call at all: is it in the rotation?"
    assert counts["fast"] >= 3 * counts["slow"], f"calls not steered to the faster instance: {dict(counts)}"


def set_health(backend, status):
    with grpc.insecure_channel(backend.address) as channel:
        channel.unary_unary(CONTROL_SET_HEALTH)(status.encode(), timeout=5)


def instances_of(port, count):
    results = [unary(port, f"call {n}") for n in range(count)]
    assert [r[0] for r in results] == [0] * count, [r for r in results if r[0] != 0][:3]
    return Counter(r[2] for r in results)


def wait_for(condition, timeout_s):
    """Polls `condition` until it is true; returns the seconds it took, or None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def test_unhealthy_endpoint_leaves_the_rotation_and_comes_back(start_backend, start_test_gateway):
    """grpc.health.v1 checks every 200 ms, out after 2 failures, back after 1 pass."""
    a, b = start_backend("a"), start_backend("b")
    check = {"interval": "200ms", "timeout": "500ms", "unhealthy_threshold": 2, "healthy_threshold": 1}
    gateway = start_test_gateway([a.address, b.address], backend_settings={"health_check": check})
    # Wait for the first checks to pass everywhere (both workers), then both serve.
    assert wait_for(lambda: set(instances_of(gateway.port, 6)) == {"a", "b"}, 3.0) is not None

    set_health(a, "NOT_SERVING")
    ejected_after = wait_for(lambda: set(instances_of(gateway.port, 6)) == {"b"}, 3.0)
    assert ejected_after is not None, "an endpoint answering NOT_SERVING still gets calls after 3 s"
    # Out for good, not by chance: every call now goes to b.
    assert instances_of(gateway.port, 30) == {"b": 30}

    set_health(a, "SERVING")
    back_after = wait_for(lambda: "a" in instances_of(gateway.port, 6), 3.0)
    assert back_after is not None, "a SERVING endpoint did not come back within 3 s"
    print(f"\nhealth checks: out after {ejected_after * 1000:.0f} ms, back after {back_after * 1000:.0f} ms")
    assert set(instances_of(gateway.port, 20)) == {"a", "b"}
    # Out after 2 failed checks 200 ms apart, back after 1 passed check (with room for scheduling).
    assert ejected_after < 1.5, f"took {ejected_after:.2f}s to stop sending calls to a NOT_SERVING endpoint"
    assert back_after < 1.0, f"took {back_after:.2f}s to use a SERVING endpoint again"
