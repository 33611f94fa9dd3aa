"""A backend given by a host name: every address of the name is an endpoint, an address that
refuses connections costs no call, and the name is re-resolved every `dns_refresh` (new addresses
take calls, vanished ones finish the calls they have, a failed lookup keeps the last good list).

What a name resolves to is the test's choice: each gateway runs in a private user and mount
namespace (`unshare --user --map-root-user --mount`) in which the test's own files are
bind-mounted over /etc/hosts and /etc/resolv.conf. The machine's files are never touched; the
resolv.conf names a closed port on loopback, so a name missing from the hosts file fails at once
instead of asking a real name server. The network namespace is the machine's: the gateway reaches
the test backends on loopback as usual.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid

import grpc
import pytest

import clients
import processes
from gateway_config import SERVICE, TESTING_DESCRIPTORS
from testing.v1 import testing_pb2 as pb
from testing.v1 import testing_pb2_grpc as pb_grpc

REFRESH = "200ms"
SETTLE_S = 5.0  # far more than a refresh plus applying it on every worker


def _namespaces_work():
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True, timeout=10
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _namespaces_work(), reason="needs unprivileged user and mount namespaces (unshare) to fake /etc/hosts"
)


class NamedBackendGateway:
    """A gateway whose only backend is `address` (host:port), resolved through a private hosts file."""

    def __init__(self, binary, directory, address, hosts, dns_refresh=REFRESH):
        self.hosts_path = directory / "hosts"
        self.set_hosts(hosts)
        resolv = directory / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        port = processes.free_port()
        config = directory / "gateway.yaml"
        config.write_text(
            "\n".join(
                [
                    f"listen: {{host: 127.0.0.1, port: {port}}}",
                    "workers: 2",
                    f'descriptors: ["{TESTING_DESCRIPTORS}"]',
                    "backends:",
                    f'  - {{name: test, address: "{address}", dns_refresh: {dns_refresh}, connect_timeout: 1s}}',
                    "routes:",
                    f"  - {{service: {SERVICE}, backend: test}}",
                ]
            )
            + "\n"
        )
        # sh execs the gateway, so the process the test signals is the gateway itself.
        wrapper = [
            "unshare", "--user", "--map-root-user", "--mount",
            "sh", "-c", 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"',
            "sh", str(self.hosts_path), str(resolv),
        ]  # fmt: skip
        self.process = processes.GatewayProcess(binary, config, port, directory / "gateway.log", wrapper=wrapper)
        self.port = port

    def set_hosts(self, lines):
        """Rewrites the hosts file in place (the bind mount follows the inode, not the name)."""
        with open(self.hosts_path, "w") as hosts:
            hosts.write("".join(f"{line}\n" for line in lines))

    def unary(self, call_id="", sleep_ms=0):
        return clients.post(self.port, "Unary", pb.EchoRequest(call_id=call_id, sleep_ms=sleep_ms), timeout=10)

    def log(self):
        return self.process.log_tail()

    def stop(self):
        self.process.stop()


@pytest.fixture
def start_named(gateway_bin, tmp_path):
    started = []

    def start(address, hosts, **options):
        gateway = NamedBackendGateway(gateway_bin, tmp_path, address, hosts, **options)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture
def start_backend(tmp_path):
    """start_backend(host, port=0) → a test backend on that loopback address, with a direct `stub`."""
    started = []

    def start(host, port=0):
        backend = processes.BackendProcess(tmp_path / f"backend-{len(started)}.log", port=port, host=host)
        backend.channel = grpc.insecure_channel(backend.address)
        backend.stub = pb_grpc.TestServiceStub(backend.channel)
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.channel.close()
        backend.stop()


def served_by(backend_stub, call_id):
    """Whether the backend behind `backend_stub` received the call `call_id`."""
    return backend_stub.CancelledCalls(pb.CancelledCallsRequest(call_id=call_id), timeout=2).started


def new_id(label):
    return f"dns-{label}-{uuid.uuid4().hex[:8]}"


def test_calls_succeed_when_one_address_of_the_name_refuses(start_named, backend):
    """localhost is 127.0.0.1 and ::1; the backend listens on 127.0.0.1 only. The ::1 endpoint's
    connect is refused, it goes into backoff, and the calls placed on it are replayed on 127.0.0.1."""
    gateway = start_named(f"localhost:{backend.port}", ["127.0.0.1 localhost", "::1 localhost"])
    statuses = []
    for _ in range(20):
        started = time.monotonic()
        call = gateway.unary()
        statuses.append((call.reply.status, call.reply.message, time.monotonic() - started < 2))
    assert statuses == [(0, "", True)] * 20, gateway.log()


def test_calls_are_spread_over_every_address_of_the_name(start_named, start_backend):
    v4 = start_backend("127.0.0.1")
    v6 = start_backend("[::1]", port=v4.port)
    gateway = start_named(f"localhost:{v4.port}", ["127.0.0.1 localhost", "::1 localhost"])
    ids = [new_id("spread") for _ in range(12)]
    for call_id in ids:
        assert gateway.unary(call_id).reply.status == 0, gateway.log()
    on_v4 = sum(served_by(v4.stub, call_id) for call_id in ids)
    on_v6 = sum(served_by(v6.stub, call_id) for call_id in ids)
    assert (on_v4 + on_v6, on_v4 > 0, on_v6 > 0) == (12, True, True), f"v4 {on_v4}, v6 {on_v6}"


def test_re_resolution_moves_new_calls_and_lets_calls_in_flight_finish(start_named, start_backend):
    old = start_backend("127.0.0.1")
    new = start_backend("127.0.0.2", port=old.port)
    gateway = start_named(f"svc.test:{old.port}", ["127.0.0.1 svc.test"])

    first = new_id("before")
    assert gateway.unary(first).reply.status == 0, gateway.log()
    assert served_by(old.stub, first)

    # A call that is still running on the old address when the name moves.
    slow_id = new_id("in-flight")
    slow = {}
    thread = threading.Thread(target=lambda: slow.setdefault("call", gateway.unary(slow_id, sleep_ms=2500)))
    thread.start()
    assert clients.wait_until_started(old.stub, slow_id), "the slow call never reached the old backend"

    gateway.set_hosts(["127.0.0.2 svc.test"])

    def lands_on_new():
        call_id = new_id("after")
        return gateway.unary(call_id).reply.status == 0 and served_by(new.stub, call_id)

    assert clients.wait_for(lands_on_new, SETTLE_S), f"no call reached the new address within {SETTLE_S}s:\n{gateway.log()}"
    later = [new_id("later") for _ in range(8)]
    for call_id in later:
        assert gateway.unary(call_id).reply.status == 0
    assert [served_by(old.stub, call_id) for call_id in later] == [False] * 8, "calls still go to the vanished address"

    thread.join(10)
    assert "call" in slow, f"the in-flight call never finished (the client timed out):\n{gateway.log()}"
    assert slow["call"].reply.status == 0, f"the in-flight call did not finish: {slow['call'].reply}\n{gateway.log()}"
    assert "backend addresses changed" in gateway.log()


def test_names_are_re_resolved_for_the_backends_a_reload_made(start_named, start_backend):
    """A reload (SIGHUP, same file) replaces every worker's clusters and the refresher: address
    changes must reach the new clusters, and the old refreshers' threads must go."""
    old = start_backend("127.0.0.1")
    new = start_backend("127.0.0.2", port=old.port)
    gateway = start_named(f"svc.test:{old.port}", ["127.0.0.1 svc.test"])
    assert gateway.unary(new_id("before")).reply.status == 0, gateway.log()
    tasks = f"/proc/{gateway.process.process.pid}/task"
    threads = len(os.listdir(tasks))

    for reloads in range(1, 4):
        gateway.process.process.send_signal(signal.SIGHUP)
        assert clients.wait_for(lambda: gateway.log().count("configuration reloaded") == reloads, SETTLE_S), gateway.log()
    gateway.set_hosts(["127.0.0.2 svc.test"])

    def lands_on_new():
        call_id = new_id("after")
        return gateway.unary(call_id).reply.status == 0 and served_by(new.stub, call_id)

    assert clients.wait_for(lands_on_new, SETTLE_S), f"no call reached the new address after the reload:\n{gateway.log()}"
    later = [new_id("later") for _ in range(6)]
    for call_id in later:
        assert gateway.unary(call_id).reply.status == 0
    assert [served_by(old.stub, call_id) for call_id in later] == [False] * 6, "calls still go to the old address"
    # The replaced refreshers stopped: no thread per reload left behind.
    assert clients.wait_for(lambda: len(os.listdir(tasks)) == threads, SETTLE_S), f"{threads} threads before, {len(os.listdir(tasks))} after"


def test_a_failed_lookup_keeps_the_last_good_addresses(start_named, backend):
    """The hosts file loses the name: lookups fail, a warning is logged, calls keep working."""
    gateway = start_named(f"svc.test:{backend.port}", ["127.0.0.1 svc.test"])
    assert gateway.unary().reply.status == 0, gateway.log()

    gateway.set_hosts([])  # svc.test no longer resolves
    assert clients.wait_for(lambda: "lookup failed; keeping the last good addresses" in gateway.log(), SETTLE_S), gateway.log()
    statuses = [gateway.unary().reply.status for _ in range(5)]
    assert statuses == [0] * 5, gateway.log()
    assert gateway.process.is_running()


def test_a_name_that_does_not_resolve_at_start_stops_the_gateway(gateway_bin, tmp_path):
    with pytest.raises(processes.ProcessFailed) as failure:
        NamedBackendGateway(gateway_bin, tmp_path, "nowhere.test:1", ["127.0.0.1 svc.test"])
    message = str(failure.value)
    assert "gateway.yaml:5:5: backend test: cannot resolve backend host nowhere.test" in message, message
