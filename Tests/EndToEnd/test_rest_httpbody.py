"""google.api.HttpBody over REST (behavior.md "REST mapping"): raw bytes with their content type
in (as the whole request and as a body field) and out (unary and server-streamed), never JSON."""

import base64

import rest
from rest import describe, ok_json, request

# Bytes that are not UTF-8 and include NUL: a JSON or C-string path anywhere would damage them.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01"


def test_httpbody_request_field_takes_raw_bytes_and_content_type(rest_gateway):
    """body: "data" (an HttpBody field): the bytes and Content-Type reach the backend as sent;
    the path still binds `name`."""
    response = request(
        rest_gateway, "POST", "/v1/uploads/logo.png", headers=[("Content-Type", "image/png")], body=PNG_BYTES
    )
    reply = ok_json(response)
    assert reply["method"] == "Upload"
    assert reply["uploadName"] == "logo.png"
    assert reply["contentType"] == "image/png"
    assert base64.b64decode(reply["data"]) == PNG_BYTES


def test_httpbody_whole_request_keeps_content_type_parameters(rest_gateway):
    """body: "*" on an HttpBody request: any content type is accepted (no 415), parameters kept."""
    text = "name,city\nZoë,Paris\n".encode()
    response = request(
        rest_gateway, "POST", "/v1/raw", headers=[("Content-Type", "text/csv; charset=utf-8")], body=text
    )
    reply = ok_json(response)
    assert reply["method"] == "UploadRaw"
    assert reply["contentType"] == "text/csv; charset=utf-8"
    assert base64.b64decode(reply["data"]) == text


def test_httpbody_reply_is_raw_bytes_with_its_content_type(rest_gateway):
    status, ctype, body = rest.curl_json(f"{rest_gateway.url}/v1/downloads/d1")
    assert (status, ctype) == (200, "text/csv; charset=utf-8")
    assert body == b"id,title\n1,Dune\n"


def test_httpbody_reply_binary(rest_gateway):
    """The backend answers the bytes given as `bytes_value` (URL-safe base64 in the query) with
    the content type given as `string_value`."""
    encoded = base64.urlsafe_b64encode(PNG_BYTES).decode().rstrip("=")
    response = request(rest_gateway, "GET", f"/v1/downloads/d2?string_value=image%2Fpng&bytes_value={encoded}")
    assert response.status == 200, describe(response)
    assert response.header("content-type") == "image/png"
    assert response.body == PNG_BYTES


def test_server_streamed_httpbody_is_the_raw_parts_each_flushed(rest_gateway):
    """A stream of HttpBody: the data of each message, concatenated, each part sent as it comes;
    the content type is the messages', not NDJSON."""
    interval_s = 0.4
    with rest.http1.Connection("127.0.0.1", rest_gateway.port) as connection:
        sent_at = connection.send_request("GET", f"/v1/downloads/d3:stream?count=3&interval_ms={int(interval_s * 1000)}")
        response = connection.read_head()
        assert response.status == 200, describe(response)
        assert response.header("content-type") == "text/plain"
        pieces = list(connection.iter_body(response, method="GET"))
    assert b"".join(p.data for p in pieces) == b"part-0\npart-1\npart-2\n"
    assert [p.data for p in pieces] == [b"part-0\n", b"part-1\n", b"part-2\n"]
    for index, piece in enumerate(pieces):
        # Part n is produced at n*interval; it must be here before part n+1 is produced.
        assert piece.arrived - sent_at < (index + 0.75) * interval_s, f"part {index} late"
