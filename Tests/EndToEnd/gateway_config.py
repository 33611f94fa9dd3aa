"""The gateway.yaml the suite writes for each gateway it starts, and the values tests check against.

The layout is fixed on purpose (flow style, one backend and one route per line), so tests that
break a config know which line the gateway must name in its error.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTING_DESCRIPTORS = HERE / "testing.binpb"
SERVICE = "testing.v1.TestService"
RULES_SERVICE = "testing.v1.HTTPRuleService"  # the REST tests' service (http_rules.proto)

ALLOWED_ORIGIN = "http://allowed.example"
REFUSED_ORIGIN = "http://refused.example"
CORS_MAX_AGE = "10m"
CORS_MAX_AGE_SECONDS = 600
MAX_REQUEST_BODY = 1024 * 1024  # "1MiB" below
MAX_RESPONSE_MESSAGE = 4 * 1024 * 1024  # "4MiB" below


def _q(value):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value))


def _flow(value):
    """A value in YAML flow style: mappings as {k: v}, lists as [a, b], numbers bare, others quoted."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _q(value)


@dataclass
class GatewayConfig:
    port: int
    backend_address: str  # host:port; a list of them is written as `endpoints:`
    descriptors: list = field(default_factory=lambda: [TESTING_DESCRIPTORS])
    services: list = field(default_factory=lambda: [SERVICE])
    workers: int = 2
    allowed_origins: list = field(default_factory=lambda: [ALLOWED_ORIGIN])
    # More keys of the backend's entry, e.g. {"balancing": "least_request", "keepalive":
    # {"interval": "1s", "timeout": "1s"}}; written on the same line, in flow style.
    backend_settings: dict = field(default_factory=dict)
    # service → extra route keys in flow style, e.g. {RULES_SERVICE: "timeout: 300ms"}.
    route_options: dict = field(default_factory=dict)
    # The `http:` section as YAML text (block style, starting with "http:"), or "" for none.
    http: str = ""
    # More `limits:` keys, e.g. {"max_connections": 3, "header_read_timeout": "1s"}.
    limits: dict = field(default_factory=dict)
    # More top-level YAML (block style), e.g. an `admin:` section.
    extra_yaml: str = ""

    def _backend_entry(self):
        if isinstance(self.backend_address, (list, tuple)):
            where = f"endpoints: {_flow(list(self.backend_address))}"
        else:
            where = f"address: {_q(self.backend_address)}"
        more = "".join(f", {key}: {_flow(value)}" for key, value in self.backend_settings.items())
        return f"{{name: test, {where}{more}}}"

    def render(self):
        lines = [
            f"listen: {{host: 127.0.0.1, port: {self.port}}}",
            f"workers: {self.workers}",
            f"descriptors: [{', '.join(_q(p) for p in self.descriptors)}]",
            "backends:",
            f"  - {self._backend_entry()}",
            "routes:",
            *(f"  - {{service: {s}, backend: test{self._route_options(s)}}}" for s in self.services),
            "cors:",
            f"  allowed_origins: [{', '.join(_q(o) for o in self.allowed_origins)}]",
            f"  max_age: {CORS_MAX_AGE}",
            "limits:",
            "  max_request_body: 1MiB",
            "  max_response_message: 4MiB",
            *(f"  {key}: {_flow(value)}" for key, value in self.limits.items()),
        ]
        if self.http:
            lines += self.http.rstrip("\n").split("\n")
        if self.extra_yaml:
            lines += self.extra_yaml.rstrip("\n").split("\n")
        return "\n".join(lines) + "\n"

    def _route_options(self, service):
        options = self.route_options.get(service)
        return f", {options}" if options else ""

    def write(self, path):
        Path(path).write_text(self.render())
        return Path(path)
