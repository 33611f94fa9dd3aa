"""REST rules from gateway.yaml (issue 4, behavior.md "REST mapping"): a YAML rule routes an
unannotated method and replaces an annotated method's rule; keys in snake_case or lowerCamel;
`gateway --check` refuses, with `<file>:<line>:` and the reason, a selector naming no method, a
template that does not parse, a field that does not exist or has the wrong kind, and two rules
that can match the same request. And the example's shipped gateway.yaml routes the unannotated
orders.OrderService.CancelOrder purely from its `http.rules`.
"""

import json
import re
import subprocess

import pytest
import yaml

import processes
import rest
from gateway_config import GatewayConfig
from rest import echoed, ok_json, request

ROOT = processes.ROOT


def rules_config(rules_yaml, services=None):
    """A config routing both test services, with `rules_yaml` (block lines, 4-space indented
    items) under http.rules; port 1 for the backend: --check must not need it."""
    http = "http:\n  rules:\n" + rules_yaml
    return GatewayConfig(
        port=processes.free_port(), backend_address="127.0.0.1:1", services=services or rest.SERVICES, http=http
    ).render()


def line_of(text, needle, occurrence=1):
    """1-based number of the `occurrence`-th line containing `needle`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in config")


def check(gateway_bin, tmp_path, text):
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    return path, processes.run_check(gateway_bin, path)


def test_good_rules_pass_the_check(gateway_bin, tmp_path):
    path, result = check(gateway_bin, tmp_path, GatewayConfig(
        port=processes.free_port(), backend_address="127.0.0.1:1", services=rest.SERVICES, http=rest.REST_HTTP
    ).render())
    assert result.returncode == 0, result.stderr


# (id, rules, the line's marker, words the reason must contain)
BAD_RULES = [
    (
        "selector-names-no-method",
        '    - selector: testing.v1.HTTPRuleService.NoSuchMethod\n      get: "/v1/x"\n',
        "NoSuchMethod",
        ["testing.v1.HTTPRuleService.NoSuchMethod"],
    ),
    (
        "selector-of-an-unrouted-service",
        '    - selector: orders.OrderService.GetOrder\n      get: "/v1/x"\n',
        "orders.OrderService.GetOrder",
        ["orders.OrderService.GetOrder"],
    ),
    (
        "template-does-not-parse",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/{unclosed"\n',
        "unclosed",
        ["/v1/{unclosed"],
    ),
    (
        "double-wildcard-not-last",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/**/tail"\n',
        "/v1/**/tail",
        ["**"],
    ),
    (
        "path-field-does-not-exist",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/x/{book.no_such_field}"\n',
        "no_such_field",
        ["no_such_field"],
    ),
    (
        "path-field-is-a-message",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/x/{book.shelf}"\n',
        "book.shelf}",
        ["shelf", "message"],
    ),
    (
        "path-field-is-repeated",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/x/{tags}"\n',
        "{tags}",
        ["tags", "repeated"],
    ),
    (
        "body-field-does-not-exist",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      post: "/v1/x"\n      body: "no_such_body"\n',
        None,  # the line of the rule's template or of `body`
        ["no_such_body"],
    ),
    (
        "response-body-field-does-not-exist",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/x"\n      response_body: "no_such_reply"\n',
        None,
        ["no_such_reply"],
    ),
    (
        "unknown-streaming-format",
        '    - selector: testing.v1.HTTPRuleService.ListBooksAlt\n      get: "/v1/x"\n      streaming: xml\n',
        "streaming: xml",
        ["xml"],
    ),
    (
        "additional-bindings-nested-twice",
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/x"\n      additional_bindings:\n'
        '        - get: "/v1/y"\n          additional_bindings:\n            - get: "/v1/z"\n',
        None,
        ["additional_bindings"],
    ),
]


@pytest.mark.parametrize("rules, marker, words", [c[1:] for c in BAD_RULES], ids=[c[0] for c in BAD_RULES])
def test_check_refuses_a_bad_rule_with_its_location(gateway_bin, tmp_path, rules, marker, words):
    text = rules_config(rules)
    path, result = check(gateway_bin, tmp_path, text)
    assert result.returncode != 0, f"--check accepted:\n{text}"
    if marker is not None:
        expected = f"{path}:{line_of(text, marker)}:"
        assert expected in result.stderr, f"expected {expected} in:\n{result.stderr}"
    else:
        first, last = line_of(text, "selector: testing.v1.HTTPRuleService.Echo"), len(text.splitlines())
        lines = [int(n) for n in re.findall(re.escape(str(path)) + r":(\d+):", result.stderr)]
        assert any(first <= n <= last for n in lines), f"no line of the rule ({first}-{last}) in:\n{result.stderr}"
    for word in words:
        assert word in result.stderr, f"the reason should name {word!r}:\n{result.stderr}"


def test_check_refuses_two_ambiguous_yaml_rules_naming_both(gateway_bin, tmp_path):
    rules = (
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/same/{id}"\n'
        '    - selector: testing.v1.HTTPRuleService.CreateShelf\n      get: "/v1/same/{name}"\n'
    )
    text = rules_config(rules)
    path, result = check(gateway_bin, tmp_path, text)
    assert result.returncode != 0
    for marker in ['"/v1/same/{id}"', '"/v1/same/{name}"']:
        assert f"{path}:{line_of(text, marker)}:" in result.stderr, f"{marker} not located in:\n{result.stderr}"
    assert "ambiguous" in result.stderr


def test_check_refuses_a_yaml_rule_ambiguous_with_an_annotation(gateway_bin, tmp_path):
    """Echo's YAML rule takes GET /v1/search, which Search's annotation already has."""
    rules = '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/search"\n'
    text = rules_config(rules)
    path, result = check(gateway_bin, tmp_path, text)
    assert result.returncode != 0
    assert f"{path}:{line_of(text, '/v1/search')}:" in result.stderr, result.stderr
    assert "testing.v1.HTTPRuleService.Search" in result.stderr and "ambiguous" in result.stderr


def test_check_refuses_an_ambiguous_additional_binding_at_its_own_line(gateway_bin, tmp_path):
    rules = (
        '    - selector: testing.v1.HTTPRuleService.Echo\n      get: "/v1/zz/{id}"\n'
        "      additional_bindings:\n"
        '        - get: "/v1/zz/{name}"\n'
    )
    text = rules_config(rules)
    path, result = check(gateway_bin, tmp_path, text)
    assert result.returncode != 0
    assert "ambiguous" in result.stderr
    assert f"{path}:{line_of(text, '/v1/zz/{name}')}:" in result.stderr, (
        f"the additional binding's line is not named:\n{result.stderr}"
    )


def test_a_bad_rule_stops_the_start(gateway_bin, tmp_path):
    text = rules_config('    - selector: testing.v1.HTTPRuleService.NoSuchMethod\n      get: "/v1/x"\n')
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run([str(gateway_bin), "--config", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode != 0
    assert f"{path}:{line_of(text, 'NoSuchMethod')}:" in result.stderr


# Rules at run time.

REPLACING_RULES = """\
http:
  rules:
    # Replaces Search's annotation (GET /v1/search): only the YAML binding remains.
    - selector: testing.v1.HTTPRuleService.Search
      get: "/v2/search/{string_value}"
    # lowerCamel keys, as in a google.api.Service YAML written for Envoy or ESP.
    - selector: testing.v1.HTTPRuleService.GetReplyPart
      get: "/v2/parts/{id}"
      responseBody: request
      additionalBindings:
        - post: "/v2/parts"
          body: "*"
          responseBody: request
    # custom {kind, path}: any method token, standard or not.
    - selector: testing.v1.HTTPRuleService.Echo
      custom: {kind: PURGE, path: "/v2/cache/{id}"}
"""


@pytest.fixture(scope="module")
def replacing_gateway(start_gateway, backend):
    return start_gateway(backend.address, services=rest.SERVICES, http=REPLACING_RULES)


def test_yaml_rule_replaces_the_annotation(replacing_gateway):
    response = request(replacing_gateway, "GET", "/v2/search/hello?int32_value=1")
    assert ok_json(response)["method"] == "Search"
    assert echoed(response) == {"string_value": "hello", "int32_value": 1}
    rest.assert_error(request(replacing_gateway, "GET", "/v1/search"), 404, 5)


def test_lower_camel_keys(replacing_gateway):
    assert ok_json(request(replacing_gateway, "GET", "/v2/parts/p1?color=RED")) == {"id": "p1", "color": "RED"}
    assert ok_json(request(replacing_gateway, "POST", "/v2/parts", json_body={"id": "p2"})) == {"id": "p2"}


def test_custom_method_kind(replacing_gateway):
    """A custom HttpRule kind (PURGE) is served like any method, and only on its path."""
    response = request(replacing_gateway, "PURGE", "/v2/cache/c1")
    assert ok_json(response)["method"] == "Echo"
    assert echoed(response) == {"id": "c1"}
    refused = request(replacing_gateway, "GET", "/v2/cache/c1")
    rest.assert_error(refused, 405, 12)
    assert refused.header("allow") == "PURGE"
    rest.assert_error(request(replacing_gateway, "PURGE", "/v2/elsewhere"), 404, 5)


def test_annotations_of_methods_without_yaml_rules_stay(replacing_gateway):
    assert ok_json(request(replacing_gateway, "GET", "/v1/shelves/s/books/b"))["method"] == "GetBook"


# The example's shipped gateway.yaml.

CANCEL_ORDER = "orders.OrderService.CancelOrder"


def example_config(tmp_path, backend_port, gateway_port, extra=""):
    """The shipped gateway.yaml with only the ports (and the descriptor path) rewritten."""
    text = (ROOT / "gateway.yaml").read_text()
    text = re.sub(r"(?m)^(\s*port:\s*)8080\b", rf"\g<1>{gateway_port}", text)
    text = text.replace("127.0.0.1:50051", f"127.0.0.1:{backend_port}")
    text = text.replace("host: 0.0.0.0", "host: 127.0.0.1")
    text = text.replace("examples/orders/orders.binpb", str(ROOT / "examples" / "orders" / "orders.binpb"))
    path = tmp_path / "gateway.yaml"
    path.write_text(text + extra)
    return path


@pytest.fixture
def orders_backend(tmp_path):
    process = processes.OrdersBackendProcess(tmp_path / "orders-backend.log", update_interval_s=0.05)
    yield process
    process.stop()


def cancel_rule(config_text):
    """The CancelOrder rule of a config's http.rules: (HTTP method, template, body), or None if
    the file has none. Read with a YAML parser, so any style the file uses is understood."""
    config = yaml.safe_load(config_text) or {}
    for rule in (config.get("http") or {}).get("rules") or []:
        if rule.get("selector") != CANCEL_ORDER:
            continue
        for method in ("get", "put", "post", "delete", "patch"):
            if method in rule:
                return method.upper(), rule[method], rule.get("body", "")
        if "custom" in rule:
            return rule["custom"]["kind"].upper(), rule["custom"]["path"], rule.get("body", "")
    return None


def fill_template(template):
    """The template with order_id bound to ord-456 (every other variable gets a dummy value)."""
    return re.sub(r"\{([^}=]+)(=[^}]*)?\}", lambda m: "ord-456" if m.group(1) == "order_id" else "x", template)


def run_cancel(gateway_bin, config_path, gateway_port, rule, tmp_path):
    gateway = processes.GatewayProcess(gateway_bin, config_path, gateway_port, tmp_path / "gateway.log")
    try:
        method, template, body = rule
        args = ["-X", method, f"{gateway.url}{fill_template(template)}"]
        if body:
            args += ["-H", "content-type: application/json", "-d", json.dumps({"reason": "changed my mind"})]
        return rest.curl_json(*args)
    finally:
        gateway.stop()


def test_example_gateway_yaml_routes_cancel_order_from_yaml(gateway_bin, tmp_path, orders_backend):
    """The shipped gateway.yaml has a `http.rules` entry for the unannotated CancelOrder, and
    curl through it cancels ord-456 (README: "CancelOrder (no google.api.http annotation: routed
    from gateway.yaml only)")."""
    port = processes.free_port()
    path = example_config(tmp_path, orders_backend.port, port)
    rule = cancel_rule(path.read_text())
    assert rule is not None, f"the shipped gateway.yaml has no http.rules entry for {CANCEL_ORDER}"
    status, ctype, body = run_cancel(gateway_bin, path, port, rule, tmp_path)
    assert (status, ctype) == (200, "application/json"), body
    assert json.loads(body) == {"id": "ord-456", "customerId": "cust-789", "total": 19.98, "status": "cancelled"}


ORDERS_WITH_CANCEL_RULE = """\
listen: {{host: 127.0.0.1, port: {port}}}
workers: 1
descriptors: ["{descriptors}"]
backends:
  - {{name: orders, address: "127.0.0.1:{backend_port}"}}
routes:
  - {{service: orders.OrderService, backend: orders}}
http:
  rules:
    - selector: orders.OrderService.CancelOrder
      post: "/v1/orders/{{order_id}}:cancel"
      body: "*"
"""


def test_orders_example_with_a_yaml_rule_routes_cancel_order(gateway_bin, tmp_path, orders_backend):
    """The mechanism on the example's own descriptors, independent of what the shipped file
    holds: one `http.rules` entry routes the unannotated CancelOrder, and the annotated methods
    of the same service keep their bindings."""
    port = processes.free_port()
    path = tmp_path / "orders.yaml"
    path.write_text(ORDERS_WITH_CANCEL_RULE.format(
        port=port, descriptors=ROOT / "examples" / "orders" / "orders.binpb", backend_port=orders_backend.port
    ))
    gateway = processes.GatewayProcess(gateway_bin, path, port, tmp_path / "gateway.log")
    try:
        status, ctype, body = rest.curl_json(
            "-X", "POST", "-H", "content-type: application/json", "-d", '{"reason": "changed my mind"}',
            f"{gateway.url}/v1/orders/ord-456:cancel",
        )
        assert (status, ctype) == (200, "application/json"), body
        assert json.loads(body) == {"id": "ord-456", "customerId": "cust-789", "total": 19.98, "status": "cancelled"}
        status, ctype, body = rest.curl_json(f"{gateway.url}/v1/orders/ord-123")
        assert (status, ctype) == (200, "application/json")
        assert json.loads(body)["id"] == "ord-123"
    finally:
        gateway.stop()
