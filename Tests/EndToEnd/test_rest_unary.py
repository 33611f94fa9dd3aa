"""REST/JSON → gRPC unary calls, one binding shape at a time (protocols.md B5, behavior.md
"REST mapping"): GET/POST/PUT/PATCH/DELETE and a custom HEAD, nested path fields, multi-segment
variables, `**`, custom verbs, additional bindings, `body: "*"` and `body: "field"`,
`response_body`, success statuses, and the `POST /pkg.Service/Method` auto-mapping.

Each test checks status, content type and body, and what the backend received (`echoed`: the
request the gateway built, rendered by the backend's own json_format).
"""

import json

import pytest

import http1
import rest
from rest import assert_error, body_json, describe, echoed, ok_json, request


def test_get_fills_nested_path_fields(rest_gateway):
    """curl GET /v1/shelves/{book.shelf.name}/books/{book.id}: both nested fields are set."""
    status, ctype, body = rest.curl_json(f"{rest_gateway.url}/v1/shelves/fiction/books/dune")
    assert (status, ctype) == (200, "application/json")
    reply = json.loads(body)
    assert reply["method"] == "GetBook"
    assert json.loads(reply["requestJson"]) == {"book": {"id": "dune", "shelf": {"name": "fiction"}}}
    # The gateway prints the message it got back as canonical ProtoJSON (lowerCamel names).
    assert reply["request"] == {"book": {"id": "dune", "shelf": {"name": "fiction"}}}


def test_literal_segment_beats_a_variable(rest_gateway):
    special = request(rest_gateway, "GET", "/v1/shelves/special/books/7")
    assert ok_json(special)["method"] == "GetSpecialBook"
    assert echoed(special) == {"book": {"id": "7"}}
    other = request(rest_gateway, "GET", "/v1/shelves/specialx/books/7")
    assert ok_json(other)["method"] == "GetBook"
    assert echoed(other) == {"book": {"id": "7", "shelf": {"name": "specialx"}}}


def test_multi_segment_variable(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/resources/shelves/s1/books/b2")
    assert ok_json(response)["method"] == "GetResource"
    assert echoed(response) == {"name": "shelves/s1/books/b2"}


def test_multi_segment_variable_must_match_its_template(rest_gateway):
    """{name=shelves/*/books/*} does not take shelves/s1/notes/b2: nothing matches → 404."""
    response = request(rest_gateway, "GET", "/v1/resources/shelves/s1/notes/b2")
    assert_error(response, 404, 5, "/v1/resources/shelves/s1/notes/b2")


@pytest.mark.parametrize(
    "path, bound",
    [
        ("/v1/files/readme", "readme"),
        ("/v1/files/a/b/c.txt", "a/b/c.txt"),
        ("/v1/files", None),  # ** matches zero segments
    ],
    ids=["one-segment", "three-segments", "zero-segments"],
)
def test_double_wildcard(rest_gateway, path, bound):
    response = request(rest_gateway, "GET", path)
    assert ok_json(response)["method"] == "GetFile"
    assert echoed(response) == ({"path": bound} if bound else {})


def test_custom_verb_after_double_wildcard(rest_gateway):
    """/v1/files/{path=**}:stat takes the verb off; an unregistered `:x` stays in the path."""
    stat = request(rest_gateway, "GET", "/v1/files/a/b.txt:stat")
    assert echoed(stat) == {"path": "a/b.txt"}
    other = request(rest_gateway, "GET", "/v1/files/a/b.txt:other")
    assert echoed(other) == {"path": "a/b.txt:other"}


def test_custom_verb_publish(rest_gateway):
    response = request(
        rest_gateway, "POST", "/v1/shelves/s1/books/b2:publish", json_body={"string_value": "now"}
    )
    assert ok_json(response)["method"] == "PublishBook"
    assert echoed(response) == {"name": "shelves/s1/books/b2", "string_value": "now"}


def test_custom_verb_on_a_literal_path(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/books:batchGet?tags=a&tags=b")
    assert ok_json(response)["method"] == "BatchGetBooks"
    assert echoed(response) == {"tags": ["a", "b"]}


def test_post_body_star_merges_with_the_path(rest_gateway):
    """body "*": the body is the request; the path-bound book.shelf.name wins over the body's,
    and the body's other fields of the same nested message survive."""
    response = request(
        rest_gateway,
        "POST",
        "/v1/shelves/s1/books",
        json_body={"book": {"shelf": {"name": "from-body", "floor": 2}, "title": "Dune"}, "int32Value": 7},
    )
    assert ok_json(response)["method"] == "CreateBook"
    assert echoed(response) == {
        "book": {"shelf": {"name": "s1", "floor": 2}, "title": "Dune"},
        "int32_value": 7,
    }


def test_body_star_maps_no_query_parameter(rest_gateway):
    """With body "*" no query parameter maps (B5), not even a known field name."""
    response = request(
        rest_gateway, "POST", "/v1/shelves/s1/books?int32_value=5&tags=q", json_body={"string_value": "x"}
    )
    assert echoed(response) == {"book": {"shelf": {"name": "s1"}}, "string_value": "x"}


def test_patch_body_field(rest_gateway):
    """body "book": the JSON body is the Book; the path's book.name wins over the body's."""
    response = request(
        rest_gateway,
        "PATCH",
        "/v1/shelves/s1/books/b2",
        json_body={"name": "shelves/x/books/y", "title": "New title", "pages": "320"},
    )
    assert ok_json(response)["method"] == "UpdateBook"
    assert echoed(response) == {"book": {"name": "shelves/s1/books/b2", "title": "New title", "pages": "320"}}


def test_body_field_binding_maps_other_fields_from_the_query(rest_gateway):
    response = request(
        rest_gateway, "PATCH", "/v1/shelves/s1/books/b2?int32_value=5&tags=x", json_body={"title": "T"}
    )
    assert echoed(response) == {
        "book": {"name": "shelves/s1/books/b2", "title": "T"},
        "int32_value": 5,
        "tags": ["x"],
    }


def test_put_additional_binding(rest_gateway):
    response = request(rest_gateway, "PUT", "/v1/books/42", json_body={"id": "from-body", "title": "T"})
    assert ok_json(response)["method"] == "UpdateBook"
    assert echoed(response) == {"book": {"id": "42", "title": "T"}}


def test_delete_answers_an_empty_object(rest_gateway):
    response = request(rest_gateway, "DELETE", "/v1/shelves/s1/books/b2")
    assert response.status == 200, describe(response)
    assert body_json(response) == {}
    assert response.header("grpc-metadata-x-deleted-name") == "shelves/s1/books/b2"


def test_head_custom_kind(rest_gateway):
    """custom {kind: HEAD}: a HEAD request is served (no body); GET on that path is 405."""
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        connection.send_request("HEAD", "/v1/heads/h1")
        response = connection.read_response(method="HEAD")
        assert response.status == 200, describe(response)
        assert response.header("grpc-metadata-x-head-id") == "h1"
        # A HEAD response has no body (RFC 9110 §9.3.2); bytes after the head would be read as
        # the next response on this keep-alive connection.
        stray = rest.leftover_bytes(connection)
        assert stray == b"", f"bytes after the HEAD response's head: {stray[:300]!r}"
        connection.send_request("GET", "/v1/heads/h1")
        follow = connection.read_response(method="GET")
    assert_error(follow, 405, 12)
    assert follow.header("allow") == "HEAD"


def test_path_wins_over_the_query(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/shelves/s1/books/b2?book.id=q&book.shelf.name=q&book.title=t")
    assert echoed(response) == {"book": {"id": "b2", "shelf": {"name": "s1"}, "title": "t"}}


def test_path_wins_over_the_body_with_body_star(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/shelves/s1/books/b2:publish", json_body={"name": "other"})
    assert echoed(response) == {"name": "shelves/s1/books/b2"}


# Percent-decoding of path variables (protocols.md B5).
@pytest.mark.parametrize(
    "path, expected",
    [
        # single-segment variable: every %XX decoded, %2F included; '+' is not a space in a path
        ("/v1/shelves/a%2Fb%20c%C3%A9/books/1", {"book": {"id": "1", "shelf": {"name": "a/b c\u00e9"}}}),
        ("/v1/shelves/a+b/books/x%3Ay", {"book": {"id": "x:y", "shelf": {"name": "a+b"}}}),
        # multi-segment variable: everything decoded except %2F / %2f, which stay as written
        ("/v1/resources/shelves/a%2Fb%20c/books/1", {"name": "shelves/a%2Fb c/books/1"}),
        ("/v1/resources/shelves/a%2fb/books/%31", {"name": "shelves/a%2fb/books/1"}),
        # ** is multi-segment too
        ("/v1/files/dir/a%2Fb/c%20d", {"path": "dir/a%2Fb/c d"}),
    ],
    ids=["single-decodes-slash", "single-plus-and-colon", "multi-keeps-2F", "multi-keeps-2f", "deep-keeps-2F"],
)
def test_percent_decoding(rest_gateway, path, expected):
    assert echoed(request(rest_gateway, "GET", path)) == expected


def test_bad_percent_escape_in_a_path_variable_is_400(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/shelves/a%zz/books/1")
    assert_error(response, 400, 3, "book.shelf.name")


def test_response_body_message_field(rest_gateway):
    """response_body: "request": the body is that field, a RuleRequest, not the RuleReply."""
    response = request(rest_gateway, "GET", "/v1/parts/p7/request?int32_value=3&color=BLUE")
    assert ok_json(response) == {"id": "p7", "int32Value": 3, "color": "BLUE"}


def test_response_body_scalar_field(rest_gateway):
    """response_body: "method" (a string field): the body is that JSON string, nothing else."""
    response = request(rest_gateway, "GET", "/v1/parts/p7/method")
    assert response.status == 200, describe(response)
    assert rest.content_type(response) == "application/json"
    assert response.body == b'"GetReplyPart"', describe(response)


def test_success_status_from_a_yaml_rule(rest_gateway):
    """CreateShelf has no annotation: its YAML rule routes it and sets success_status 201."""
    status, ctype, body = rest.curl_json(
        "-H", "content-type: application/json", "-d", '{"name": "s9", "floor": 4}', f"{rest_gateway.url}/v1/shelves"
    )
    assert (status, ctype) == (201, "application/json")
    assert json.loads(body) == {"name": "s9", "floor": 4}


def test_backend_sets_the_status_with_x_http_code(rest_gateway):
    response = request(rest_gateway, "POST", "/v1/echo", json_body={"http_code": "202"})
    assert response.status == 202, describe(response)
    assert body_json(response)["method"] == "Echo"
    # x-http-code is an instruction to the gateway, not metadata for the client.
    assert response.header("grpc-metadata-x-http-code") is None, describe(response)


def test_backend_sets_204_no_content(rest_gateway):
    """x-http-code 204: no body at all (RFC 9110 §15.3.5), and the connection stays usable."""
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        connection.send_request(
            "POST", "/v1/echo", [("Content-Type", "application/json")], b'{"http_code": "204"}'
        )
        response = connection.read_head()
        assert response.status == 204, describe(response)
        assert response.header("content-length") in (None, "0")
        assert response.header("transfer-encoding") is None
        stray = rest.leftover_bytes(connection)
        assert stray == b"", f"bytes after the 204 response's head: {stray[:300]!r}"
        connection.send_request("GET", "/v1/echo/next")
        follow = connection.read_response(method="GET")
    assert follow.status == 200, describe(follow)
    assert echoed(follow) == {"id": "next"}


def test_yaml_additional_binding_of_an_unannotated_method(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/echo/e1?string_value=hi")
    assert ok_json(response)["method"] == "Echo"
    assert echoed(response) == {"id": "e1", "string_value": "hi"}


def test_auto_mapping_posts_json_to_any_method(rest_gateway):
    """POST /pkg.Service/Method with a JSON body works for every routed method, annotated or not."""
    response = request(
        rest_gateway, "POST", rest.RULES_PATH + "GetBook", json_body={"book": {"id": "9", "shelf": {"name": "s"}}}
    )
    assert ok_json(response)["method"] == "GetBook"
    assert echoed(response) == {"book": {"id": "9", "shelf": {"name": "s"}}}
    unary = request(rest_gateway, "POST", "/testing.v1.TestService/Unary", json_body={"payload": "hello"})
    assert ok_json(unary)["payload"] == "hello"


def test_auto_mapping_with_an_empty_body_sends_an_empty_request(rest_gateway):
    response = request(rest_gateway, "POST", rest.RULES_PATH + "Echo")
    assert echoed(response) == {}


def test_auto_mapping_refuses_get_with_405(rest_gateway):
    response = request(rest_gateway, "GET", rest.RULES_PATH + "Echo")
    assert_error(response, 405, 12)
    assert response.header("allow") == "POST"


def test_auto_mapping_of_an_unknown_method_is_404_not_forwarded(rest_gateway):
    """A method the descriptors do not have is answered 404 by the gateway (a backend would
    have said UNIMPLEMENTED, 501)."""
    response = request(rest_gateway, "POST", rest.RULES_PATH + "NoSuchMethod", json_body={})
    assert_error(response, 404, 5)


def test_keep_alive_serves_several_rest_calls_on_one_connection(rest_gateway):
    with http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        for index in range(3):
            connection.send_request("GET", f"/v1/shelves/s/books/{index}")
            response = connection.read_response(method="GET")
            assert echoed(response) == {"book": {"id": str(index), "shelf": {"name": "s"}}}
