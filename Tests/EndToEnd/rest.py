"""Helpers of the REST/JSON tests (test_rest_*.py): the `http:` sections of the gateways they
start, requests over raw HTTP/1.1 (http1.py) and curl, and checks of `google.rpc.Status` JSON.

The service is testing.v1.HTTPRuleService (Protos/testing/v1/http_rules.proto); its backend
(http_rules_backend.py) echoes the request it got as `requestJson`, rendered by Python's
json_format with proto field names, so `echoed(response)` is what the gateway BUILT.
"""

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field

import http1
from gateway_config import RULES_SERVICE, SERVICE

SERVICES = [SERVICE, RULES_SERVICE]
RULES_PATH = "/testing.v1.HTTPRuleService/"

# The `http:` section of the shared REST gateway (`rest_gateway` fixture). Block style, so a test
# that breaks it knows the line.
REST_HTTP = """\
http:
  forward_headers: [x-tenant]
  ignored_query_parameters: [api_key]
  rules:
    - selector: testing.v1.HTTPRuleService.CreateShelf
      post: /v1/shelves
      body: "*"
      success_status: 201
    - selector: testing.v1.HTTPRuleService.Echo
      post: /v1/echo
      body: "*"
      additional_bindings:
        - get: "/v1/echo/{id}"
    - selector: testing.v1.HTTPRuleService.EchoOptions
      post: /v1/options
      body: "*"
      json: {emit_defaults: true, use_proto_names: true, enums_as_numbers: true, indent: 2, reject_unknown_fields: true}
    - selector: testing.v1.HTTPRuleService.ListBooksAlt
      get: "/v1/alt/sse/{shelf}"
      streaming: sse
      additional_bindings:
        - get: "/v1/alt/array/{shelf}"
          streaming: json_array
"""


def describe(response):
    """A response as text, for assertion messages."""
    head = "\n".join(f"{k}: {v}" for k, v in response.header_list)
    return f"HTTP {response.status} {response.reason}\n{head}\n\n{response.body[:2000]!r}"


def request(gateway, method, path, *, body=b"", headers=(), json_body=None, timeout=10.0):
    """One request on a new connection; `json_body` is sent as application/json."""
    headers = list(headers)
    if json_body is not None:
        body = json.dumps(json_body).encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/json"))
    return http1.request(gateway.port, method, path, headers, body, timeout=timeout)


def content_type(response):
    return response.header("content-type")


def body_json(response):
    """The body of a JSON response, parsed; asserts the content type."""
    assert content_type(response) == "application/json", describe(response)
    return json.loads(response.body)


def ok_json(response, status=200):
    assert response.status == status, describe(response)
    return body_json(response)


def echoed(response):
    """What the backend received, from a 200 RuleReply: proto field names, json_format forms."""
    return json.loads(ok_json(response)["requestJson"])


def assert_error(response, http_status, code, *message_parts):
    """Asserts a google.rpc.Status JSON error body; returns it parsed."""
    assert response.status == http_status, describe(response)
    assert content_type(response) == "application/json", describe(response)
    status = json.loads(response.body)
    assert status["code"] == code, describe(response)
    assert isinstance(status["message"], str) and status["message"], describe(response)
    for part in message_parts:
        assert part in status["message"], f"{part!r} not in the message: {describe(response)}"
    assert isinstance(status.get("details"), list), describe(response)
    return status


def leftover_bytes(connection, wait_s=0.3):
    """Bytes the server sent after a response that has no body (HEAD, 204), read within `wait_s`:
    on a keep-alive connection they would be taken for the next response."""
    data = bytes(connection._buffer)
    connection._buffer.clear()
    connection.sock.settimeout(wait_s)
    try:
        data += connection.sock.recv(65536)
    except (socket.timeout, BlockingIOError):
        pass
    finally:
        connection.sock.settimeout(http1.DEFAULT_TIMEOUT_S)
    return data


def curl_binary():
    found = shutil.which("curl")
    assert found, "curl is not installed (scripts/setup installs it)"
    return found


def curl(*args, timeout=20.0):
    """Runs `curl -sS <args>`; returns the CompletedProcess (stdout as bytes)."""
    return subprocess.run([curl_binary(), "-sS", *args], capture_output=True, timeout=timeout)


def curl_json(*args, timeout=20.0):
    """curl with `-w` appending the status and content type; returns (status, content type, body)."""
    result = curl(*args, "-w", "\n%{http_code} %{content_type}", timeout=timeout)
    assert result.returncode == 0, result.stderr.decode()
    body, _, trailer = result.stdout.rpartition(b"\n")
    status, _, ctype = trailer.decode().partition(" ")
    return int(status), ctype, body


@dataclass
class RawResponse:
    """A chunked response read to the end of the connection: head, chunks and trailer fields."""

    status: int
    header_list: list
    chunks: list = field(default_factory=list)  # [(arrival time, bytes)]
    trailers: list = field(default_factory=list)  # [(lower-case name, value)]
    complete: bool = False  # the zero-length last chunk arrived

    def header(self, name):
        values = [v for k, v in self.header_list if k == name.lower()]
        return ", ".join(values) if values else None

    def trailer(self, name):
        values = [v for k, v in self.trailers if k == name.lower()]
        return ", ".join(values) if values else None

    @property
    def body(self):
        return b"".join(data for _, data in self.chunks)


def read_chunked_to_close(port, raw_request, timeout=10.0):
    """Sends `raw_request` (bytes, which should say `Connection: close`) and reads the whole
    chunked response, keeping trailer fields and noting whether it ended properly."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw_request)
        buffer = bytearray()
        deadline = time.monotonic() + timeout
        closed = False

        def fill():
            nonlocal closed
            if closed or time.monotonic() > deadline:
                closed = True
                return False
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                data = b""
            if not data:
                closed = True
                return False
            buffer.extend(data)
            return True

        def line():
            while b"\r\n" not in buffer:
                if not fill():
                    return None
            index = buffer.index(b"\r\n")
            text = bytes(buffer[:index])
            del buffer[: index + 2]
            return text

        status_line = line()
        assert status_line, "no response"
        response = RawResponse(int(status_line.split()[1]), [])
        while True:
            header = line()
            if not header:
                break
            name, _, value = header.decode("latin-1").partition(":")
            response.header_list.append((name.strip().lower(), value.strip()))
        assert "chunked" in (response.header("transfer-encoding") or ""), response.header_list
        while True:
            size_line = line()
            if size_line is None:
                return response
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                response.complete = True
                while True:
                    trailer = line()
                    if not trailer:
                        return response
                    name, _, value = trailer.decode("latin-1").partition(":")
                    response.trailers.append((name.strip().lower(), value.strip()))
            while len(buffer) < size + 2:
                if not fill():
                    response.chunks.append((time.monotonic(), bytes(buffer[:size])))
                    return response
            response.chunks.append((time.monotonic(), bytes(buffer[:size])))
            del buffer[: size + 2]


def ndjson_lines(body):
    """The JSON documents of an NDJSON body (one per line; the body ends with a newline)."""
    text = body.decode()
    assert text.endswith("\n"), f"NDJSON body does not end with a newline: {text!r}"
    return [json.loads(line) for line in text.split("\n")[:-1]]


def sse_events(body):
    """The events of a Server-Sent Events body: [(event name or None, data parsed as JSON)]."""
    text = body.decode()
    assert text.endswith("\n\n"), f"SSE body does not end with a blank line: {text!r}"
    events = []
    for block in text.split("\n\n")[:-1]:
        name, data = None, []
        for line in block.split("\n"):
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
        events.append((name, json.loads("\n".join(data))))
    return events
