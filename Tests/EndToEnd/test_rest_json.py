"""ProtoJSON on REST routes (behavior.md "JSON", protocols.md B6): canonical output, the print
options per gateway and per rule (emit defaults, proto names, enums as numbers, indent), lenient
input, unknown fields, and bad JSON answered 400 with the field path.

The shared REST gateway prints with the defaults, except for the YAML rule of EchoOptions
(POST /v1/options), which sets every option and reject_unknown_fields (rest.REST_HTTP).
"""

import json

import pytest

import rest
from rest import assert_error, describe, echoed, ok_json, request

# A request with a value in fields of each printing kind.
SAMPLE = {
    "int64_value": "9007199254740993",
    "uint64_value": "18446744073709551615",
    "color": "BLUE",
    "colors": ["RED", "GREEN"],
    "bytes_value": "+/8=",
    "time": "2024-01-02T03:04:05.500Z",
    "duration": "90s",
    "mask": "book.title,int32Value",
    "wrapped_int32": 0,
    "double_value": "NaN",
    "book": {"title": "Dune", "pages": "412"},
    "renamed": "r",
}

PER_GATEWAY_OPTIONS = """\
http:
  json: {emit_defaults: true, use_proto_names: true, enums_as_numbers: true, indent: 2}
  rules:
    # The per-rule options win over the gateway's: this rule prints with every default.
    - selector: testing.v1.HTTPRuleService.EchoOptions
      post: /v1/options
      body: "*"
      json: {emit_defaults: false, use_proto_names: false, enums_as_numbers: false, indent: 0}
"""


@pytest.fixture(scope="module")
def options_gateway(start_gateway, backend):
    """A gateway whose `http.json` sets every print option."""
    return start_gateway(backend.address, services=rest.SERVICES, http=PER_GATEWAY_OPTIONS)


def test_canonical_output_by_default(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", json_body=SAMPLE)
    assert response.status == 200, describe(response)
    assert b"\n" not in response.body, "compact by default"
    printed = ok_json(response)["request"]
    assert printed == {
        "int64Value": "9007199254740993",  # 64-bit integers as strings
        "uint64Value": "18446744073709551615",
        "color": "BLUE",  # enums by name
        "colors": ["RED", "GREEN"],
        "bytesValue": "+/8=",  # standard base64 with padding
        "time": "2024-01-02T03:04:05.500Z",
        "duration": "90s",
        "mask": "book.title,int32Value",
        "wrappedInt32": 0,  # a wrapper is present even at 0, printed as the bare value
        "doubleValue": "NaN",
        "book": {"title": "Dune", "pages": "412"},
        "otherName": "r",  # json_name
    }


def test_defaults_are_omitted_by_default(rest_gateway):
    printed = ok_json(request(rest_gateway, "POST", "/v1/echo", json_body={"int32_value": 0, "tags": []}))
    assert printed["request"] == {}


def test_per_rule_options(rest_gateway):
    """EchoOptions' rule: emit defaults, proto names, enums as numbers, indent 2."""
    response = request(rest_gateway, "POST", "/v1/options", json_body={"color": "BLUE", "int64_value": "5"})
    reply = ok_json(response)
    printed = reply["request"]
    assert printed["color"] == 3, "enums as numbers"
    assert printed["int64_value"] == "5", "proto names; int64 still a string"
    assert printed["int32_value"] == 0 and printed["tags"] == [] and printed["bool_value"] is False, "defaults"
    assert printed["renamed"] == "", "proto name, not json_name"
    assert "time" not in printed, "a message field without a value is still absent"
    assert response.body.startswith(b'{\n  "'), f"indent 2: {response.body[:40]!r}"
    # The other routes of the same gateway keep the gateway's options.
    other = request(rest_gateway, "POST", "/v1/echo", json_body={"color": "BLUE"})
    assert ok_json(other)["request"] == {"color": "BLUE"}


def test_per_gateway_options(options_gateway):
    response = request(options_gateway, "GET", "/v1/search?color=GREEN&int64_value=7")
    assert response.status == 200, describe(response)
    assert response.body.startswith(b'{\n  "'), f"indent 2: {response.body[:40]!r}"
    reply = json.loads(response.body)
    assert "request_json" in reply, "proto names at the top level"
    printed = reply["request"]
    assert printed["color"] == 2
    assert printed["int64_value"] == "7"
    assert printed["uint64_value"] == "0" and printed["string_value"] == "" and printed["numbers"] == []
    assert printed["bool_value"] is False and printed["labels"] == {}


def test_per_rule_options_win_over_the_gateway(options_gateway):
    response = request(options_gateway, "POST", "/v1/options", json_body={"color": "GREEN", "int32_value": 0})
    assert response.status == 200, describe(response)
    assert b"\n" not in response.body
    assert ok_json(response)["request"] == {"color": "GREEN"}


def test_indent_never_breaks_a_stream(options_gateway):
    """A gateway-wide indent must not split NDJSON messages over several lines."""
    response = request(options_gateway, "GET", "/v1/shelves/s/books:stream?count=2")
    assert response.status == 200, describe(response)
    lines = rest.ndjson_lines(response.body)
    assert [line["id"] for line in lines] == ["0", "1"]
    assert lines[0]["pages"] == "9007199254740993"


def test_lenient_input(rest_gateway):
    """ProtoJSON input forms (B6): proto and lowerCamel names, numbers as strings, int64 as a
    number, enums by number, URL-safe unpadded base64, offsets in timestamps, null as unset,
    exponent notation, json_name."""
    body = {
        "int32_value": "5",
        "int64Value": 123,
        "uint64_value": "18446744073709551615",
        "color": 2,
        "colors": ["RED", 3],
        "bytesValue": "-_8",
        "wrapped_int32": None,
        "book": None,
        "float_value": "1e2",
        "double_value": 2.5e-3,
        "time": "2024-01-02T05:04:05+02:00",
        "duration": "0.5s",
        "otherName": "n",
        "numbers": [1, "2", 3e0],
    }
    assert echoed(request(rest_gateway, "POST", "/v1/echo", json_body=body)) == {
        "int32_value": 5,
        "int64_value": "123",
        "uint64_value": "18446744073709551615",
        "color": "GREEN",
        "colors": ["RED", "BLUE"],
        "bytes_value": "+/8=",
        "float_value": 100.0,
        "double_value": 0.0025,
        "time": "2024-01-02T03:04:05Z",
        "duration": "0.500s",
        "renamed": "n",
        "numbers": [1, 2, 3],
    }


def test_unknown_fields_are_ignored_by_default(rest_gateway):
    assert echoed(request(rest_gateway, "POST", "/v1/echo", json_body={"bogus": {"x": 1}, "int32Value": 2})) == {
        "int32_value": 2
    }


def test_reject_unknown_fields_per_rule(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/options", json_body={"int32Value": 2, "bogus": 1})
    assert_error(response, 400, 3, "bogus")


@pytest.mark.parametrize(
    "body, words",
    [
        ('{"int32_value": "abc"}', ["int32_value", "abc"]),
        ('{"book": {"shelf": {"floor": 1.5}}}', ["book.shelf.floor"]),
        ('{"tags": ["a", 7]}', ["tags[1]"]),
        ('{"tags": "a"}', ["tags"]),
        ('{"color": true}', ["color"]),
        ('{"time": "2024-13-45T00:00:00Z"}', ["time"]),
        ('{"bytes_value": "%%%"}', ["bytes_value"]),
        ('{"labels": {"a": 1}}', ["labels"]),
        ('{"books": [{"pages": "many"}]}', ["books[0].pages"]),
    ],
    ids=["int-word", "nested-fraction", "list-element", "list-not-array", "enum-bool", "timestamp", "bytes",
         "map-value", "repeated-message-element"],
)
def test_wrong_type_is_400_with_the_field_path(rest_gateway, body, words):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=body.encode())
    assert_error(response, 400, 3, *words)


def test_wrong_type_in_a_body_field_binding_names_the_full_path(rest_gateway):
    """body: "book": the body is the Book, and the error path starts at the request (book.…)."""
    response = request(rest_gateway, "PATCH", "/v1/shelves/s/books/b", json_body={"shelf": {"floor": "x"}})
    assert_error(response, 400, 3, "book.shelf.floor")


@pytest.mark.parametrize(
    "body",
    ['{"int32_value": 1', '{"int32_value": 1,}', '{"int32_value" 1}', '{"a": 1} trailing'],
    ids=["truncated", "trailing-comma", "missing-colon", "trailing-text"],
)
def test_bad_json_is_400_saying_where(rest_gateway, body):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=body.encode())
    status = assert_error(response, 400, 3)
    assert "byte" in status["message"] or "int32_value" in status["message"], describe(response)


def test_bad_json_word_is_not_called_null(rest_gateway):
    """A body `nope` is not JSON; the message must not claim the client sent `null`."""
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=b"nope")
    status = assert_error(response, 400, 3)
    assert "null" not in status["message"], f"the client sent `nope`, not null: {status['message']!r}"


def test_a_body_that_is_not_an_object_is_400(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=b"[1]")
    assert_error(response, 400, 3)
