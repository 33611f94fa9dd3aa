"""Reloading gateway.yaml while serving (issue 6): SIGHUP, or POST /reload on the admin listener,
reads the file and the descriptor sets again and checks them as at start. A good configuration
is switched to by every worker between two requests: calls in flight finish where they started,
client keep-alive connections stay open, new requests see the new routes and backends. A bad one
is refused with the located error `gateway --check` prints, and the running configuration keeps
serving. Settings fixed at start (listen, admin, workers, front-end limits) refuse a reload.
/metrics counts reloads, and the call counters survive them.
"""

import json
import re
import signal
import threading
import time
from pathlib import Path

import admin
import clients
import grpcweb
import http1
import processes
from gateway_config import RULES_SERVICE, SERVICE, TESTING_DESCRIPTORS, _flow, _q
from testing.v1 import testing_pb2 as pb

INSTANCE = "x-backend-instance"
REST_INSTANCE = "grpc-metadata-x-backend-instance"  # response metadata on REST replies
# An http rule the first configuration does not have: a route that appears with a reload.
RELOADED_RULE = """\
http:
  rules:
    - selector: testing.v1.HTTPRuleService.Echo
      post: /v1/reloaded
      body: "*"
"""


class ReloadableGateway:
    """A gateway with named backends (`a`, `b`), its admin listener, and a config file the test
    rewrites before signalling it. TestService goes to `test_backend`, HTTPRuleService to
    `rules_backend`."""

    def __init__(self, binary, directory, backends, **settings):
        self.binary = binary
        self.backends = backends  # {"a": address, "b": address}; a list of addresses is `endpoints:`
        self.port = processes.free_port()
        self.admin_port = processes.free_port()
        self.config_path = Path(directory) / "gateway.yaml"
        self.write(**settings)
        self.process = processes.GatewayProcess(binary, self.config_path, self.port, Path(directory) / "gateway.log")

    def render(self, test_backend="a", rules_backend="a", http="", workers=2, port=None, service=SERVICE,
               descriptors=None, backend_settings="", access_log=None):
        def where(address):
            return f"endpoints: {_flow(address)}" if isinstance(address, list) else f"address: {_q(address)}"

        lines = [
            f"listen: {{host: 127.0.0.1, port: {port or self.port}}}",
            f"workers: {workers}",
            f"descriptors: [{_q(descriptors or TESTING_DESCRIPTORS)}]",
            "backends:",
            *(f"  - {{name: {name}, {where(address)}{backend_settings}}}" for name, address in self.backends.items()),
            "routes:",
            f"  - {{service: {service}, backend: {test_backend}}}",
            f"  - {{service: {RULES_SERVICE}, backend: {rules_backend}}}",
            f"admin: {{host: 127.0.0.1, port: {self.admin_port}}}",
            "limits: {drain_timeout: 5s}",
        ]
        if access_log:
            lines.append(f"access_log: {{path: {_q(access_log)}}}")
        return "\n".join(lines) + "\n" + http

    def write(self, **settings):
        self.config_path.write_text(self.render(**settings))

    def write_text(self, text):
        self.config_path.write_text(text)

    def sighup(self):
        self.process.process.send_signal(signal.SIGHUP)

    def post_reload(self):
        response = http1.request(self.admin_port, "POST", "/reload")
        assert response.header("content-type") == "application/json", response
        return response.status, json.loads(response.body)

    def log(self):
        return self.process.log_path.read_text(errors="replace")

    def wait_for_log(self, text, count=1, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.log().count(text) >= count:
                return
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not logged {count} times within {timeout_s}s:\n{self.log()}")

    def metrics(self):
        return admin.metrics(self.admin_port)

    def stop(self):
        self.process.stop()


class Load:
    """Back-to-back calls until stopped, each caller on one keep-alive connection for its whole
    run: gRPC-Web Unary calls, and REST (auto-mapped JSON) Unary calls. Every answer is recorded
    with the backend instance that gave it; any failure (a status, an error, a closed connection)
    is recorded too."""

    def __init__(self, port, grpc_web=3, rest=1):
        self.port = port
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.instances = {}  # caller → [instance, ...] in call order
        self.failures = []
        self.threads = [threading.Thread(target=self._grpc_web, args=(f"web{n}",)) for n in range(grpc_web)]
        self.threads += [threading.Thread(target=self._rest, args=(f"rest{n}",)) for n in range(rest)]

    def start(self):
        for thread in self.threads:
            thread.start()
        self.wait_until(lambda: all(len(calls) >= 5 for calls in self.instances.values())
                        and len(self.instances) == len(self.threads))

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(15)

    def wait_until(self, condition, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if condition():
                    return
            time.sleep(0.02)
        raise AssertionError(f"load: condition not met within {timeout_s}s; failures {self.failures[:3]}")

    def calls(self):
        with self.lock:
            return sum(len(calls) for calls in self.instances.values())

    def _record(self, caller, instance=None, failure=None):
        with self.lock:
            if failure is not None:
                self.failures.append((caller, failure))
            else:
                self.instances.setdefault(caller, []).append(instance)

    def _loop(self, caller, call_once):
        try:
            with http1.Connection("127.0.0.1", self.port, timeout=10) as connection:
                number = 0
                while not self.stopping.is_set():
                    number += 1
                    instance, failure, closing = call_once(connection, f"{caller}-{number}")
                    self._record(caller, instance, failure)
                    if closing:
                        self._record(caller, failure="the gateway closed the keep-alive connection")
                        return
        except Exception as error:  # noqa: BLE001 - any error is a failed call
            self._record(caller, failure=repr(error))

    def _grpc_web(self, caller):
        def call_once(connection, payload):
            body = grpcweb.encode_message(pb.EchoRequest(payload=payload))
            connection.send_request("POST", clients.method_path("Unary"), clients.web_headers(), body)
            response = connection.read_response()
            reply = grpcweb.parse_reply(response.headers, response.body)
            ok = response.status == 200 and reply.status == 0
            failure = None if ok else f"HTTP {response.status}, grpc-status {reply.status}: {reply.message}"
            return response.header(INSTANCE), failure, response.header("connection") == "close"

        self._loop(caller, call_once)

    def _rest(self, caller):
        def call_once(connection, payload):
            body = json.dumps({"payload": payload}).encode()
            connection.send_request(
                "POST", clients.method_path("Unary"), [("Content-Type", "application/json")], body)
            response = connection.read_response()
            ok = response.status == 200 and json.loads(response.body).get("payload") == payload
            failure = None if ok else f"HTTP {response.status}: {response.body[:200]!r}"
            return response.header(REST_INSTANCE), failure, response.header("connection") == "close"

        self._loop(caller, call_once)


def open_stream(port, count, interval_ms):
    """A gRPC-Web ServerStream whose first message has arrived: (connection, response, pieces)."""
    connection = http1.Connection("127.0.0.1", port, timeout=10)
    body = grpcweb.encode_message(pb.StreamRequest(count=count, interval_ms=interval_ms))
    connection.send_request("POST", clients.method_path("ServerStream"), clients.web_headers(), body)
    response = connection.read_head()
    assert response.status == 200
    pieces = connection.iter_body(response)
    first = next(pieces)
    return connection, response, first.data, pieces


def finish_stream(response, first, pieces):
    received = first + b"".join(piece.data for piece in pieces)
    return grpcweb.parse_reply(response.headers, received)


def rest_echo(port, path="/v1/reloaded"):
    return http1.request(port, "POST", path, [("Content-Type", "application/json")], b'{"id": "r1"}')


def start(gateway_bin, start_backend, tmp_path, **settings):
    a, b = start_backend("a"), start_backend("b")
    return ReloadableGateway(gateway_bin, tmp_path, {"a": a.address, "b": b.address}, **settings)


def test_sighup_switches_routes_under_load_without_failing_a_call(gateway_bin, start_backend, tmp_path):
    gateway = start(gateway_bin, start_backend, tmp_path)
    try:
        assert rest_echo(gateway.port).status == 404
        # A stream in flight on the old configuration; it must finish there, whole.
        connection, response, first, pieces = open_stream(gateway.port, count=6, interval_ms=250)
        load = Load(gateway.port)
        load.start()
        try:
            gateway.write(test_backend="b", http=RELOADED_RULE)
            gateway.sighup()
            gateway.wait_for_log("configuration reloaded")
            # Every caller's connection (each on one worker) ends up on b, and keeps calling.
            load.wait_until(lambda: all(calls[-1] == "b" for calls in load.instances.values()))
            settled = load.calls()
            load.wait_until(lambda: sum(len(c) for c in load.instances.values()) >= settled + 20)
        finally:
            load.stop()
        assert load.failures == [], load.failures[:5]
        for caller, instances in load.instances.items():
            # One switch per connection: a worker never goes back to the old configuration.
            switch = instances.index("b")
            assert set(instances[:switch]) == {"a"} and set(instances[switch:]) == {"b"}, (caller, instances)
        print(f"\nreload under load: {load.calls()} calls on {len(load.threads)} keep-alive connections, none failed")

        reply = finish_stream(response, first, pieces)
        connection.close()
        assert (reply.status, len(reply.messages)) == (0, 6), reply
        assert response.header(INSTANCE) == "a"

        added = rest_echo(gateway.port)
        assert added.status == 200, added.body
        assert json.loads(json.loads(added.body)["requestJson"]) == {"id": "r1"}
        assert gateway.process.is_running()
    finally:
        gateway.stop()


def test_reloads_back_to_back_under_load_fail_no_call(gateway_bin, start_backend, tmp_path):
    gateway = start(gateway_bin, start_backend, tmp_path)
    load = Load(gateway.port, grpc_web=3, rest=1)
    load.start()
    try:
        for number in range(1, 11):
            target = "b" if number % 2 else "a"
            gateway.write(test_backend=target, http=RELOADED_RULE if number % 2 else "")
            status, body = gateway.post_reload()
            assert (status, body.get("generation")) == (200, number), body
            # Each reload is in effect when it is answered: the next call on any connection uses it.
            before = load.calls()
            load.wait_until(lambda: sum(len(c) for c in load.instances.values()) >= before + 8)
            assert (rest_echo(gateway.port).status == 200) == (target == "b")
        load.wait_until(lambda: all(calls[-1] == "a" for calls in load.instances.values()))
    finally:
        load.stop()
    try:
        assert load.failures == [], load.failures[:5]
        print(f"\n10 reloads under load: {load.calls()} calls, none failed")
    finally:
        gateway.stop()


def _line_of(text, needle):
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_bad_config_is_refused_with_its_location_and_the_old_one_keeps_serving(
    gateway_bin, start_backend, tmp_path
):
    gateway = start(gateway_bin, start_backend, tmp_path)
    good = gateway.render()
    bad_configs = {
        "unknown service": gateway.render(service="testing.v1.NoSuchService"),
        "missing descriptor set": gateway.render(descriptors=str(tmp_path / "missing.binpb")),
        "rule that does not parse": gateway.render(
            http=RELOADED_RULE.replace("/v1/reloaded", "/v1/{unclosed")),
        "YAML syntax": good.replace("routes:", "routes: [", 1),
    }
    load = Load(gateway.port)
    load.start()
    try:
        for number, (label, text) in enumerate(bad_configs.items(), start=1):
            gateway.write_text(text)
            check = processes.run_check(gateway_bin, gateway.config_path)
            located = check.stderr.strip()
            assert check.returncode == 2 and re.match(rf"{re.escape(str(gateway.config_path))}:\d+:\d+: ", located), (
                label, check.stderr)
            gateway.sighup()
            gateway.wait_for_log("configuration reload refused", count=number)
            assert f"the previous configuration stays in use: {located}" in gateway.log(), (label, located)
        # A setting only a restart can change refuses the whole reload, route change included.
        gateway.write(test_backend="b", workers=3)
        assert processes.run_check(gateway_bin, gateway.config_path).returncode == 0
        gateway.sighup()
        gateway.wait_for_log("configuration reload refused", count=len(bad_configs) + 1)
        assert "workers changed from 2 to 3: these settings are fixed when the gateway starts" in gateway.log()
        before = load.calls()
        load.wait_until(lambda: sum(len(c) for c in load.instances.values()) >= before + 20)
    finally:
        load.stop()
    try:
        assert load.failures == [], load.failures[:5]
        served_by = {instance for instances in load.instances.values() for instance in instances}
        assert served_by == {"a"}, "a refused configuration changed where calls go"
        assert rest_echo(gateway.port).status == 404, "a refused configuration's rule is in use"
        assert "configuration reloaded" not in gateway.log()
    finally:
        gateway.stop()


def test_post_reload_answers_with_the_outcome_as_json(gateway_bin, start_backend, tmp_path):
    gateway = start(gateway_bin, start_backend, tmp_path)
    try:
        gateway.write(http=RELOADED_RULE)
        summary = processes.run_check(gateway_bin, gateway.config_path).stderr
        methods, backends, bindings = map(int, re.search(r"(\d+) methods routed to (\d+) backends, (\d+) REST", summary).groups())
        status, body = gateway.post_reload()
        assert status == 200, body
        assert body == {"result": "success", "generation": 1, "methods": methods, "backends": backends,
                        "rest_bindings": bindings}
        # The answer comes once every worker serves the new configuration: no wait needed.
        assert rest_echo(gateway.port).status == 200

        text = gateway.render(service="testing.v1.NoSuchService")
        gateway.write_text(text)
        status, body = gateway.post_reload()
        line = _line_of(text, "NoSuchService")
        assert status == 422, body
        assert body["result"] == "failure"
        assert body["error"].startswith(f"{gateway.config_path}:{line}:"), body
        assert "testing.v1.NoSuchService" in body["error"]

        gateway.write(port=processes.free_port())
        status, body = gateway.post_reload()
        assert status == 422 and "listen.port changed from" in body["error"], body

        wrong_method = http1.request(gateway.admin_port, "GET", "/reload")
        assert (wrong_method.status, wrong_method.header("allow")) == (405, "POST")

        gateway.write()
        status, body = gateway.post_reload()
        assert (status, body["result"], body["generation"]) == (200, "success", 2), body
        assert rest_echo(gateway.port).status == 404, "the rule left with the configuration that had it"
    finally:
        gateway.stop()


def test_metrics_count_reloads_and_keep_call_counts(gateway_bin, start_backend, tmp_path):
    gateway = start(gateway_bin, start_backend, tmp_path)
    try:
        calls = 'gateway_calls_total{protocol="grpc_web",code="OK"}'
        for n in range(4):
            assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload=f"m{n}")).reply.status == 0
        samples = gateway.metrics()
        assert samples['gateway_config_reloads_total{result="success"}'] == 0
        assert samples['gateway_config_reloads_total{result="failure"}'] == 0
        assert samples["gateway_config_last_reload_successful"] == 1
        loaded_at = samples["gateway_config_last_reload_success_timestamp_seconds"]
        assert abs(loaded_at - time.time()) < 60
        assert samples[calls] == 4

        assert gateway.post_reload()[0] == 200
        gateway.write(service="testing.v1.NoSuchService")
        assert gateway.post_reload()[0] == 422
        samples = gateway.metrics()
        assert samples['gateway_config_reloads_total{result="success"}'] == 1
        assert samples['gateway_config_reloads_total{result="failure"}'] == 1
        assert samples["gateway_config_last_reload_successful"] == 0
        assert samples[calls] == 4, "a reload reset the call counters"
        assert samples["gateway_workers"] == 2

        gateway.write()
        gateway.sighup()
        gateway.wait_for_log("configuration reloaded", count=2)
        assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="after")).reply.status == 0
        samples = gateway.metrics()
        assert samples['gateway_config_reloads_total{result="success"}'] == 2
        assert samples["gateway_config_last_reload_successful"] == 1
        assert samples[calls] == 5
    finally:
        gateway.stop()


def _established_to(port):
    """Established TCP connections to 127.0.0.1:`port` (the gateway's, to a backend of this test)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        if state == "01" and int(remote.split(":")[1], 16) == port:
            count += 1
    return count


def test_replaced_backend_connections_close_once_their_calls_end(gateway_bin, start_backend, tmp_path):
    a, b = start_backend("a"), start_backend("b")
    gateway = ReloadableGateway(gateway_bin, tmp_path, {"a": a.address, "b": b.address})
    try:
        for n in range(6):
            assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload=f"c{n}")).reply.status == 0
        assert 1 <= _established_to(a.port) <= 2  # one per worker at most

        # Idle connections of a replaced configuration close at once.
        assert gateway.post_reload()[0] == 200
        assert clients.wait_for(lambda: _established_to(a.port) == 0), f"{_established_to(a.port)} connections left"

        # One carrying a call stays until the call ends, then closes too.
        connection, response, first, pieces = open_stream(gateway.port, count=5, interval_ms=300)
        assert gateway.post_reload()[0] == 200
        assert _established_to(a.port) == 1, "the connection carrying a stream was closed by the reload"
        reply = finish_stream(response, first, pieces)
        connection.close()
        assert (reply.status, len(reply.messages)) == (0, 5), reply
        assert clients.wait_for(lambda: _established_to(a.port) == 0), "the replaced connection stayed open after its call"

        # Many reloads with calls between them: connections do not pile up.
        for n in range(5):
            assert gateway.post_reload()[0] == 200
            for m in range(4):
                assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload=f"r{n}.{m}")).reply.status == 0
        assert clients.wait_for(lambda: _established_to(a.port) <= 2), f"{_established_to(a.port)} connections to a after 5 reloads"
    finally:
        gateway.stop()


def test_an_endpoint_failing_health_checks_stays_out_after_a_reload(gateway_bin, start_backend, tmp_path):
    """The new configuration's checks start from the old verdicts: an endpoint known to fail them
    gets no call after the reload, instead of calls until it fails them again."""
    import test_backend_balancing as balancing

    a, b = start_backend("a"), start_backend("b")
    check = "{interval: 300ms, timeout: 500ms, unhealthy_threshold: 2, healthy_threshold: 1}"
    gateway = ReloadableGateway(
        gateway_bin, tmp_path, {"pool": [a.address, b.address]}, test_backend="pool", rules_backend="pool",
        backend_settings=f", health_check: {check}")
    try:
        assert balancing.wait_for(lambda: set(balancing.instances_of(gateway.port, 6)) == {"a", "b"}, 3.0) is not None
        balancing.set_health(a, "NOT_SERVING")
        assert balancing.wait_for(lambda: set(balancing.instances_of(gateway.port, 6)) == {"b"}, 3.0) is not None

        assert gateway.post_reload()[0] == 200
        assert balancing.instances_of(gateway.port, 20) == {"b": 20}
    finally:
        gateway.stop()


def test_a_reload_reopens_the_access_log(gateway_bin, start_backend, tmp_path):
    """Log rotation: after the file is moved away, a reload makes the gateway write a new one."""
    log = tmp_path / "access.log"
    gateway = start(gateway_bin, start_backend, tmp_path, access_log=str(log))
    try:
        assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="before")).reply.status == 0
        assert clients.wait_for(lambda: log.exists() and log.read_text().count("\n") == 1)
        rotated = tmp_path / "access.log.1"
        log.rename(rotated)
        assert gateway.post_reload()[0] == 200
        assert clients.post(gateway.port, "Unary", pb.EchoRequest(payload="after")).reply.status == 0
        assert clients.wait_for(lambda: log.exists() and log.read_text().count("\n") == 1), "no new access log after the reload"
        assert json.loads(log.read_text())["path"] == clients.method_path("Unary")
        assert rotated.read_text().count("\n") == 1, "a line after the reload went to the rotated file"
    finally:
        gateway.stop()
