"""Fixtures for the end-to-end suite: one grpcio test backend and one gateway for the whole session
(starting processes is slow), plus a factory for tests that need a gateway configured differently.

The gateway binary is $GATEWAY_BIN or <root>/.build/debug/gateway. If it is missing, every test
that needs it FAILS (it does not skip): a suite that silently skips is a suite that passes
without testing anything.
"""

import sys
import uuid
from pathlib import Path

import grpc
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "generated"))

from testing.v1 import testing_pb2_grpc as pb_grpc  # noqa: E402
from testing.v1 import http_rules_pb2_grpc as rules_grpc  # noqa: E402

import processes  # noqa: E402
import rest  # noqa: E402
from gateway_config import GatewayConfig  # noqa: E402

# test_backend.py is the backend program, not a test module; generated/ holds protoc output.
collect_ignore = ["test_backend.py", "generated"]

_running_gateways = []
_running_backends = []  # backends a test started for itself (start_backend)


@pytest.fixture(scope="session")
def gateway_bin():
    binary = processes.gateway_binary()
    if not binary.is_file():
        pytest.fail(
            f"gateway binary not found at {binary}: build it (swift build --product gateway) "
            "or point GATEWAY_BIN at it",
            pytrace=False,
        )
    return binary


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    process = processes.BackendProcess(tmp_path_factory.mktemp("backend") / "backend.log")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def backend_stub(backend):
    """A direct grpcio client of the test backend, bypassing the gateway."""
    with grpc.insecure_channel(backend.address) as channel:
        yield pb_grpc.TestServiceStub(channel)


@pytest.fixture(scope="session")
def start_gateway(gateway_bin, tmp_path_factory):
    """start_gateway(backend_address, **GatewayConfig fields) → a running GatewayProcess.

    `backend_address` may be a list of host:port (the backend's `endpoints:`); `binary=` runs
    another gateway binary than $GATEWAY_BIN (a release build, say).
    """
    started = []

    def start(backend_address, binary=None, **config):
        gateway = _launch_gateway(binary or gateway_bin, tmp_path_factory.mktemp("gateway"), backend_address, config)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
        _running_gateways.remove(gateway)


@pytest.fixture
def start_test_gateway(gateway_bin, tmp_path_factory):
    """Like start_gateway, but each gateway is stopped when the test ends (for tests whose
    gateway points at backends of their own, which do not outlive the test)."""
    started = []

    def start(backend_address, binary=None, **config):
        gateway = _launch_gateway(binary or gateway_bin, tmp_path_factory.mktemp("gateway"), backend_address, config)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
        _running_gateways.remove(gateway)


def _launch_gateway(binary, directory, backend_address, config):
    port = processes.free_port()
    config_path = GatewayConfig(port=port, backend_address=backend_address, **config).write(directory / "gateway.yaml")
    gateway = processes.GatewayProcess(binary, config_path, port, directory / "gateway.log")
    _running_gateways.append(gateway)
    return gateway


@pytest.fixture(scope="session")
def gateway(start_gateway, backend):
    """The shared gateway in front of the shared test backend."""
    return start_gateway(backend.address)


@pytest.fixture(scope="session")
def rules_stub(backend):
    """A direct grpcio client of the backend's testing.v1.HTTPRuleService (StreamProgress)."""
    with grpc.insecure_channel(backend.address) as channel:
        yield rules_grpc.HTTPRuleServiceStub(channel)


@pytest.fixture(scope="session")
def rest_gateway(start_gateway, backend):
    """The shared gateway of the REST tests: both test services, with rest.REST_HTTP as `http:`."""
    return start_gateway(backend.address, services=rest.SERVICES, http=rest.REST_HTTP)


@pytest.fixture
def start_backend(tmp_path):
    """start_backend(name, *options, port=0) → a test backend of this test alone, stopped after it.

    `name` is its `--instance` (sent back in the x-backend-instance header); `options` are more
    test_backend.py options (`--grace 3`, ...); `port` reuses a port (a restart).
    """
    started = []

    def start(name, *options, port=0):
        log_path = tmp_path / f"backend-{name}-{len(started)}.log"
        process = processes.BackendProcess(log_path, port=port, args=("--instance", name, *options))
        process.name = name
        started.append(process)
        _running_backends.append(process)
        return process

    yield start
    for process in started:
        process.stop()
        _running_backends.remove(process)


@pytest.fixture
def call_id(request):
    """A name for this test's call, unique across the session (the backend's registry is shared)."""
    return f"{request.node.name}-{uuid.uuid4().hex[:8]}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of every running gateway's log (and of the test's own backends)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for gateway in _running_gateways:
            report.sections.append((f"gateway log (port {gateway.port})", gateway.log_tail()))
        for backend in _running_backends:
            report.sections.append((f"backend {backend.name} log (port {backend.port})", backend.log_tail()))
