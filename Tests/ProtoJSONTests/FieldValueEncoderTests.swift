internal import ProtoJSON
internal import Schema
internal import Testing

/// One string value (a path variable or query parameter) into a field's wire bytes, checked by
/// printing the bytes with the encoder the corpus proved.
@Suite("FieldValueEncoder")
struct FieldValueEncoderTests {
    static let type = "testing.v1.json.TestAllTypes"

    /// Encodes `values` in order after `body`, then prints the message.
    func json(body: String = "{}", _ values: [(String, String)]) throws -> String {
        let index = Corpus.index(Self.type)
        var wire = try ProtoJSONDecoder(pool: Corpus.pool).decode(messageIndex: index, json: Array(body.utf8))
        let encoder = FieldValueEncoder(pool: Corpus.pool)
        for (path, value) in values {
            try encoder.encode(messageIndex: index, path: path, value: value, into: &wire)
        }
        return String(
            decoding: try ProtoJSONEncoder(pool: Corpus.pool).encode(messageIndex: index, wireBytes: wire),
            as: UTF8.self
        )
    }

    @Test(
        "every field kind from its string form",
        arguments: [
            ("optional_int32", "-7", #"{"optionalInt32":-7}"#),
            ("optionalInt64", "-9223372036854775808", #"{"optionalInt64":"-9223372036854775808"}"#),
            ("optional_uint64", "18446744073709551615", #"{"optionalUint64":"18446744073709551615"}"#),
            ("optional_sint32", "1e3", #"{"optionalSint32":1000}"#),
            ("optional_fixed64", "42", #"{"optionalFixed64":"42"}"#),
            ("optional_sfixed32", "-1", #"{"optionalSfixed32":-1}"#),
            ("optional_float", "0.1", #"{"optionalFloat":0.1}"#),
            ("optional_double", "NaN", #"{"optionalDouble":"NaN"}"#),
            ("optional_double", "-Infinity", #"{"optionalDouble":"-Infinity"}"#),
            ("optional_bool", "true", #"{"optionalBool":true}"#),
            ("optional_bool", "1", #"{"optionalBool":true}"#),
            ("optional_string", "héllo \"world\"/", #"{"optionalString":"héllo \"world\"/"}"#),
            ("optional_bytes", "-_8", #"{"optionalBytes":"+/8="}"#),
            ("optional_bytes", "+/8=", #"{"optionalBytes":"+/8="}"#),
            ("optional_color", "COLOR_AZURE", #"{"optionalColor":"COLOR_BLUE"}"#),
            ("optional_color", "2", #"{"optionalColor":"COLOR_GREEN"}"#),
            ("optional_nested.a", "7", #"{"optionalNested":{"a":7}}"#),
            (
                "optional_nested.corecursive.optional_nested.tags", "t",
                #"{"optionalNested":{"corecursive":{"optionalNested":{"tags":["t"]}}}}"#
            ),
            ("repeated_int64", "5", #"{"repeatedInt64":["5"]}"#),
            ("optional_timestamp", "1970-01-01T00:00:01.5+01:00", #"{"optionalTimestamp":"1969-12-31T23:00:01.500Z"}"#),
            ("optional_duration", "-1.5s", #"{"optionalDuration":"-1.500s"}"#),
            ("optional_field_mask", "a.bC,d", #"{"optionalFieldMask":"a.bC,d"}"#),
            ("optional_int64_wrapper", "0", #"{"optionalInt64Wrapper":"0"}"#),
            ("optional_bool_wrapper", "false", #"{"optionalBoolWrapper":false}"#),
            ("optional_string_wrapper", "", #"{"optionalStringWrapper":""}"#),
            ("oneof_uint32", "0", #"{"oneofUint32":0}"#),
            ("proto3_optional_int32", "0", #"{"proto3OptionalInt32":0}"#),
        ]
    )
    func kinds(path: String, value: String, expected: String) throws {
        #expect(try json([(path, value)]) == expected)
    }

    @Test("appended after the body, the path-bound value wins; repeated values append")
    func pathWins() throws {
        let body =
            #"{"optionalInt32":5,"optionalTimestamp":"1970-01-01T00:00:05.5Z","#
            + #""optionalNested":{"a":1,"tags":["x"]},"oneofString":"s"}"#
        let output = try json(
            body: body,
            [
                ("optional_int32", "0"), ("optional_timestamp", "1970-01-01T00:00:01Z"), ("optional_nested.a", "2"),
                ("optional_nested.tags", "y"), ("oneof_uint32", "3"),
            ]
        )
        #expect(
            output
                == #"{"optionalNested":{"a":2,"tags":["x","y"]},"oneofUint32":3,"#
                + #""optionalTimestamp":"1970-01-01T00:00:01Z"}"#
        )
    }

    @Test(
        "bad values and paths are errors naming the field",
        arguments: [
            ("optional_int32", "abc", #"optionalInt32: expected an integer, got "abc""#),
            ("optional_int32", "2147483648", "optionalInt32: value 2147483648 out of range for int32"),
            ("optional_bool", "yes", #"optionalBool: expected true or false, got "yes""#),
            (
                "optional_color", "PURPLE",
                #"optionalColor: invalid enum value "PURPLE" for enum type testing.v1.json.Color"#
            ),
            (
                "optional_timestamp", "yesterday",
                #"optionalTimestamp: invalid Timestamp "yesterday" (want RFC 3339 like 1972-01-01T10:00:20.021Z)"#
            ),
            ("no_such_field", "1", "no_such_field: unknown field of testing.v1.json.TestAllTypes"),
            ("optional_int32.x", "1", "optional_int32: only a singular message field can have sub-fields in a path"),
            ("map_string_string", "1", "mapStringString: a map field cannot take a single value"),
        ]
    )
    func errors(path: String, value: String, message: String) throws {
        do {
            _ = try json([(path, value)])
            Issue.record("accepted \(path)=\(value)")
        } catch let error as ProtoJSONError {
            #expect(error.description == message)
        }
    }
}
