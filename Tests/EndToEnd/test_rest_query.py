"""Query parameters → request fields (protocols.md B5, behavior.md "REST mapping"): every kind a
query may fill, names as proto or JSON names, what may not be filled, unknown parameters (400,
or ignored when configured), and wrong values (400 naming the parameter).

GET /v1/search has no body, so every field comes from the query; the backend echoes the request
it got, rendered by its own json_format (proto names, int64 as strings, bytes as std base64).
"""

import base64

import pytest

import rest
from rest import assert_error, echoed, request

RAW_BYTES = b"\xfb\xff\xfe\x00a"
STD = base64.b64encode(RAW_BYTES).decode()  # "+//+AGE="
URL_SAFE_UNPADDED = base64.urlsafe_b64encode(RAW_BYTES).decode().rstrip("=")  # "-__-AGE"


def search(gateway, query):
    return echoed(request(gateway, "GET", f"/v1/search?{query}"))


# (id, query, what the backend must receive)
KINDS = [
    ("int32", "int32_value=-42", {"int32_value": -42}),
    ("int64-beyond-double", "int64_value=9007199254740993", {"int64_value": "9007199254740993"}),
    ("int64-negative", "int64_value=-9223372036854775808", {"int64_value": "-9223372036854775808"}),
    ("uint64-max", "uint64_value=18446744073709551615", {"uint64_value": "18446744073709551615"}),
    ("sint32", "sint32_value=-7", {"sint32_value": -7}),
    ("fixed64", "fixed64_value=12345678901234567890", {"fixed64_value": "12345678901234567890"}),
    ("bool-true", "bool_value=true", {"bool_value": True}),
    ("double", "double_value=2.5e-3", {"double_value": 0.0025}),
    ("double-infinity", "double_value=-Infinity", {"double_value": "-Infinity"}),
    ("float", "float_value=1.5", {"float_value": 1.5}),
    ("string-percent-and-plus", "string_value=a%20b%26c%3Dd+e%2B", {"string_value": "a b&c=d e+"}),
    ("string-unicode", "string_value=caf%C3%A9%20%E2%9C%93", {"string_value": "caf\u00e9 \u2713"}),
    ("bytes-standard-base64", "bytes_value=" + STD.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"), {"bytes_value": STD}),
    ("bytes-url-safe-unpadded", "bytes_value=" + URL_SAFE_UNPADDED, {"bytes_value": STD}),
    ("enum-by-name", "color=GREEN", {"color": "GREEN"}),
    ("enum-by-number", "color=3", {"color": "BLUE"}),
    ("repeated-string", "tags=a&tags=b&tags=a", {"tags": ["a", "b", "a"]}),
    ("repeated-int32", "numbers=1&numbers=-2", {"numbers": [1, -2]}),
    ("repeated-enum-names-and-numbers", "colors=RED&colors=2", {"colors": ["RED", "GREEN"]}),
    ("nested-message", "book.title=Dune&book.shelf.floor=3&book.pages=9007199254740993",
     {"book": {"title": "Dune", "shelf": {"floor": 3}, "pages": "9007199254740993"}}),
    ("timestamp-utc", "time=2024-01-02T03:04:05.678Z", {"time": "2024-01-02T03:04:05.678Z"}),
    ("timestamp-offset", "time=2024-01-02T05:04:05%2B02:00", {"time": "2024-01-02T03:04:05Z"}),
    ("duration", "duration=1.5s", {"duration": "1.500s"}),
    ("duration-negative", "duration=-0.000000001s", {"duration": "-0.000000001s"}),
    ("field-mask", "mask=book.title,int32Value", {"mask": "book.title,int32Value"}),
    ("wrapper-int32-zero-is-present", "wrapped_int32=0", {"wrapped_int32": 0}),
    ("wrapper-bool-false-is-present", "wrapped_bool=false", {"wrapped_bool": False}),
    ("wrapper-string-empty-is-present", "wrapped_string=", {"wrapped_string": ""}),
    ("wrapper-int64", "wrapped_int64=9007199254740993", {"wrapped_int64": "9007199254740993"}),
    ("json-name", "int32Value=5&otherName=x", {"int32_value": 5, "renamed": "x"}),
]


@pytest.mark.parametrize("query, expected", [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_query_parameter_kind(rest_gateway, query, expected):
    assert search(rest_gateway, query) == expected


# Kinds that set a field another kind above sets too; left out of the all-at-once request.
OVERLAPPING = {"timestamp-offset", "int64-negative", "json-name", "bytes-url-safe-unpadded", "enum-by-number",
               "double-infinity", "duration-negative"}


def test_every_kind_at_once(rest_gateway):
    kinds = [k for k in KINDS if k[0] not in OVERLAPPING]
    expected = {}
    for _, _, value in kinds:
        expected.update(value)
    assert search(rest_gateway, "&".join(k[1] for k in kinds)) == expected


def test_a_name_without_value_and_empty_pairs(rest_gateway):
    """`a=1&&b=2` skips the empty pair; `string_value` alone (no `=`) sets "" — which for a
    string leaves it unset."""
    assert search(rest_gateway, "int32_value=1&&tags=x&string_value") == {"int32_value": 1, "tags": ["x"]}


@pytest.mark.parametrize(
    "query, words",
    [
        ("int32_value=abc", ["int32_value", "abc"]),
        ("int32_value=1.5", ["int32_value"]),
        ("int32_value=", ["int32_value"]),
        ("int32_value=2147483648", ["int32_value"]),
        ("bool_value=yes", ["bool_value"]),
        ("color=PURPLE", ["color", "PURPLE"]),
        ("time=yesterday", ["time"]),
        ("duration=5", ["duration"]),
        ("bytes_value=%25%25", ["bytes_value"]),
        ("book.shelf.floor=x", ["book.shelf.floor"]),
    ],
    ids=["int-word", "int-fraction", "int-empty", "int-overflow", "bool-word", "enum-unknown", "timestamp",
         "duration-no-unit", "bytes-not-base64", "nested"],
)
def test_wrong_value_is_400_naming_the_parameter(rest_gateway, query, words):
    response = request(rest_gateway, "GET", f"/v1/search?{query}")
    assert_error(response, 400, 3, *words)


@pytest.mark.parametrize(
    "query, word",
    [
        ("books.id=1", "books"),  # repeated message: not allowed (B5)
        ("labels.a=1", "labels"),  # map
        ("book=x", "book"),  # a message itself, not one of its fields
    ],
    ids=["repeated-message", "map", "message"],
)
def test_fields_a_query_cannot_fill_are_400(rest_gateway, query, word):
    response = request(rest_gateway, "GET", f"/v1/search?{query}")
    assert_error(response, 400, 3, word)


def test_unknown_query_parameter_is_400_naming_it(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/search?int32_value=1&colour=RED")
    assert_error(response, 400, 3, "colour")


def test_unknown_nested_query_parameter_is_400(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/search?book.subtitle=x")
    assert_error(response, 400, 3, "book.subtitle")


def test_bad_percent_escape_in_the_query_is_400(rest_gateway):
    response = request(rest_gateway, "GET", "/v1/search?string_value=%zz")
    assert_error(response, 400, 3)


def test_ignored_query_parameter_from_config(rest_gateway):
    """`api_key` is in http.ignored_query_parameters: dropped; other unknown names still 400."""
    assert search(rest_gateway, "api_key=secret&int32_value=2") == {"int32_value": 2}
    response = request(rest_gateway, "GET", "/v1/search?api_key=secret&other=1")
    assert_error(response, 400, 3, "other")


def test_ignore_unknown_query_parameters(start_gateway, backend):
    gateway = start_gateway(
        backend.address, services=rest.SERVICES, http="http:\n  ignore_unknown_query_parameters: true\n"
    )
    assert search(gateway, "utm_source=mail&_=1712345&int32_value=2") == {"int32_value": 2}
    # Known parameters are still checked.
    assert_error(request(gateway, "GET", "/v1/search?int32_value=x"), 400, 3, "int32_value")


def test_query_on_a_path_with_a_verb(rest_gateway):
    assert echoed(request(rest_gateway, "GET", "/v1/books:batchGet?tags=x&color=RED")) == {
        "tags": ["x"],
        "color": "RED",
    }
